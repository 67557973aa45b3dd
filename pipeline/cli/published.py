"""Reading a publication: the manifest's tables as DuckDB views over their Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from pipeline.publish.parquet import MANIFEST_NAME
from pipeline.registry.tables import PUBLISHED_TABLES


class NotPublishedError(RuntimeError):
    """The publish folder holds no publication yet."""


def read_manifest(publish_dir: Path) -> dict:
    path = publish_dir / MANIFEST_NAME
    if not path.is_file():
        raise NotPublishedError(f"nothing is published in {publish_dir} yet: run `make run` first")
    return json.loads(path.read_text(encoding="utf-8"))


def connect_published(publish_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per published table, named as the table.

    The views read the files through the publish folder's own path (a link
    swapped to each new publication), so they never touch the warehouse and
    work while a run holds its lock.
    """
    published = {entry["table"]: entry for entry in read_manifest(publish_dir)["tables"]}
    conn = duckdb.connect()
    # Views are made from relations, so neither a path nor a name is ever pasted into SQL,
    # and only tables the registry declares as published get one.
    for table in (t for t in PUBLISHED_TABLES if t.name in published):
        location = publish_dir / Path(published[table.name].get("file") or f"{table.name}.parquet").name
        conn.read_parquet(str(location)).create_view(table.name)
    return conn
