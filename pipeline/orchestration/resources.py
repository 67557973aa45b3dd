"""Dagster resources: the folders trialflow uses and its DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from pipeline.orchestration.run_recovery import DeadRunWatch
from pipeline.orchestration.settings import DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_TIME_BUDGET_SECONDS


class WarehouseLockedError(RuntimeError):
    """Another process kept the warehouse locked through every retry."""


class TrialFolders(dg.ConfigurableResource):
    """The source documents' folder, the folder Parquet is published to, and how.

    `redact_contacts` leaves contacts' phones and emails out of the Parquet
    (they are personal data of real people); the warehouse keeps them.
    """

    source_dir: str
    publish_dir: str
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    redact_contacts: bool = False
    document_time_budget: float = DEFAULT_TIME_BUDGET_SECONDS

    @property
    def source_path(self) -> Path:
        return Path(self.source_dir)

    @property
    def publish_path(self) -> Path:
        return Path(self.publish_dir)


class WarehouseResource(DuckDBResource):
    """dagster-duckdb's resource, creating the warehouse's folder on first use.

    DuckDB lets one process write a file at a time. The parent resource
    already retries a locked file with growing delays (about 100 seconds in
    all); when that is not enough, this says so in words a user can act on
    instead of DuckDB's bare IOException, and the connection is closed even
    when the step fails.

    Every step that uses the warehouse waits for the "duckdb" pool's one
    slot, and a run killed mid-step never frees its slot. Runs execute in
    process, so this is set up once per run before any step claims the slot:
    it frees the slots of runs whose process is gone, then keeps doing so
    while the run lasts, in case a run it waits for is killed
    (pipeline/run_recovery.py).
    """

    _dead_run_watch: DeadRunWatch | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if self.database != ":memory:":
            Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        # An ephemeral instance (tests) lives in this process: it holds no other process's runs.
        instance = context.instance
        if instance is not None and not instance.is_ephemeral and context.run is not None and context.log is not None:
            self._dead_run_watch = DeadRunWatch(instance, context.run.run_id, context.log)
            self._dead_run_watch.start()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._dead_run_watch is not None:
            self._dead_run_watch.stop()
            self._dead_run_watch = None

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        connected = False
        try:
            with super().get_connection() as conn:
                connected = True
                try:
                    yield conn
                finally:
                    conn.close()
        except (duckdb.IOException, RuntimeError) as error:
            if connected or "lock" not in str(error).lower():
                raise
            raise WarehouseLockedError(
                f"the warehouse {self.database} stayed locked by another process through every retry: "
                "another program is writing or reading it (trialflow's own runs queue in the 'duckdb' "
                f"pool); close it and run again ({error})"
            ) from error
