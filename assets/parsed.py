"""Parsing: documents into per-document rows, then merged into one row set per trial."""

import itertools

import dagster as dg

from assets.metadata import OWNER, document_list, layer_tags, quality_summary_metadata, table_metadata, table_spec
from pipeline.extract.parsing import parser_version
from pipeline.store.file_names import loggable
from pipeline.store.incremental import parse_changed_documents
from pipeline.build.merge import rebuild_merged_tables
from pipeline.quality.findings import rebuild_quality_tables
from pipeline.orchestration.progress import BatchProgress
from pipeline.orchestration.resources import TrialFolders, WarehouseResource
from pipeline.store.scope import clear_pending, plan_scope
from pipeline.registry.tables import EVIDENCE_TRIAL_LINKS, Role, Step, names, tables_with
from pipeline.store.warehouse import transaction

PARSED_GROUP = "parsed"
QUARANTINED_LOGGED = 20

DOCUMENT_RECORDS = dg.AssetSpec(
    "document_records",
    group_name=PARSED_GROUP,
    description="Each document's rows as read (parsed_studies, parsed_sites, ... and the "
    "findings raised while reading), before documents about one trial are merged.",
    kinds={"duckdb"},
    deps=["raw_documents"],
    code_version=parser_version(),
    owners=[OWNER],
    tags=layer_tags(PARSED_GROUP, *names(tables_with(step=Step.PARSED))),
)


# The published tables parsing writes; the rest of its rows are DOCUMENT_RECORDS.
PARSED_TABLES = names(tables_with(Role.PUBLISHED, step=Step.PARSED))


@dg.multi_asset(
    specs=[*(table_spec(name, PARSED_GROUP, deps=["raw_documents"], code_version=parser_version())
             for name in PARSED_TABLES), DOCUMENT_RECORDS],
    pool="duckdb",
)
def parsed_documents(context: dg.AssetExecutionContext, trial_folders: TrialFolders, warehouse: WarehouseResource):
    """Parse every staged document that is new, changed, or read by older code."""
    with warehouse.get_connection() as conn:
        summary = parse_changed_documents(
            conn, context.run.run_id, trial_folders.source_path, trial_folders.document_time_budget,
            progress=BatchProgress("parsing", context.log.info),
        )
        # A corpus can quarantine thousands of files: the log names the first
        # few, the documents table and the run's summary hold them all.
        for source_file, reason in itertools.islice(summary.quarantined.items(), QUARANTINED_LOGGED):
            context.log.warning(f"QUARANTINED {loggable(source_file)}: {loggable(reason)}")
        if len(summary.quarantined) > QUARANTINED_LOGGED:
            context.log.warning(f"QUARANTINED ... and {len(summary.quarantined) - QUARANTINED_LOGGED} more "
                                "(documents with status QUARANTINED)")
        context.log.info(
            f"parsed {len(summary.parsed)}, quarantined {len(summary.quarantined)}, "
            f"removed {len(summary.removed)} document(s); formats {dict(summary.formats)}"
        )
        for name in PARSED_TABLES:
            yield dg.MaterializeResult(asset_key=name, metadata=table_metadata(conn, name))
    yield dg.MaterializeResult(
        asset_key="document_records",
        metadata={
            "parsed": len(summary.parsed),
            **document_list("quarantined", summary.quarantined),
            **document_list("removed", summary.removed),
            "formats": dg.MetadataValue.json(dict(summary.formats)),
        },
    )


MERGED_TABLES = list(names(tables_with(step=Step.MERGED)))
QUALITY_TABLES = list(names(tables_with(step=Step.QUALITY)))
# The findings judge every validated table.
QUALITY_DEPS = list(names(tables_with(Role.VALIDATED)))


@dg.multi_asset(
    specs=[table_spec(name, PARSED_GROUP, deps=["document_records", "documents"]) for name in MERGED_TABLES]
    + [table_spec(EVIDENCE_TRIAL_LINKS.name, PARSED_GROUP, deps=["evidence", "studies"])]
    + [table_spec(name, "quality", deps=QUALITY_DEPS) for name in QUALITY_TABLES],
    pool="duckdb",
)
def trial_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """One row set per trial, merged from its documents, then every quality finding about them.

    The findings are computed in the same transaction as the tables they
    describe, so the checks that read them (and block publishing) always
    judge the tables this run built.
    """
    with warehouse.get_connection() as conn:
        with transaction(conn):
            scope = plan_scope(conn)
            counts = rebuild_merged_tables(conn, scope)
            counts.update(rebuild_quality_tables(conn, scope))
            clear_pending(conn)
        context.log.info(f"rebuilt {scope.describe()}; rows now: {counts}")
        for name in [*MERGED_TABLES, EVIDENCE_TRIAL_LINKS.name, "quality_findings"]:
            metadata = {**table_metadata(conn, name), "rebuilt": scope.describe()}
            yield dg.MaterializeResult(asset_key=name, metadata=metadata)
        yield dg.MaterializeResult(asset_key="quality_summary", metadata=quality_summary_metadata(conn))
