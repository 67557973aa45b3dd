"""Publishing the tables as Parquet files with a manifest that vouches for them.

A reader may open the published folder at any moment, and a run may be
killed at any moment, so the set of files must change all at once: each
publication is written completely (and flushed to disk) into its own folder
beside the published path, and the published path is a symbolic link that
is swapped to the new folder in one atomic rename. A run killed before the
swap leaves the previous publication exactly as it was; after the swap, the
new one is complete. The two newest publications are kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.publish.redaction import ContactRedaction
from pipeline.registry.tables import PERSONAL_FINDING_FIELDS

MANIFEST_NAME = "manifest.json"
_KEEP_VERSIONS = 2

_WITHHELD = "a contact's phone or email was flagged; the details are withheld from the published files"


def _blank(table: pa.Table, column: str, where: pa.Array | None = None, value: str | None = None) -> pa.Table:
    index = table.schema.get_field_index(column)
    field = table.schema.field(index)
    replacement = pa.nulls(table.num_rows, field.type) if value is None else pa.array([value] * table.num_rows, field.type)
    values = replacement if where is None else pc.if_else(where, replacement, table.column(index))
    return table.set_column(index, field, values)


def redact_table(name: str, table: pa.Table, redaction: ContactRedaction | None = None) -> pa.Table:
    """A table with phones and emails taken out of every text column (`pipeline.publish.redaction`).

    Contacts keep their phone and email columns, empty. A finding about a
    contact's malformed or swapped phone or email keeps neither the value nor
    a message quoting it, whatever shape the value has.
    """
    if name == "quality_findings" and table.num_rows:
        personal = pc.fill_null(pc.is_in(table.column("field"), pa.array(PERSONAL_FINDING_FIELDS)), False)
        table = _blank(_blank(table, "observed", personal), "message", personal, _WITHHELD)
    return (redaction or ContactRedaction()).table(name, table)


def versions_dir(publish_dir: Path) -> Path:
    """Where the publications live: `.published-versions` beside `published`."""
    return publish_dir.parent / f".{publish_dir.name}-versions"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_parquet(batches: pa.RecordBatchReader, path: Path, redact: Callable[[pa.Table], pa.Table]) -> int:
    """Write a table batch by batch; returns its row count."""
    rows = 0
    with pq.ParquetWriter(path, batches.schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_table(redact(pa.Table.from_batches([batch], batches.schema)))
            rows += batch.num_rows
    return rows


@dataclass(frozen=True)
class TableSource:
    """A table to publish: its name, a fingerprint of its rows, and how to read them.

    The fingerprint changes whenever the rows (or their declared schema) do,
    so a table whose fingerprint matches the one published last time is
    linked from the previous publication instead of written again: after a
    one-document change most tables are exactly as they were.
    """

    name: str
    fingerprint: str
    batches: Callable[[], pa.RecordBatchReader]


# Part of every fingerprint: a change to how files are written rewrites them all.
_FILE_FORMAT = "parquet-zstd-1"


def _previous_entries(publish_dir: Path) -> dict[str, dict]:
    """The current publication's manifest entries by table, or nothing when there is none."""
    try:
        manifest = json.loads((publish_dir / MANIFEST_NAME).read_text())
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
        return {}
    return {entry["table"]: entry for entry in manifest["tables"] if "fingerprint" in entry}


def _reuse(entry: dict | None, fingerprint: str, previous: Path, path: Path) -> bool:
    """Link the previous file into the new publication when its rows are the same; False when they are not."""
    if entry is None or entry["fingerprint"] != fingerprint or not (previous / entry["file"]).is_file():
        return False
    try:
        os.link(previous / entry["file"], path)
    except OSError:
        shutil.copyfile(previous / entry["file"], path)
    return True


