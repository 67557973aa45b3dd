"""Publishing: the contract's tables as Parquet files with a manifest."""


import dagster as dg
import pyarrow as pa

from pipeline.preview import markdown_preview
from pipeline.publish import publish_tables
from pipeline.resources import TrialFolders, WarehouseResource
from pipeline.tables import PUBLISHED_TABLES
from pipeline.warehouse import stream_table


@dg.asset(
    group_name="published",
    kinds={"parquet"},
    pool="duckdb",
    deps=[t.name for t in PUBLISHED_TABLES],
    description="One <table>.parquet per contract table plus manifest.json (rows, sha256, "
    "schema, run id), each written to a temporary name and renamed into place.",
)
def published_parquet(
    context: dg.AssetExecutionContext, trial_folders: TrialFolders, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.get_connection() as conn:
        tables = ((t.name, stream_table(conn, t.name)) for t in PUBLISHED_TABLES)
        manifest = publish_tables(tables, trial_folders.publish_path, context.run.run_id,
                                  redact=trial_folders.redact_contacts)
    summary = pa.Table.from_pylist(
        [{"table": e["table"], "rows": e["rows"], "sha256": e["sha256"][:12]} for e in manifest["tables"]]
    )
    context.log.info(f"published {len(manifest['tables'])} tables to {trial_folders.publish_path}")
    return dg.MaterializeResult(
        metadata={
            "publish_dir": dg.MetadataValue.path(str(trial_folders.publish_path)),
            "tables": dg.MetadataValue.md(markdown_preview(summary, limit=len(manifest["tables"]))),
            "total_rows": sum(e["rows"] for e in manifest["tables"]),
            "contact_details": "left out (TRIALS_REDACT_CONTACTS)" if trial_folders.redact_contacts else "published",
        }
    )
