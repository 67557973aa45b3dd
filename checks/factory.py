"""One factory that turns a quality check's findings into a Dagster asset check.

The validation itself runs once per materialization, inside the op that
builds the tables (`pipeline.quality.findings`): pandera models validated
lazily plus the cross-field rules. Each asset check made here reports the
part of those findings that belongs to it, with the number of failures and a
table of the first ones, so the UI's checks tab and `quality_findings` tell
the same story.
"""

from dataclasses import dataclass

import dagster as dg
import pyarrow as pa

from pipeline.preview import markdown_preview
from pipeline.publish import PERSONAL_FINDING_FIELDS
from pipeline.resources import WarehouseResource

_SAMPLE_ROWS = 10
_SAMPLE_COLUMNS = ["severity", "nct_id", "source_file", "field", "observed", "message"]
# A check reads counts and the first rows only: at registry scale one check
# can own hundreds of thousands of findings.
_COUNTS_SQL = """
SELECT severity, count(*) FROM quality_findings WHERE check_name IN (SELECT unnest(?)) GROUP BY severity
"""
_FIRST_FINDINGS_SQL = """
SELECT * FROM quality_findings
WHERE check_name IN (SELECT unnest(?)) AND (severity = 'ERROR' OR NOT ?)
ORDER BY CASE severity WHEN 'ERROR' THEN 0 WHEN 'WARNING' THEN 1 ELSE 2 END, nct_id, source_file, message
LIMIT ?
"""


@dataclass(frozen=True)
class QualityCheck:
    """A check on one asset, fed by the findings whose check_name it lists.

    `blocking` checks stop publishing when they fail with ERROR severity;
    a failure whose worst finding is a WARNING never blocks.
    """

    asset: str
    name: str
    description: str
    finding_checks: tuple[str, ...]
    blocking: bool = False


def check_result(check: QualityCheck, counts: dict[str, int], first: pa.Table) -> dg.AssetCheckResult:
    """Passed when there is no ERROR or WARNING finding; severity from the worst one.

    `counts` holds the findings by severity, `first` the first of them, worst first.
    """
    failures = counts.get("ERROR", 0) + counts.get("WARNING", 0)
    severity = dg.AssetCheckSeverity.ERROR if counts.get("ERROR") else dg.AssetCheckSeverity.WARN
    metadata: dict[str, dg.MetadataValue] = {
        "failures": dg.MetadataValue.int(failures),
        "findings_by_severity": dg.MetadataValue.json(dict(sorted(counts.items()))),
    }
    if first.num_rows:
        metadata["first_failures"] = dg.MetadataValue.md(
            markdown_preview(first, limit=_SAMPLE_ROWS, columns=_SAMPLE_COLUMNS)
        )
    return dg.AssetCheckResult(passed=failures == 0, severity=severity, metadata=metadata)


_LOGGED_ERRORS = 20


def error_lines(check: QualityCheck, findings: pa.Table, errors: int | None = None) -> list[str]:
    """One line per ERROR finding a user can act on: which document, which trial, what is wrong.

    At most _LOGGED_ERRORS lines, then how many more there are (`errors`,
    the total, when `findings` holds only the first of them). Contacts'
    phones and emails are personal data: their findings are named in the
    log, never quoted.
    """
    lines = []
    for finding in findings.to_pylist():
        if finding["severity"] != "ERROR":
            continue
        what = finding["message"]
        if finding["field"] in PERSONAL_FINDING_FIELDS:
            what = "a contact's phone or email is malformed (see quality_findings)"
        lines.append(f"{check.asset}.{check.name}: {finding['source_file'] or 'all documents'} "
                     f"({finding['nct_id'] or 'no trial'}): {what}")
    total = len(lines) if errors is None else errors
    if total > _LOGGED_ERRORS:
        lines = lines[:_LOGGED_ERRORS] + [f"... and {total - _LOGGED_ERRORS} more in quality_findings"]
    return lines


def build_asset_check(check: QualityCheck) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=check.asset,
        name=check.name,
        description=check.description,
        blocking=check.blocking,
        additional_deps=["quality_findings"],
        pool="duckdb",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        names = list(check.finding_checks)
        with warehouse.get_connection() as conn:
            counts = dict(conn.execute(_COUNTS_SQL, [names]).fetchall())
            first = conn.sql(_FIRST_FINDINGS_SQL, params=[names, False, _SAMPLE_ROWS]).to_arrow_table()
            errors = conn.sql(_FIRST_FINDINGS_SQL, params=[names, True, _LOGGED_ERRORS]).to_arrow_table()
        for line in error_lines(check, errors, counts.get("ERROR", 0)):
            context.log.error(line)
        return check_result(check, counts, first)

    return _check