def _write_version(tables: Iterable[TableSource], folder: Path, run_id: str,
                   redaction: ContactRedaction | None, publish_dir: Path) -> dict:
    folder.mkdir(parents=True)
    previous = _previous_entries(publish_dir)
    entries = []
    for source in tables:
        path = folder / f"{source.name}.parquet"
        # A redacted file depends on the contacts it was scrubbed of, not only on its rows.
        redacted = f"redacted-{redaction.fingerprint}" if redaction else "complete"
        fingerprint = f"{source.fingerprint}:{redacted}:{_FILE_FORMAT}"
        if _reuse(previous.get(source.name), fingerprint, publish_dir, path):
            entries.append({**previous[source.name], "reused": True})
            continue
        batches = source.batches()
        redact = functools.partial(redact_table, source.name, redaction=redaction) if redaction else _as_is
        rows = _write_parquet(batches, path, redact)
        _fsync(path)
        entries.append(
            {
                "table": source.name,
                "file": path.name,
                "rows": rows,
                "sha256": sha256_of(path),
                "schema": [{"name": f.name, "type": str(f.type)} for f in batches.schema],
                "fingerprint": fingerprint,
            }
        )
    manifest = {
        "run_id": run_id,
        "published_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "tables": entries,
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    _fsync(folder / MANIFEST_NAME)
    _fsync(folder)
    return manifest


def _as_is(table: pa.Table) -> pa.Table:
    return table


def _adopt_plain_folder(publish_dir: Path, versions: Path) -> None:
    """A published path that is still a plain folder (an older layout) becomes a version."""
    if publish_dir.is_dir() and not publish_dir.is_symlink():
        publish_dir.rename(versions / "00000000T000000000000Z-adopted")


def _swap_link(publish_dir: Path, target: Path) -> None:
    link = publish_dir.parent / f".{publish_dir.name}.link-{target.name}"
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, publish_dir.parent), link)
    os.replace(link, publish_dir)
    _fsync(publish_dir.parent)


def _prune(versions: Path, current: Path) -> None:
    """Drop unfinished folders of killed runs and all but the newest publications."""
    folders = sorted((p for p in versions.iterdir() if p.is_dir()), key=lambda p: p.name, reverse=True)
    finished = [f for f in folders if f != current and (f / MANIFEST_NAME).exists()]
    keep = {current, *finished[: _KEEP_VERSIONS - 1]}
    for folder in folders:
        if folder not in keep:
            shutil.rmtree(folder, ignore_errors=True)


def publish_tables(tables: Iterable[TableSource], publish_dir: Path, run_id: str,
                   redaction: ContactRedaction | None = None) -> dict:
    """Write every table and the manifest as a new publication, then make it the published one.

    Tables are written one at a time and a batch at a time, so memory holds
    one batch whatever the size of the warehouse; a table whose rows are
    those published last time is linked, not written. With a `redaction`,
    no phone or email reaches the files (`redact_table`).
    """
    versions = versions_dir(publish_dir)
    versions.mkdir(parents=True, exist_ok=True)
    _adopt_plain_folder(publish_dir, versions)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    folder = versions / f"{stamp}-{run_id}"
    manifest = _write_version(tables, folder, run_id, redaction, publish_dir)
    _swap_link(publish_dir, folder)
    _prune(versions, folder)
    return manifest


def verify_publication(publish_dir: Path) -> list[str]:
    """What does not match the manifest (missing files, other hashes or row counts); empty when sound."""
    manifest = json.loads((publish_dir / MANIFEST_NAME).read_text())
    problems = []
    for entry in manifest["tables"]:
        path = publish_dir / entry["file"]
        if not path.exists():
            problems.append(f"{entry['file']} is missing")
        elif sha256_of(path) != entry["sha256"]:
            problems.append(f"{entry['file']} does not match its sha256 in the manifest")
        elif pq.ParquetFile(path).metadata.num_rows != entry["rows"]:
            problems.append(f"{entry['file']} does not hold {entry['rows']} rows")
    return problems
