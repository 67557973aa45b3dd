"""Dagster resources: the folders trialflow uses and its DuckDB warehouse."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource


class TrialFolders(dg.ConfigurableResource):
    """The source documents' folder and the folder Parquet is published to."""

    source_dir: str
    publish_dir: str

    @property
    def source_path(self) -> Path:
        return Path(self.source_dir)

    @property
    def publish_path(self) -> Path:
        return Path(self.publish_dir)


class WarehouseResource(DuckDBResource):
    """dagster-duckdb's resource, creating the warehouse's folder on first use."""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if self.database != ":memory:":
            Path(self.database).parent.mkdir(parents=True, exist_ok=True)
