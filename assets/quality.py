"""Quality: every finding about the documents and tables, in one table."""


import dagster as dg

from assets.metadata import table_metadata
from pipeline.findings import rebuild_quality_findings
from pipeline.resources import WarehouseResource
from pipeline.tables import QUALITY_FINDINGS
from pipeline.warehouse import transaction


@dg.asset(
    name="quality_findings",
    group_name="parsed",
    kinds={"duckdb"},
    pool="duckdb",
    deps=["document_records", "studies"],
    description=QUALITY_FINDINGS.description,
)
def quality_findings(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as conn:
        with transaction(conn):
            total = rebuild_quality_findings(conn)
        context.log.info(f"{total} quality finding(s)")
        return dg.MaterializeResult(metadata=table_metadata(conn, "quality_findings"))
