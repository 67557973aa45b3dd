"""The one place that assembles trialflow's Dagster Definitions."""

from __future__ import annotations

import dagster as dg

from assets.parsed import parsed_documents, trial_tables
from assets.published import published_parquet
from assets.staging import raw_documents
from checks.catalog import build_quality_checks
from assets.metadata import published_freshness
from pipeline.orchestration.automation import daily_refresh_schedule, source_folder_sensor
from pipeline.orchestration.resources import TrialFolders, WarehouseResource
from pipeline.orchestration.settings import TrialSettings
from pipeline.registry.tables import PUBLISHED_TABLES


# DuckDB would take most of the machine's memory for its buffers before
# spilling; bounded to 600 MB (it spills to <warehouse>.tmp beyond that), a
# large run's processes fit together in a small machine's memory.
# Checkpointing every 1 GB of log rather than DuckDB's default 16 MB saves
# most of the commit time of staging and parsing, which commit a batch at a time.
WAREHOUSE_CONNECTION_CONFIG = {"memory_limit": "600MB", "threads": 2, "checkpoint_threshold": "1GB"}


def build_definitions(settings: TrialSettings) -> dg.Definitions:
    """Definitions reading `settings.source_dir` and writing the warehouse and Parquet.

    Runs execute in process: DuckDB takes one writer at a time, and every
    asset here writes the same warehouse file. The published tables (and
    their Parquet) are due fresh by each tick of the refresh schedule.
    """
    freshness = published_freshness(settings.refresh_cron)
    published = {published_parquet.key, *(dg.AssetKey(t.name) for t in PUBLISHED_TABLES)}
    assets = dg.map_asset_specs(
        lambda spec: spec.replace_attributes(freshness_policy=freshness) if spec.key in published else spec,
        [raw_documents, parsed_documents, trial_tables, published_parquet],
    )
    return dg.Definitions(
        assets=assets,
        asset_checks=build_quality_checks(),
        sensors=[source_folder_sensor],
        schedules=[daily_refresh_schedule(settings.refresh_cron)],
        resources={
            "trial_folders": TrialFolders(
                source_dir=str(settings.source_dir),
                publish_dir=str(settings.publish_dir),
                max_document_bytes=settings.max_document_bytes,
                redact_contacts=settings.redact_contacts,
                document_time_budget=settings.document_time_budget,
            ),
            "warehouse": WarehouseResource(
                database=str(settings.warehouse), connection_config=WAREHOUSE_CONNECTION_CONFIG
            ),
        },
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(TrialSettings.from_environment())
