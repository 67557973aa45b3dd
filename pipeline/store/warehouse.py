"""Reading and writing the DuckDB warehouse, always in bulk, always by declared schema.

Functions here take an open DuckDB connection (the Dagster assets get it from
dagster-duckdb's resource); they never open one themselves. Table names come
from `pipeline.registry.tables`, never from input; values always travel as Arrow
tables or query parameters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.registry.tables import INTERNAL_SCHEMA, TABLES_BY_NAME, qualified


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All of a step's writes or none: a failure rolls back to the previous state."""
    conn.begin()
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def schema_of(table_name: str) -> pa.Schema:
    return TABLES_BY_NAME[table_name].arrow_schema()


def rows_to_arrow(table_name: str, rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Rows as an Arrow table of the declared schema; unknown keys are an error.

    A layout that returns a column the declaration does not know is a bug to
    see at once, not a value to drop quietly. Built column by column, which
    is cheaper than `from_pylist`, as it runs once per parsed row.
    """
    schema = schema_of(table_name)
    known = set(schema.names)
    for row in rows:
        if not known.issuperset(row):
            raise ValueError(f"rows for {table_name} carry undeclared columns: {sorted(set(row) - known)}")
    return pa.Table.from_pydict({name: [row.get(name) for row in rows] for name in schema.names}, schema=schema)


def _quoted(name: str) -> str:
    return qualified(name)


def _declared_columns(conn: duckdb.DuckDBPyConnection, table_name: str) -> list[tuple[str, str]] | None:
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        [TABLES_BY_NAME[table_name].schema, table_name],
    ).fetchall()
    return [(name, kind) for name, kind in rows] or None


def _misplaced_schemas(conn: duckdb.DuckDBPyConnection, table_name: str) -> list[str]:
    """The other schemas holding a table of this name: where an older version of trialflow put it."""
    rows = conn.execute(
        "SELECT table_schema FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_name = ? AND table_schema <> ? ORDER BY ALL",
        [table_name, TABLES_BY_NAME[table_name].schema],
    ).fetchall()
    return [schema for (schema,) in rows]


def _move_to_declared_schema(conn: duckdb.DuckDBPyConnection, table_name: str) -> bool:
    """Move a table an older version kept in another schema (internal tables lived in `main`) to its own.

    Its rows are copied, not recreated empty: the per-document rows must stay
    in step with `documents`, which says those documents are already parsed,
    and the staged bytes spare rereading every file. DuckDB has no
    `ALTER TABLE ... SET SCHEMA`, hence the copy. Returns whether a table moved.
    """
    schemas = _misplaced_schemas(conn, table_name)
    if not schemas:
        return False
    target = qualified(table_name)
    if _declared_columns(conn, table_name) is None:
        old = f'"{schemas[0]}"."{table_name}"'
        conn.execute(f"CREATE TABLE {target} AS SELECT * FROM {old}")
    for schema in schemas:
        conn.execute(f'DROP TABLE "{schema}"."{table_name}"')
    return True


def _expected_columns(conn: duckdb.DuckDBPyConnection, table_name: str) -> list[tuple[str, str]]:
    empty = schema_of(table_name).empty_table()
    relation = conn.from_arrow(empty)
    return [(name, str(kind)) for name, kind in zip(relation.columns, relation.types)]


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Create every declared table in its schema; move one found in another schema; recreate one whose columns changed.

    Returns the tables that were (re)created or moved. A recreated `documents` table
    makes every stored document count as unparsed, so the next parse
    rebuilds all derived rows with the new columns. The moves and creations
    are one transaction, so a warehouse is never left half in the old layout.
    """
    with transaction(conn):
        return _ensure_tables(conn)


def _ensure_tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{INTERNAL_SCHEMA}"')
    created = []
    for name in TABLES_BY_NAME:
        moved = _move_to_declared_schema(conn, name)
        existing = _declared_columns(conn, name)
        expected = _expected_columns(conn, name)
        if existing == expected:
            if moved:
                created.append(name)
            continue
        if existing is not None:
            conn.execute(f"DROP TABLE {_quoted(name)}")
        empty = schema_of(name).empty_table()
        conn.register("_declared_empty", empty)
        conn.execute(f"CREATE TABLE {_quoted(name)} AS SELECT * FROM _declared_empty")
        conn.unregister("_declared_empty")
        created.append(name)
    return created


def insert_arrow(conn: duckdb.DuckDBPyConnection, table_name: str, rows: pa.Table) -> None:
    """Append an Arrow table in one statement."""
    if rows.num_rows == 0:
        return
    conn.register("_incoming", rows)
    columns = ", ".join(f'"{c}"' for c in rows.schema.names)
    conn.execute(f"INSERT INTO {_quoted(table_name)} ({columns}) SELECT {columns} FROM _incoming")
    conn.unregister("_incoming")


def delete_where_in(conn: duckdb.DuckDBPyConnection, table_name: str, column: str, values: Iterable[str]) -> None:
    """Delete the rows whose `column` is one of `values` (e.g. a document's rows)."""
    keys = pa.table({"key": pa.array(sorted(set(values)), pa.string())})
    if keys.num_rows == 0:
        return
    if column not in schema_of(table_name).names:
        raise KeyError(f"{table_name} has no column {column!r}")
    conn.register("_keys", keys)
    conn.execute(f'DELETE FROM {_quoted(table_name)} WHERE "{column}" IN (SELECT key FROM _keys)')
    conn.unregister("_keys")


def replace_table(conn: duckdb.DuckDBPyConnection, table_name: str, select_sql: str, scope_sql: str = "TRUE") -> int:
    """Replace a derived table's rows (those matching `scope_sql`) with a query's, keeping its declared types."""
    columns = ", ".join(f'"{c}"' for c in schema_of(table_name).names)
    conn.execute(f"DELETE FROM {_quoted(table_name)} WHERE {scope_sql}")
    conn.execute(f"INSERT INTO {_quoted(table_name)} ({columns}) SELECT {columns} FROM ({select_sql})")
    return row_count(conn, table_name)


def row_count(conn: duckdb.DuckDBPyConnection, table_name: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {_quoted(table_name)}").fetchall()[0][0]


def read_table(conn: duckdb.DuckDBPyConnection, table_name: str, where_sql: str = "TRUE", ordered: bool = True) -> pa.Table:
    """A table (or its rows matching `where_sql`) as Arrow, cast to the declared schema.

    Ordered by every column unless asked not to: a stable order makes a rerun
    on unchanged sources produce byte-identical Parquet, and costs a sort
    that validation does not need.
    """
    order = " ORDER BY ALL" if ordered else ""
    table = conn.sql(f"SELECT * FROM {_quoted(table_name)} WHERE {where_sql}{order}").to_arrow_table()
    return table.cast(schema_of(table_name))


def stream_table(conn: duckdb.DuckDBPyConnection, table_name: str, batch_rows: int = 100_000) -> pa.RecordBatchReader:
    """A whole table in the stable order of `read_table`, a batch at a time, cast to the declared schema.

    Publishing a table of millions of rows never holds it whole.
    """
    schema = schema_of(table_name)
    batches = conn.sql(f"SELECT * FROM {_quoted(table_name)} ORDER BY ALL").to_arrow_reader(batch_rows)
    return pa.RecordBatchReader.from_batches(schema, (batch.cast(schema) for batch in batches))


def table_fingerprint(conn: duckdb.DuckDBPyConnection, table_name: str) -> str:
    """Row count, the sum of every row's hash, and the declared schema: equal exactly when the rows are.

    A sum, unlike an xor, counts a repeated row twice; it costs one parallel
    scan, far less than writing the table.
    """
    rows, hashes = conn.execute(f"SELECT count(*), sum(hash(t)) FROM {_quoted(table_name)} AS t").fetchall()[0]
    schema = hashlib.sha256(str(schema_of(table_name)).encode()).hexdigest()[:16]
    return f"{rows}:{hashes or 0}:{schema}"
