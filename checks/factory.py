"""One factory that turns the quality checks' findings into Dagster asset checks.

The validation itself runs once per materialization, inside the op that
builds the tables (`pipeline.quality.findings`): pandera models validated
lazily plus the cross-field rules. Each asset check made here reports the
part of those findings that belongs to it, with the number of failures and a
table of the first ones, so the UI's checks tab and `quality_findings` tell
the same story.

All the checks run in one op that reads `quality_findings` once: each is
still its own asset check in the UI (selectable on its own, blocking or
not), while the warehouse is opened once per run rather than once per
check to read a slice of the same table.
"""

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from assets.metadata import column_schema, metadata_table
from pipeline.store.file_names import loggable
from pipeline.publish.parquet import redact_table
from pipeline.registry.tables import PERSONAL_FINDING_FIELDS
from pipeline.orchestration.resources import WarehouseResource
from pipeline.registry.checks import AssetCheck

_SAMPLE_ROWS = 10
_LOGGED_ERRORS = 20
_SAMPLE_SCHEMA = column_schema("quality_findings", ["severity", "nct_id", "source_file", "field", "observed", "message"])
# Counts, and the first rows only: at registry scale one check can own
# hundreds of thousands of findings. `_owners` maps each finding's
# check_name to the asset check (`owner`) that reports it.
_OWNED_SQL = """
SELECT o.owner, f.* FROM quality_findings AS f JOIN _owners AS o USING (check_name)
"""
_COUNTS_SQL = f"SELECT owner, severity, count(*) FROM ({_OWNED_SQL}) GROUP BY ALL"
_FIRST_FINDINGS_SQL = f"""
SELECT * EXCLUDE (position, error_position) FROM (
    SELECT *,
        row_number() OVER (PARTITION BY owner
                           ORDER BY CASE severity WHEN 'ERROR' THEN 0 WHEN 'WARNING' THEN 1 ELSE 2 END,
                                    nct_id, source_file, message) AS position,
        row_number() OVER (PARTITION BY owner, severity = 'ERROR' ORDER BY nct_id, source_file, message)
            AS error_position
    FROM ({_OWNED_SQL})
)
WHERE position <= {_SAMPLE_ROWS} OR (severity = 'ERROR' AND error_position <= {_LOGGED_ERRORS})
ORDER BY owner, position
"""


def check_key(check: AssetCheck) -> dg.AssetCheckKey:
    return dg.AssetCheckKey(dg.AssetKey(check.asset), check.name)


def check_result(check: AssetCheck, counts: dict[str, int], first: pa.Table) -> dg.AssetCheckResult:
    """Passed when there is no ERROR or WARNING finding; severity from the worst one.

    `counts` holds the findings by severity, `first` the first of them, worst
    first. A repairing check's findings are defects already put right: it
    passes, and lists them as what it repaired.
    """
    flagged = counts.get("ERROR", 0) + counts.get("WARNING", 0)
    failures = 0 if check.repairs else flagged
    severity = dg.AssetCheckSeverity.ERROR if counts.get("ERROR") else dg.AssetCheckSeverity.WARN
    metadata: dict[str, dg.MetadataValue] = {
        "failures": dg.MetadataValue.int(failures),
        "findings_by_severity": dg.MetadataValue.json(dict(sorted(counts.items()))),
    }
    description = None
    if check.repairs:
        metadata["repaired"] = dg.MetadataValue.int(flagged)
        description = f"{flagged} repaired, each a WARNING finding in quality_findings" if flagged else None
    if first.num_rows:
        sample = first.slice(0, _SAMPLE_ROWS).to_pylist()
        metadata["repairs" if check.repairs else "first_failures"] = metadata_table(sample, _SAMPLE_SCHEMA)
    return dg.AssetCheckResult(asset_key=check.asset, check_name=check.name, passed=failures == 0,
                               severity=severity, metadata=metadata, description=description)


def error_lines(check: AssetCheck, findings: pa.Table, errors: int | None = None) -> list[str]:
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


def _owners(checks: list[AssetCheck]) -> pa.Table:
    pairs = [(finding_check, check_key(check).to_user_string()) for check in checks for finding_check in check.finding_checks]
    return pa.table({"check_name": [p[0] for p in pairs], "owner": [p[1] for p in pairs]})


def _read_findings(warehouse: WarehouseResource, checks: list[AssetCheck]) -> tuple[dict, dict]:
    """Per check: its findings counted by severity, and its first rows (worst first) plus its first errors."""
    counts: dict[str, dict[str, int]] = {check_key(check).to_user_string(): {} for check in checks}
    with warehouse.get_connection() as conn:
        conn.register("_owners", _owners(checks))
        for owner, severity, count in conn.execute(_COUNTS_SQL).fetchall():
            counts[owner][severity] = count
        first = conn.sql(_FIRST_FINDINGS_SQL).to_arrow_table()
        conn.unregister("_owners")
    rows = {owner: first.filter(pc.equal(first.column("owner"), owner)) for owner in counts}
    return counts, rows


def build_asset_checks(checks: list[AssetCheck]) -> dg.AssetChecksDefinition:
    """Every quality check as an asset check of one op; a subset can run on its own."""
    by_key = {check_key(check): check for check in checks}

    @dg.multi_asset_check(
        name="quality_checks",
        specs=[
            dg.AssetCheckSpec(check.name, asset=check.asset, description=check.description,
                              blocking=check.blocking, additional_deps=["quality_findings"])
            for check in checks
        ],
        can_subset=True,
        pool="duckdb",
    )
    def quality_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        selected = [check for key, check in by_key.items() if key in context.selected_asset_check_keys]
        counts, first = _read_findings(warehouse, selected)
        for check in selected:
            owner = check_key(check).to_user_string()
            # The checks tab and the log are no place for a phone or an email.
            findings = redact_table("quality_findings", first[owner])
            errors = findings.filter(pc.equal(findings.column("severity"), "ERROR"))
            for line in error_lines(check, errors, counts[owner].get("ERROR", 0)):
                context.log.error(loggable(line))
            yield check_result(check, counts[owner], findings)

    return quality_checks
