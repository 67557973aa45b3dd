"""Every finding about the warehouse, gathered in one pass and written once.

Sources of findings, each with its category:
* what the parsers reported while reading (parse, domain, field_swap);
* each table's pandera model, validated lazily (identifier, domain);
* the rules across fields and documents (date_order, enrollment,
  consistency, duplicate_conflict).
The Dagster asset checks read their results from here, so a check and the
`quality_findings` table can never disagree.
"""

from __future__ import annotations

import duckdb

from pipeline.document import Finding
from pipeline.quality import rules
from pipeline.quality.models import to_frame, validate_frame
from pipeline.tables import CONTRACT_TABLES, STUDY_SOURCES
from pipeline.scope import TrialScope
from pipeline.warehouse import PARSED_FINDINGS, insert_arrow, read_table, replace_table, row_count, rows_to_arrow, schema_of

# Tables whose rows the models validate: everything published except the findings themselves.
VALIDATED_TABLES: tuple[str, ...] = tuple(
    t.name for t in (*CONTRACT_TABLES, STUDY_SOURCES) if t.name != "quality_findings"
)

_RULE_TABLES = {"studies", "eligibility_criteria", "outcomes", "evidence_findings", "dosing", "study_sources"}

_SUMMARY_SQL = """
SELECT source_file, nct_id, category, severity, CAST(count(*) AS BIGINT) AS findings
FROM quality_findings
GROUP BY ALL
"""


def _read_scoped(conn: duckdb.DuckDBPyConnection, name: str, scope: TrialScope):
    columns = schema_of(name).names
    return read_table(conn, name, scope.rows_sql("nct_id" in columns, "source_file" in columns))


def collect_findings(conn: duckdb.DuckDBPyConnection, scope: TrialScope = TrialScope(full=True)) -> list[Finding]:
    """Validate every table and run every rule on the rows in scope, as the warehouse is now."""
    findings = [Finding(**row) for row in _read_scoped(conn, PARSED_FINDINGS.name, scope).to_pylist()]
    # One table in memory at a time, except the few the rules read together.
    frames = {}
    for name in VALIDATED_TABLES:
        frame = to_frame(_read_scoped(conn, name, scope))
        findings.extend(validate_frame(name, frame))
        if name in _RULE_TABLES:
            frames[name] = frame
    parsed_studies = to_frame(_read_scoped(conn, "parsed_studies", scope))
    studies = frames["studies"]
    findings.extend(rules.check_date_order(studies))
    findings.extend(rules.check_enrollment(studies))
    findings.extend(rules.check_criteria_ages(studies, frames["eligibility_criteria"]))
    findings.extend(rules.check_title_ecog(studies, frames["eligibility_criteria"]))
    findings.extend(rules.check_randomization_wording(studies, frames["outcomes"]))
    findings.extend(rules.check_evidence_percentages(frames["evidence_findings"]))
    findings.extend(rules.check_dose_steps(frames["dosing"]))
    findings.extend(rules.check_duplicate_conflicts(parsed_studies, frames["study_sources"]))
    return findings


def rebuild_quality_tables(conn: duckdb.DuckDBPyConnection, scope: TrialScope) -> dict[str, int]:
    """Replace the findings about the trials and documents in scope, then the summary."""
    findings = collect_findings(conn, scope)
    conn.execute(f"DELETE FROM quality_findings WHERE {scope.rows_sql(True, True)}")
    insert_arrow(conn, "quality_findings", rows_to_arrow("quality_findings", [f.as_row() for f in findings]))
    summary = replace_table(conn, "quality_summary", _SUMMARY_SQL)
    return {"quality_findings": row_count(conn, "quality_findings"), "quality_summary": summary}
