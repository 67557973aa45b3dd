"""The few lines a run ends with: what was built, what is wrong with it, where it is, what next.

Plain functions over a DuckDB connection that has the contract's tables
(the published views, or the warehouse when this run did not publish), so
the same words come out whichever was read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

SEVERITIES = ("ERROR", "WARNING", "INFO")
MOST_AFFECTED = 5
QUARANTINED_SHOWN = 5


@dataclass(frozen=True)
class CheckOutcome:
    """One asset check as the run judged it (filled from Dagster's events by the caller)."""

    name: str
    passed: bool
    severity: str


@dataclass(frozen=True)
class RunOutcome:
    """What the run itself says, beyond the tables: its id, success, checks, where it wrote."""

    run_id: str
    success: bool
    seconds: float
    warehouse: Path
    publish_dir: Path
    published_this_run: bool
    checks: Sequence[CheckOutcome] = field(default_factory=tuple)


def _shown(path: Path) -> str:
    """A path as short as it can be written: relative to here when it lies below here."""
    try:
        relative = Path(os.path.relpath(path))
    except ValueError:
        return str(path)
    return str(relative) if not str(relative).startswith("..") else str(path)


def _counts(pairs: Iterable[tuple[str | None, int]]) -> str:
    return ", ".join(f"{name or 'unknown'} {count:,}" for name, count in pairs)


def error_findings(conn: duckdb.DuckDBPyConnection) -> int:
    """The ERROR findings, the ones `STRICT=1` turns into a failing exit status."""
    return conn.execute("SELECT count(*) FROM quality_findings WHERE severity = 'ERROR'").fetchall()[0][0]


def _document_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    total = conn.execute("SELECT count(*) FROM documents").fetchall()[0][0]
    lines = [f"documents         {total:,}"]
    statuses = conn.execute(
        "SELECT status, count(*) AS n FROM documents GROUP BY status ORDER BY n DESC, status"
    ).fetchall()
    for status, count in statuses:
        layouts = conn.execute(
            "SELECT format, count(*) AS n FROM documents WHERE status = ? GROUP BY format ORDER BY n DESC, format",
            [status],
        ).fetchall()
        lines.append(f"  {status:<15} {count:,}: {_counts(layouts)}")
    quarantined = conn.execute(
        "SELECT source_file, error FROM documents WHERE status <> 'PARSED' ORDER BY source_file LIMIT ?",
        [QUARANTINED_SHOWN],
    ).fetchall()
    lines += [f"    {source_file}: {error}" for source_file, error in quarantined]
    unread = sum(count for status, count in statuses if status != "PARSED")
    if unread > len(quarantined):
        lines.append(f"    ... and {unread - len(quarantined):,} more "
                     "(make sql: select source_file, error from documents where status <> 'PARSED')")
    return lines


def _finding_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    total = conn.execute("SELECT count(*) FROM quality_findings").fetchall()[0][0]
    by_severity = dict(conn.execute("SELECT severity, count(*) FROM quality_findings GROUP BY severity").fetchall())
    severities = [*SEVERITIES, *sorted(set(by_severity) - set(SEVERITIES))]
    lines = [f"findings          {total:,}: " + _counts((s, by_severity.get(s, 0)) for s in severities)]
    if not total:
        return lines
    categories = conn.execute(
        "SELECT category, count(*) AS n FROM quality_findings GROUP BY category ORDER BY n DESC, category"
    ).fetchall()
    lines.append(f"  by category     {_counts(categories)}")
    affected = conn.execute(
        """
        SELECT nct_id, count(*) AS n, count(*) FILTER (WHERE severity = 'ERROR') AS errors
        FROM quality_findings WHERE nct_id IS NOT NULL
        GROUP BY nct_id ORDER BY errors DESC, n DESC, nct_id LIMIT ?
        """,
        [MOST_AFFECTED],
    ).fetchall()
    if affected:
        trials = ", ".join(f"{nct_id} {n}" + (f" ({errors} ERROR)" if errors else "") for nct_id, n, errors in affected)
        lines.append(f"  most affected   {trials}")
    return lines


def _check_line(checks: Sequence[CheckOutcome]) -> str:
    failed = [c for c in checks if not c.passed]
    line = f"checks            {len(checks) - len(failed)} passed, {len(failed)} failed"
    if failed:
        line += ": " + ", ".join(f"{c.name} ({c.severity})" for c in failed)
    return line


def summary_lines(conn: duckdb.DuckDBPyConnection, outcome: RunOutcome) -> list[str]:
    """The run's closing summary, one fact a line."""
    state = "succeeded" if outcome.success else "FAILED"
    trials = conn.execute("SELECT count(*) FROM studies").fetchall()[0][0]
    lines = [
        "",
        f"run {outcome.run_id[:8]} {state} in {outcome.seconds:.1f} s",
        f"trials published  {trials:,}" if outcome.published_this_run
        else f"trials built      {trials:,} (NOT published by this run: see the failed checks or steps above)",
        *_document_lines(conn),
        *_finding_lines(conn),
    ]
    if outcome.checks:
        lines.append(_check_line(outcome.checks))
    example = conn.execute(
        "SELECT nct_id FROM quality_findings WHERE nct_id IS NOT NULL "
        "GROUP BY nct_id ORDER BY count(*) DESC, nct_id LIMIT 1"
    ).fetchall() or conn.execute("SELECT min(nct_id) FROM studies").fetchall()
    lines += [
        f"warehouse         {_shown(outcome.warehouse)}",
        f"published         {_shown(outcome.publish_dir)}/ (manifest: {_shown(outcome.publish_dir / 'manifest.json')})",
        "next              make ui    (assets, checks, lineage)",
        "                  make sql   (SQL over the published tables)",
    ]
    if example and example[0][0]:
        lines.append(f"                  .venv/bin/python -m pipeline show {example[0][0]}   (one trial's card)")
    return lines
