"""Which trials and documents a run has to rebuild: only those whose documents changed.

Parsing records every trial and document it touched in `pending_trials` and
`pending_documents`; the step that merges the trial tables and computes the
findings rebuilds only the rows of those trials and documents, then clears
the lists in the same transaction. A run that fails before that step leaves
them for the next run, so no change is ever forgotten. When most trials are
pending (a first build, a parser change), everything is rebuilt at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from pipeline.registry import tables
from pipeline.store.warehouse import insert_arrow

_FULL_REBUILD_SHARE = 0.5
PENDING_TRIALS = f"SELECT nct_id FROM {tables.PENDING_TRIALS.qualified_name}"
PENDING_DOCUMENTS = f"SELECT source_file FROM {tables.PENDING_DOCUMENTS.qualified_name}"


@dataclass(frozen=True)
class TrialScope:
    """Everything, or the pending trials and documents."""

    full: bool
    pending_trials: int = 0

    def describe(self) -> str:
        return "every trial" if self.full else f"{self.pending_trials} trial(s) whose documents changed"

    def trials_sql(self, column: str = "nct_id") -> str:
        """A condition on a trial column: true for rows to rebuild."""
        return "TRUE" if self.full else f"{column} IN ({PENDING_TRIALS})"

    def documents_sql(self, column: str = "source_file") -> str:
        return "TRUE" if self.full else f"{column} IN ({PENDING_DOCUMENTS})"

    def rows_sql(self, has_trial: bool, has_document: bool) -> str:
        """Rows of a table that belong to a pending trial or a pending document."""
        if self.full:
            return "TRUE"
        conditions = ([self.trials_sql()] if has_trial else []) + ([self.documents_sql()] if has_document else [])
        return "(" + " OR ".join(conditions) + ")" if conditions else "FALSE"


def mark_pending(conn: duckdb.DuckDBPyConnection, source_files: Iterable[str]) -> None:
    """Remember documents, and the trials they describe now, as needing a rebuild."""
    files = pa.table({"source_file": pa.array(sorted(set(source_files)), pa.string())})
    if files.num_rows == 0:
        return
    insert_arrow(conn, "pending_documents", files)
    conn.register("_marked", files)
    conn.execute(
        f"INSERT INTO {tables.PENDING_TRIALS.qualified_name} SELECT DISTINCT nct_id FROM documents "
        "WHERE nct_id IS NOT NULL AND source_file IN (SELECT source_file FROM _marked)"
    )
    conn.unregister("_marked")


def plan_scope(conn: duckdb.DuckDBPyConnection) -> TrialScope:
    """Rebuild everything when at least half the trials are pending, else only the pending ones."""
    pending = conn.execute(f"SELECT count(DISTINCT nct_id) FROM ({PENDING_TRIALS})").fetchall()[0][0]
    total = conn.execute(f"SELECT count(DISTINCT nct_id) FROM {tables.PARSED_STUDIES.qualified_name}").fetchall()[0][0]
    return TrialScope(full=pending >= _FULL_REBUILD_SHARE * max(total, 1), pending_trials=pending)


def clear_pending(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"DELETE FROM {tables.PENDING_TRIALS.qualified_name}")
    conn.execute(f"DELETE FROM {tables.PENDING_DOCUMENTS.qualified_name}")
