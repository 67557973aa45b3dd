"""Publishing: the contract's tables as Parquet files with a manifest."""

import functools

import dagster as dg

from assets.metadata import OWNER, layer_tags, metadata_table
from pipeline.publish.parquet import TableSource, publish_tables
from pipeline.publish.quality_report import REPORT_NAME, write_quality_report
from pipeline.publish.redaction import ContactRedaction
from pipeline.orchestration.resources import TrialFolders, WarehouseResource
from pipeline.registry.tables import PUBLISHED_TABLES
from pipeline.store.warehouse import stream_table, table_fingerprint


_TABLES_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn("table", "VARCHAR", description="<table>.parquet in the publication folder"),
    dg.TableColumn("rows", "BIGINT", description="rows published"),
    dg.TableColumn("sha256", "VARCHAR", description="digest of the file, as manifest.json records it"),
    dg.TableColumn("file", "VARCHAR", description="written by this run, or unchanged and linked from the last"),
])


@dg.asset(
    group_name="published",
    kinds={"parquet"},
    owners=[OWNER],
    tags=layer_tags("published", *(t.name for t in PUBLISHED_TABLES)),
    pool="duckdb",
    deps=[t.name for t in PUBLISHED_TABLES],
    description="One <table>.parquet per contract table plus manifest.json (rows, sha256, "
    "schema, run id), written as a new publication folder and swapped in at once; a table "
    "whose rows did not change since the last publication is linked from it, not rewritten. "
    "Beside them, quality_report.html: the findings as charts and quoted lines, for a browser.",
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
        report = write_quality_report(conn, trial_folders.publish_path.absolute() / REPORT_NAME,
                                      context.run.run_id, redaction)
    # The report is about the quality findings: their asset links to it too.
    report_link = {"quality_report": dg.MetadataValue.url(report.as_uri()),
                   "quality_report_path": dg.MetadataValue.path(str(report))}
    context.log_event(dg.AssetObservation(asset_key="quality_summary", metadata=report_link))
    summary = [{"table": e["table"], "rows": e["rows"], "sha256": e["sha256"],
                "file": "unchanged, linked" if e.get("reused") else "written"} for e in manifest["tables"]]
    written = sum(1 for e in manifest["tables"] if not e.get("reused"))
    context.log.info(f"published {len(manifest['tables'])} tables to {trial_folders.publish_path} "
                     f"({written} written, {len(manifest['tables']) - written} unchanged and linked)")
    return dg.MaterializeResult(
        metadata={
            "publish_dir": dg.MetadataValue.path(str(trial_folders.publish_path)),
            "tables": metadata_table(summary, _TABLES_SCHEMA),
            "total_rows": sum(e["rows"] for e in manifest["tables"]),
            "tables_written": written,
            "contact_details": "phones and emails redacted (TRIALS_REDACT_CONTACTS)" if redaction else "published",
            **report_link,
        }
    )
