"""Staging: every source file's bytes, hash and size, before anything is parsed."""


import dagster as dg

from assets.metadata import OWNER, document_list, layer_tags
from pipeline.store.file_names import loggable
from pipeline.orchestration.resources import TrialFolders, WarehouseResource
from pipeline.store.staging import stage_source_dir
from pipeline.store.warehouse import ensure_tables, row_count

_NAMED_TABLES = 5


@dg.asset(
    group_name="staging",
    kinds={"duckdb"},
    owners=[OWNER],
    tags=layer_tags("staging"),
    pool="duckdb",
    description="Every regular, non-hidden file under the source directory as received "
    "(bytes, sha256, size), so any document can be reparsed without its file.",
)
def raw_documents(
    context: dg.AssetExecutionContext, trial_folders: TrialFolders, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.get_connection() as conn:
        created = ensure_tables(conn)
        if created:
            # A first run creates every table: their count says it; a migration of a few names them.
            named = f": {', '.join(created)}" if len(created) <= _NAMED_TABLES else ""
            context.log.info(f"created or migrated {len(created)} tables{named}")
        summary = stage_source_dir(
            conn, trial_folders.source_path, context.run.run_id, trial_folders.max_document_bytes
        )
        total = row_count(conn, "raw_documents")
    context.log.info(
        f"staged {loggable(str(trial_folders.source_path))}: {len(summary.added)} new, {len(summary.changed)} changed, "
        f"{len(summary.removed)} removed, {summary.unchanged} unchanged"
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": total,
            "source_dir": str(trial_folders.source_path),
            "new": len(summary.added),
            "changed": len(summary.changed),
            **document_list("removed", summary.removed),
            "unchanged": summary.unchanged,
        }
    )
