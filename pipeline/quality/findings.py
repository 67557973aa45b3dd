"""Every finding about the warehouse, gathered in one pass and written once.

Sources of findings, each with its category:
* what the parsers reported while reading (parse, domain, field_swap);
* each table's pandera model, validated lazily (identifier, domain), and
  every row of a trial's tables against its `studies` row (identifier);
* the rules across fields and documents (date_order, enrollment,
  consistency, duplicate_conflict).
The Dagster asset checks read their results from here, so a check and the
`quality_findings` table can never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import duckdb
import pandas as pd

from pipeline.extract.document import Finding
from pipeline.quality import rules
from pipeline.quality.models import to_frame, validate_frame
from pipeline.registry import checks
from pipeline.registry.tables import PARSED_FINDINGS, TABLES_BY_NAME, Role, names, qualified, tables_with
from pipeline.store.scope import TrialScope
from pipeline.store.warehouse import insert_arrow, read_table, replace_table, row_count, rows_to_arrow, schema_of

VALIDATED_TABLES: tuple[str, ...] = names(tables_with(Role.VALIDATED))
# Every table a rule reads, and those of them the models validate in the rules' buckets.
_RULE_TABLES: tuple[str, ...] = names(tables_with(Role.READ_BY_RULES))
_VALIDATED_RULE_TABLES: tuple[str, ...] = names(tables_with(Role.READ_BY_RULES, Role.VALIDATED))

# Rows of the largest table validated at once: bounds memory whatever the corpus size.
_BUCKET_ROWS = 200_000

TRIAL_ROW_TABLES: tuple[str, ...] = names(tables_with(Role.TRIAL_ROWS))

_WITHOUT_TRIAL_SQL = """
SELECT t.nct_id, t.source_file, count(*) AS rows
FROM {table} AS t
WHERE {scope} AND t.nct_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM studies AS s WHERE s.nct_id = t.nct_id)
GROUP BY ALL
ORDER BY ALL
"""

# A rule judges the value `studies` holds, so its finding takes the line and
# record path of that value in the finding's document (`chosen`); a conflict
# is about the other document's own value. A finding about several fields
# ("start_date,completion_date") is placed at the first. Findings placed while
# parsing keep their place; the rest of a trial's findings are placed here,
# set-wise, whatever their rule. Only the findings in scope are placed: the
# others were placed by the run that wrote them, from study_field_sources
# rows of trials that have not been rebuilt since.
_PLACED_SQL = """
UPDATE quality_findings AS q
SET line = f.line, record_path = f.record_path
FROM study_field_sources AS f
WHERE q.line IS NULL AND q.record_path IS NULL AND {scope}
  AND f.nct_id = q.nct_id AND f.source_file = q.source_file AND f.field = split_part(q.field, ',', 1)
  AND (f.chosen OR q.category = 'duplicate_conflict')
