"""Reading a publication: the manifest's tables as DuckDB views over their Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

MANIFEST = "manifest.json"


class NotPublishedError(RuntimeError):
    """The publish folder holds no publication yet."""


def read_manifest(publish_dir: Path) -> dict:
    path = publish_dir / MANIFEST
    if not path.is_file():
        raise NotPublishedError(f"nothing is published in {publish_dir} yet: run `make run` first")
    return json.loads(path.read_text(encoding="utf-8"))


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect_published(publish_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per published table, named as the table.

    The views read the files through the publish folder's own path (a link
    swapped to each new publication), so they never touch the warehouse and
    work while a run holds its lock.
    """
    manifest = read_manifest(publish_dir)
    conn = duckdb.connect()
    for entry in manifest["tables"]:
        name = entry["table"]
        location = publish_dir / Path(entry.get("file") or f"{name}.parquet").name
        conn.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({_quoted(str(location))})')
    return conn
