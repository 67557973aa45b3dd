"""Internal tables live in their own schema, so SHOW TABLES lists only what is published.

An analyst opening the warehouse should see the published tables and not
the pipeline's bookkeeping; a warehouse written by an older version (every
table in `main`) must keep working, without reparsing or restaging.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from pipeline.registry.tables import INTERNAL_SCHEMA, TABLES, Role, names, tables_with
from pipeline.store.warehouse import ensure_tables
from tests.pipeline_helpers import assert_survives, materialize_all, settings_in

PUBLISHED = set(names(tables_with(Role.PUBLISHED)))
INTERNAL = {t.name for t in TABLES if Role.PUBLISHED not in t.roles}


def _tables_by_schema(conn: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    by_schema: dict[str, set[str]] = {}
    for schema, name in conn.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall():
        by_schema.setdefault(schema, set()).add(name)
    return by_schema


def test_show_tables_lists_the_published_tables_and_the_rest_is_internal():
    conn = duckdb.connect()
    ensure_tables(conn)
    assert {name for (name,) in conn.execute("SHOW TABLES").fetchall()} == PUBLISHED
    assert _tables_by_schema(conn) == {"main": PUBLISHED, INTERNAL_SCHEMA: INTERNAL}
    assert {"raw_documents", "parsed_studies", "parsed_sites", "pending_trials"} <= INTERNAL
    assert ensure_tables(conn) == []


def test_a_table_is_named_with_its_schema_in_sql():
    by_name = {t.name: t for t in TABLES}
    assert by_name["raw_documents"].qualified_name == '"internal"."raw_documents"'
    assert by_name["studies"].qualified_name == '"main"."studies"'


def _to_old_layout(warehouse: Path) -> None:
    """Every internal table back in `main`, and no `internal` schema: the layout before this version."""
    with duckdb.connect(str(warehouse)) as conn:
        for name in sorted(INTERNAL):
            conn.execute(f'CREATE TABLE main."{name}" AS SELECT * FROM {INTERNAL_SCHEMA}."{name}"')
            conn.execute(f'DROP TABLE {INTERNAL_SCHEMA}."{name}"')
        conn.execute(f"DROP SCHEMA {INTERNAL_SCHEMA}")
        assert {name for (name,) in conn.execute("SHOW TABLES").fetchall()} == PUBLISHED | INTERNAL


def test_a_warehouse_of_the_old_layout_is_moved_keeping_its_rows(tmp_path):
    settings = settings_in(tmp_path)
    first = assert_survives(settings, materialize_all(settings))
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        staged = conn.execute("SELECT source_file, sha256, staged_run_id FROM internal.raw_documents "
                              "ORDER BY ALL").fetchall()
        parsed_sites = conn.execute("SELECT count(*) FROM internal.parsed_sites").fetchall()[0][0]
    studies_before = pq.read_table(settings.publish_dir / "studies.parquet")
    _to_old_layout(settings.warehouse)

    second = assert_survives(settings, materialize_all(settings))

    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        assert {name for (name,) in conn.execute("SHOW TABLES").fetchall()} == PUBLISHED
        assert _tables_by_schema(conn) == {"main": PUBLISHED, INTERNAL_SCHEMA: INTERNAL}
        # The rows moved with their tables: nothing restaged, nothing reparsed.
        assert conn.execute("SELECT source_file, sha256, staged_run_id FROM internal.raw_documents "
                            "ORDER BY ALL").fetchall() == staged
        assert conn.execute("SELECT count(*) FROM internal.parsed_sites").fetchall()[0][0] == parsed_sites > 0
    assert {f: row["parsed_run_id"] for f, row in second.items()} == {f: row["parsed_run_id"] for f, row in first.items()}
    assert pq.read_table(settings.publish_dir / "studies.parquet").equals(studies_before)