"""

# A summary row counts the findings of one (source_file, nct_id): it is in
# scope exactly when they are, so only those rows are counted again.
_SUMMARY_SQL = """
SELECT source_file, nct_id, category, severity, CAST(count(*) AS BIGINT) AS findings
FROM quality_findings
WHERE {scope}
GROUP BY ALL
"""


def _partition_column(name: str) -> str:
    """The column a table is split on.

    A validated table: the first column of its key, so two rows with one key
    meet in one bucket. A table only the rules read (the documents as
    parsed): nct_id, so every document about one trial meets the others
    (split on source_file, two documents of one trial landed in different
    buckets and their conflicts went unreported).
    """
    key = TABLES_BY_NAME[name].key if name in VALIDATED_TABLES else ()
    return key[0] if key else ("nct_id" if "nct_id" in schema_of(name).names else "source_file")


class Buckets:
    """The rows in scope of some tables, split into buckets by a hash of each table's partition column.

    Every rule joins tables on nct_id (or, for articles, source_file), which
    is also each table's partition column, so a trial's rows in every table
    land in the same bucket and each bucket can be judged on its own. The
    largest of the tables sets the number of buckets, and each bucket reads
    every table once more: tables are bucketed together only when a rule
    needs them side by side.
    """

    def __init__(self, conn: duckdb.DuckDBPyConnection, scope: TrialScope, tables: tuple[str, ...]) -> None:
        self.conn, self.scope = conn, scope
        largest = max(self._count(name) for name in tables)
        self.count = max(1, math.ceil(largest / _BUCKET_ROWS))

    def _where(self, name: str, bucket: int | None = None) -> str:
        columns = schema_of(name).names
        in_scope = self.scope.rows_sql("nct_id" in columns, "source_file" in columns)
        if bucket is None or self.count == 1:
            return in_scope
        return f"{in_scope} AND coalesce(hash({_partition_column(name)}) % {self.count}, 0) = {bucket}"

    def _count(self, name: str) -> int:
        return self.conn.execute(f'SELECT count(*) FROM {qualified(name)} WHERE {self._where(name)}').fetchall()[0][0]

    def read(self, name: str, bucket: int):
        return read_table(self.conn, name, self._where(name, bucket), ordered=False)

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.count))


def rows_without_trial(conn: duckdb.DuckDBPyConnection, scope: TrialScope) -> list[Finding]:
    """Rows of a trial's tables whose trial has no `studies` row.

    Every table is merged from the same documents as `studies`, so such a
    row is a defect of trialflow's merge, never of a document: it would
    publish facts about a trial nobody can look up. The finding belongs to
    the table's schema check, which blocks publishing.
    """
    findings = []
    for table in TRIAL_ROW_TABLES:
        where = scope.rows_sql(True, True)
        for nct_id, source_file, rows in conn.execute(_WITHOUT_TRIAL_SQL.format(table=qualified(table), scope=where)).fetchall():
            findings.append(Finding(
                check_name=checks.schema_check(table),
                category="identifier",
                severity="ERROR",
                message=f"{table} holds {rows} row(s) of {nct_id} from {source_file} but studies has no row "
                        f"for {nct_id}",
                field="nct_id",
                observed=nct_id,
                nct_id=nct_id,
                source_file=source_file,
            ))
    return findings


def _validated(buckets: Buckets, name: str, bucket: int) -> tuple[pd.DataFrame, list[Finding]]:
    frame = to_frame(buckets.read(name, bucket))
    return frame, validate_frame(name, frame)


def collect_findings(conn: duckdb.DuckDBPyConnection, scope: TrialScope = TrialScope(full=True)) -> Iterator[list[Finding]]:
    """Validate every table and run every rule on the rows in scope, as the warehouse is now, a bucket at a time.

    A table no rule reads is validated in buckets of its own size; the
    tables the rules read are validated in the rules' buckets, so no table
    is read twice and the small ones are not read once per bucket of the
    largest.
    """
    for name in VALIDATED_TABLES:
        if name in _VALIDATED_RULE_TABLES:
            continue
        buckets = Buckets(conn, scope, (name,))
        for bucket in buckets:
            yield _validated(buckets, name, bucket)[1]
    yield rows_without_trial(conn, scope)
    buckets = Buckets(conn, scope, (*_RULE_TABLES, PARSED_FINDINGS.name))
    for bucket in buckets:
        findings = [Finding(**row) for row in buckets.read(PARSED_FINDINGS.name, bucket).to_pylist()]
        frames = {}
        for name in _RULE_TABLES:
            if name in _VALIDATED_RULE_TABLES:
                frames[name], table_findings = _validated(buckets, name, bucket)
                findings.extend(table_findings)
            else:
                frames[name] = to_frame(buckets.read(name, bucket))
        findings.extend(_rule_findings(frames))
        yield findings


@dataclass(frozen=True)
class _Rule:
    """A rule, the frames it reads, and what it judges one at a time (a trial, or an article)."""

    check: Callable[..., Iterable[Finding]]
    frames: tuple[str, ...]
    unit: str
    check_name: str
    category: str


_RULES: tuple[_Rule, ...] = (
    _Rule(rules.check_date_order, ("studies",), "nct_id", checks.DATE_ORDER, "date_order"),
    _Rule(rules.check_enrollment, ("studies",), "nct_id", checks.ENROLLMENT, "enrollment"),
    _Rule(rules.check_criteria_ages, ("studies", "eligibility_criteria"), "nct_id", checks.CONSISTENCY, "consistency"),
    _Rule(rules.check_title_ecog, ("studies", "eligibility_criteria"), "nct_id", checks.CONSISTENCY, "consistency"),
    _Rule(rules.check_randomization_wording, ("studies", "outcomes"), "nct_id", checks.CONSISTENCY, "consistency"),
    _Rule(rules.check_evidence_percentages, ("evidence_findings",), "source_file", checks.EVIDENCE_PERCENTAGES,
          "consistency"),
    _Rule(rules.check_dose_steps, ("dosing",), "nct_id", checks.DOSE_STEPS, "consistency"),
    _Rule(rules.check_duplicate_conflicts, ("parsed_studies", "study_sources"), "nct_id", checks.DUPLICATE_CONFLICT,
          "duplicate_conflict"),
)


def _judged(rule: _Rule, frames: dict[str, pd.DataFrame]) -> list[Finding]:
    """The rule's findings on a bucket; a trial whose values break the rule's arithmetic gets a finding of its own.

    Rules are vectorized over the bucket, so one trial's impossible value
    would fail them for every trial in it. When that happens the rule judges
    each trial alone, and the trials it still cannot judge are reported
    (ERROR, under the rule's own check) instead of failing the step.
    """
    inputs = [frames[name] for name in rule.frames]
    try:
        return list(rule.check(*inputs))
    except Exception:  # noqa: BLE001 - judged again trial by trial below
        keys = sorted({key for frame in inputs for key in frame[rule.unit].dropna().unique()})
    findings: list[Finding] = []
    for key in keys:
        try:
            findings.extend(rule.check(*(frame[frame[rule.unit] == key] for frame in inputs)))
        except Exception as error:  # noqa: BLE001 - costs this trial's judgement only
            findings.append(Finding(
                check_name=rule.check_name, category=rule.category, severity="ERROR",
                message=f"{rule.check.__name__} could not judge this {'trial' if rule.unit == 'nct_id' else 'article'}"
                        f" ({type(error).__name__}: {error}); its values need a look",
                **{rule.unit: key},
            ))
    return findings


def _rule_findings(frames: dict[str, pd.DataFrame]) -> list[Finding]:
    return [finding for rule in _RULES for finding in _judged(rule, frames)]


def rebuild_quality_tables(conn: duckdb.DuckDBPyConnection, scope: TrialScope) -> dict[str, int]:
    """Replace the findings about the trials and documents in scope, then the summary."""
    conn.execute(f"DELETE FROM quality_findings WHERE {scope.rows_sql(True, True)}")
    for findings in collect_findings(conn, scope):
        insert_arrow(conn, "quality_findings", rows_to_arrow("quality_findings", [f.as_row() for f in findings]))
    in_scope = scope.rows_sql(True, True)
    placed_scope = "TRUE" if scope.full else f"({scope.trials_sql('q.nct_id')} OR {scope.documents_sql('q.source_file')})"
    conn.execute(_PLACED_SQL.format(scope=placed_scope))
    summary = replace_table(conn, "quality_summary", _SUMMARY_SQL.format(scope=in_scope), in_scope)
    return {"quality_findings": row_count(conn, "quality_findings"), "quality_summary": summary}
