"""One trial's card: everything the publication says about one NCT id, on one screen.

Read from the published Parquet (pipeline/cli/published.py), so it answers
while a run holds the warehouse. Plain functions: rows in, lines out.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

NCT_ID = re.compile(r"NCT\d{8}")
# Free texts are shown cut: the card is a summary, `make sql` gives them whole.
TEXT_SHOWN = 160
# The studies columns a card does not list as fields: said elsewhere on it,
# or companions of a date (its precision and the text it was read from).
NOT_FIELDS = {"nct_id", "brief_title", "source_file", "source_files"}


class UnknownTrialError(LookupError):
    """The NCT id is malformed, or the publication has no such trial."""


def normalized_nct_id(text: str) -> str:
    """`text` as an NCT id ("nct07203053" and " NCT07203053 " are accepted), or why not."""
    candidate = text.strip().upper()
    if not NCT_ID.fullmatch(candidate):
        raise UnknownTrialError(
            f"{text!r} is not an NCT id: expected NCT followed by 8 digits, for example NCT07203053"
        )
    return candidate


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    result = conn.execute(sql, params)
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row)) for row in result.fetchall()]


def _cut(text: Any) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= TEXT_SHOWN else flat[: TEXT_SHOWN - 1] + "…"


def _value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _field_lines(study: dict[str, Any]) -> list[str]:
    lines = []
    for name, value in study.items():
        if name in NOT_FIELDS or name.endswith(("_precision", "_raw")) or value is None:
            continue
        lines.append(f"  {name:<26} {_cut(_value(value))}")
    return lines


def _dose(row: dict[str, Any]) -> str:
    if row.get("dose_value") is None:
        return "dose not stated"
    dose = _value(row["dose_value"])
    if row.get("dose_value_max") is not None:
        dose += f"-{_value(row['dose_value_max'])}"
    return f"{dose} {row.get('dose_unit') or ''}".strip()


def _dosing_line(row: dict[str, Any]) -> str:
    parts = [_dose(row), row.get("route"), row.get("timing")]
    if row.get("infusion_minutes") is not None:
        parts.append(f"over {_value(row['infusion_minutes'])} min")
    if row.get("max_dose_value") is not None:
        parts.append(f"max {_value(row['max_dose_value'])} {row.get('max_dose_unit') or ''}".strip())
    if row.get("dose_adjustment"):
        parts.append(f"adjusted: {row['dose_adjustment']}")
    return f"  {row.get('drug') or '?'} step {row.get('step')}: " + ", ".join(str(p) for p in parts if p)


def _threshold_line(row: dict[str, Any]) -> str:
    value = f"{row.get('comparator') or ''} {_value(row.get('value'))} {row.get('unit') or ''}".strip()
    where = f"{(row.get('criterion_type') or '').lower()} #{row.get('criterion_ordinal')}"
    return f"  {row.get('analyte')} {value}   ({where}: {_cut(row.get('text') or '')})"


def _finding_line(row: dict[str, Any]) -> str:
    where = row.get("source_file") or ""
    if row.get("line") is not None:
        where += f":{row['line']}"
    if row.get("record_path") is not None:
        where += f" {row['record_path']}"
    observed = f" = {_cut(row['observed'])!s}" if row.get("observed") is not None else ""
    return (f"  {row.get('severity')} {row.get('category')} {row.get('field') or ''}{observed}\n"
            f"      {row.get('message')}   [{where}]")


def _section(title: str, lines: list[str]) -> list[str]:
    return ["", f"{title} ({len(lines)})", *lines] if lines else ["", f"{title}: none"]


def card_lines(conn: duckdb.DuckDBPyConnection, nct_id: str) -> list[str]:
    """The card of `nct_id` from a connection with the published tables as views."""
    nct_id = normalized_nct_id(nct_id)
    studies = _rows(conn, "SELECT * FROM studies WHERE nct_id = ?", [nct_id])
    if not studies:
        raise UnknownTrialError(f"{nct_id} is not in the published studies: no document of it was parsed")
    study = studies[0]
    by_trial = "WHERE nct_id = ? ORDER BY position"
    sources = _rows(conn, "SELECT * FROM study_sources WHERE nct_id = ? ORDER BY rank", [nct_id])
    conditions = _rows(conn, f"SELECT * FROM conditions {by_trial}", [nct_id])
    arms = _rows(conn, f"SELECT * FROM arm_groups {by_trial}", [nct_id])
    interventions = _rows(conn, f"SELECT * FROM interventions {by_trial}", [nct_id])
    dosing = _rows(conn, f"SELECT * FROM dosing {by_trial}", [nct_id])
    thresholds = _rows(conn, f"SELECT * FROM eligibility_thresholds {by_trial}", [nct_id])
    evidence = _rows(conn, """
        SELECT l.source_file, l.shared_drugs, l.shared_conditions, e.title, e.journal, e.published_date
        FROM evidence_trial_links AS l LEFT JOIN evidence AS e USING (source_file)
        WHERE l.nct_id = ? ORDER BY l.source_file""", [nct_id])
    findings = _rows(conn, """
        SELECT * FROM quality_findings WHERE nct_id = ?
        ORDER BY CASE severity WHEN 'ERROR' THEN 0 WHEN 'WARNING' THEN 1 ELSE 2 END, category, field""",
        [nct_id])
    return [
        f"{nct_id}  {study.get('brief_title') or '(no title)'}",
        *_field_lines(study),
        *_section("sources", [f"  {s['rank']}. {s['source_file']} ({s.get('format')}, updated "
                              f"{s.get('last_update_posted_date') or 'unknown'})" for s in sources]),
        *_section("conditions", [f"  {c.get('condition')}" for c in conditions]),
        *_section("arms", [f"  {a.get('label')} ({a.get('group_type') or 'type not stated'}): "
                           f"{_value(a.get('intervention_names') or [])}" for a in arms]),
        *_section("interventions", [f"  {i.get('intervention_type')} {i.get('name')}" for i in interventions]),
        *_section("dosing", [_dosing_line(d) for d in dosing]),
        *_section("eligibility thresholds", [_threshold_line(t) for t in thresholds]),
        *_section("evidence", [f"  {e['source_file']}: {_cut(e.get('title') or '')} ({e.get('journal')}, "
                               f"{e.get('published_date')}); shares {_value(e.get('shared_drugs') or [])}"
                               for e in evidence]),
        *_section("findings", [_finding_line(f) for f in findings]),
    ]
