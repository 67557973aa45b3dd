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
from pipeline.warehouse import PARSED_FINDINGS, insert_arrow, read_table, replace_table, rows_to_arrow

# Tables whose rows the models validate: everything published except the findings themselves.
VALIDATED_TABLES: tuple[str, ...] = tuple(
    t.name for t in (*CONTRACT_TABLES, STUDY_SOURCES) if t.name != "quality_findings"
)

_SUMMARY_SQL = """
SELECT source_file, nct_id, category, severity, CAST(count(*) AS BIGINT) AS findings
FROM quality_findings
GROUP BY ALL
"""


def collect_findings(conn: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Validate every table and run every rule against the warehouse as it is now."""
    frames = {name: to_frame(read_table(conn, name)) for name in VALIDATED_TABLES}
    parsed_studies = to_frame(read_table(conn, "parsed_studies"))
    findings = [
        Finding(**row)
        for row in read_table(conn, PARSED_FINDINGS.name).to_pylist()
    ]
    for name, frame in frames.items():
        findings.extend(validate_frame(name, frame))
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


def rebuild_quality_tables(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Replace `quality_findings` and `quality_summary` with the current findings."""
    findings = collect_findings(conn)
    conn.execute("DELETE FROM quality_findings")
    insert_arrow(conn, "quality_findings", rows_to_arrow("quality_findings", [f.as_row() for f in findings]))
    summary = replace_table(conn, "quality_summary", _SUMMARY_SQL)
    return {"quality_findings": len(findings), "quality_summary": summary}
