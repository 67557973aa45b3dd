"""Publishing: the contract's tables as Parquet files with a manifest."""

import functools

import dagster as dg
import pyarrow as pa

from pipeline.publish.preview import markdown_preview
from pipeline.publish.parquet import TableSource, publish_tables
from pipeline.publish.redaction import ContactRedaction
from pipeline.orchestration.resources import TrialFolders, WarehouseResource
from pipeline.registry.tables import PUBLISHED_TABLES
from pipeline.store.warehouse import stream_table, table_fingerprint


@dg.asset(
    group_name="published",
    kinds={"parquet"},
    pool="duckdb",
    deps=[t.name for t in PUBLISHED_TABLES],
    description="One <table>.parquet per contract table plus manifest.json (rows, sha256, "
    "schema, run id), written as a new publication folder and swapped in at once; a table "
    "whose rows did not change since the last publication is linked from it, not rewritten.",
)
def published_parquet(
    context: dg.AssetExecutionContext, trial_folders: TrialFolders, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.get_connection() as conn:
        tables = (
            TableSource(t.name, table_fingerprint(conn, t.name), functools.partial(stream_table, conn, t.name))
            for t in PUBLISHED_TABLES
        )
        redaction = ContactRedaction.from_warehouse(conn) if trial_folders.redact_contacts else None
        manifest = publish_tables(tables, trial_folders.publish_path, context.run.run_id, redaction=redaction)
    summary = pa.Table.from_pylist(
        [{"table": e["table"], "rows": e["rows"], "sha256": e["sha256"][:12],
          "file": "unchanged, linked" if e.get("reused") else "written"} for e in manifest["tables"]]
    )
    written = sum(1 for e in manifest["tables"] if not e.get("reused"))
    context.log.info(f"published {len(manifest['tables'])} tables to {trial_folders.publish_path} "
                     f"({written} written, {len(manifest['tables']) - written} unchanged and linked)")
    return dg.MaterializeResult(
        metadata={
            "publish_dir": dg.MetadataValue.path(str(trial_folders.publish_path)),
            "tables": dg.MetadataValue.md(markdown_preview(summary, limit=len(manifest["tables"]))),
            "total_rows": sum(e["rows"] for e in manifest["tables"]),
            "tables_written": written,
            "contact_details": "phones and emails redacted (TRIALS_REDACT_CONTACTS)" if redaction else "published",
        }
    )
