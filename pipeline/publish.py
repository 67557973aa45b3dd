"""Publishing the tables as Parquet files with a manifest that vouches for them.

A reader may open the published folder at any moment, so no file is ever
written in place: every table goes to a temporary name first, and only when
all of them are complete are they renamed over the old ones, the manifest
last. A run that dies before the renames leaves the previous publication
untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MANIFEST_NAME = "manifest.json"
_TEMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class PublishedTable:
    table: str
    path: Path
    rows: int
    sha256: str
    schema: list[dict[str, str]]


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _schema_description(schema: pa.Schema) -> list[dict[str, str]]:
    return [{"name": f.name, "type": str(f.type)} for f in schema]


def _write_durably(path: Path, write) -> None:
    write(path)
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def clear_stale_temporaries(publish_dir: Path) -> None:
    """Remove temporaries a killed run left behind; they were never published."""
    for leftover in publish_dir.glob(f"{_TEMP_PREFIX}*"):
        leftover.unlink(missing_ok=True)


def publish_tables(tables: Mapping[str, pa.Table], publish_dir: Path, run_id: str) -> dict:
    """Write each table to `<table>.parquet` and the manifest, atomically per file."""
    publish_dir.mkdir(parents=True, exist_ok=True)
    clear_stale_temporaries(publish_dir)
    staged: list[tuple[Path, PublishedTable]] = []
    for name, table in tables.items():
        temporary = publish_dir / f"{_TEMP_PREFIX}{run_id}-{name}.parquet"
        _write_durably(temporary, lambda p, t=table: pq.write_table(t, p, compression="zstd"))
        staged.append(
            (
                temporary,
                PublishedTable(
                    table=name,
                    path=publish_dir / f"{name}.parquet",
                    rows=table.num_rows,
                    sha256=_sha256_of(temporary),
                    schema=_schema_description(table.schema),
                ),
            )
        )

    manifest = {
        "run_id": run_id,
        "published_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "tables": [
            {
                "table": entry.table,
                "file": entry.path.name,
                "rows": entry.rows,
                "sha256": entry.sha256,
                "schema": entry.schema,
            }
            for _, entry in staged
        ],
    }
    manifest_temporary = publish_dir / f"{_TEMP_PREFIX}{run_id}-{MANIFEST_NAME}"
    _write_durably(manifest_temporary, lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n"))

    for temporary, entry in staged:
        os.replace(temporary, entry.path)
    os.replace(manifest_temporary, publish_dir / MANIFEST_NAME)
    return manifest
