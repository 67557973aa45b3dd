"""Finding the source files and reading them as received.

Raw first, parse second: every file's bytes are kept in the warehouse before
any table is built, so reparsing never needs the source folder again and a
file that later disappears is still on record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Container, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.warehouse import delete_where_in, insert_arrow, rows_to_arrow, transaction


DEFAULT_MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
_CHUNK = 1 << 20


@dataclass(frozen=True)
class SourceFile:
    """An entry of the source directory and its cheap fingerprint (from lstat, never following links)."""

    source_file: str  # POSIX path relative to the source directory
    path: str  # absolute: a str, since a Path per file costs a second on a 100,000-file scan
    size: int
    modified_ns: int
    is_link: bool = False


@dataclass(frozen=True)
class StagedFile:
    """What staging keeps of a file: its bytes, or the reason they were not read."""

    source_file: str
    sha256: str
    size: int
    modified_ns: int
    content: bytes | None
    refused: str | None = None


def _walk(root: str) -> list[SourceFile]:
    """The files and links below `root`, from a single `lstat` each (a 100,000-file folder is walked every tick).

    A loop over a stack of folders rather than nested generators, whose
    per-file cost showed at that size.
    """
    found: list[SourceFile] = []
    folders = [(root, "")]
    while folders:
        directory, folder = folders.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                relative = f"{folder}/{name}" if folder else name
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, relative))
                    continue
                is_link = entry.is_symlink()
                if not is_link and not entry.is_file(follow_symlinks=False):
                    continue
                stat = entry.stat(follow_symlinks=False)
                found.append(SourceFile(relative, entry.path, stat.st_size, stat.st_mtime_ns, is_link))
    return found


def scan_source_dir(root: Path) -> list[SourceFile]:
    """Every non-hidden file and link under `root`, sorted by relative path.

    Links are listed but never followed (a link could lead outside the folder
    the user chose, and what is read must stay inside it); staging records
    them so nothing in the folder goes unaccounted for.
    """
    root = root.resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"source directory {root} does not exist or is not a directory")
    return sorted(_walk(str(root)), key=lambda f: f.source_file)


def _link_reason(source: SourceFile, root: Path) -> str:
    target = Path(os.path.realpath(source.path))
    where = "inside" if target.is_relative_to(root.resolve()) else "outside"
    return f"symbolic link to {os.readlink(source.path)} ({where} the source folder): links are recorded, never followed"


def _hash_in_chunks(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_source_file(source: SourceFile, root: Path, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> StagedFile:
    """The file's bytes and sha256, or for a link or an oversized file, only the reason.

    An oversized file is hashed in chunks, never held in memory whole.
    """
    if source.is_link:
        target = os.readlink(source.path).encode()
        return StagedFile(source.source_file, hashlib.sha256(target).hexdigest(), source.size,
                          source.modified_ns, None, _link_reason(source, root))
    if source.size > max_bytes:
        reason = (f"file is {source.size / 1048576:.1f} MiB, above the {max_bytes / 1048576:g} MiB limit "
                  "(TRIALS_MAX_DOCUMENT_BYTES): not read")
        return StagedFile(source.source_file, _hash_in_chunks(source.path), source.size,
                          source.modified_ns, None, reason)
    with open(source.path, "rb") as handle:
        content = handle.read()
    return StagedFile(
        source_file=source.source_file,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        modified_ns=source.modified_ns,
        content=content,
    )


@dataclass(frozen=True)
class StagingSummary:
    """What a staging pass found, by file."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: int


_STAGE_BATCH = 1000
_READERS = 4


def _write_staged(
    conn: duckdb.DuckDBPyConnection, files: list[StagedFile], run_id: str, known: Container[str]
) -> None:
    """Insert the files, replacing the staged copies of those in `known` (a first build has none to replace)."""
    now = dt.datetime.now(dt.timezone.utc)
    incoming = rows_to_arrow(
        "raw_documents",
        [
            {
                "source_file": f.source_file,
                "sha256": f.sha256,
                "bytes": f.size,
                "modified_ns": f.modified_ns,
                "content": f.content,
                "refused": f.refused,
                "staged_at": now,
                "staged_run_id": run_id,
            }
            for f in files
        ],
    )
    delete_where_in(conn, "raw_documents", "source_file", [f.source_file for f in files if f.source_file in known])
    insert_arrow(conn, "raw_documents", incoming)


def _batches(items: list[SourceFile], size: int) -> Iterator[list[SourceFile]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _read_ahead(
    readers: ThreadPoolExecutor, batches: Iterator[list[SourceFile]], root: Path, max_bytes: int
) -> Iterator[list[StagedFile]]:
    """Each batch read and hashed, the next one reading while this one is written to DuckDB.

    Two batches are in memory at most.
    """
    reading = None
    for batch in batches:
        ahead = readers.map(lambda source: read_source_file(source, root, max_bytes), batch)
        if reading is not None:
            yield list(reading)
        reading = ahead
    if reading is not None:
        yield list(reading)


def stage_source_dir(
    conn: duckdb.DuckDBPyConnection, root: Path, run_id: str, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
) -> StagingSummary:
    """Bring `raw_documents` in line with the folder.

    A file whose size and modification time match its staged copy is not
    read again; any other file is read and hashed (by a few threads: reading
    and hashing release the GIL), and staged anew only when its bytes
    changed. Files gone from the folder leave `raw_documents`.

    Each batch of files is committed on its own, so memory holds two batches
    however large the folder (one transaction over 100,000 files held all
    their bytes until the commit). A run killed midway keeps the batches it
    committed, each row a faithful copy of its file, and the next run stages
    the rest; nothing downstream reads a half-written row.
    """
    sources = scan_source_dir(root)
    known = {
        name: (sha256, size, modified_ns)
        for name, sha256, size, modified_ns in conn.execute(
            "SELECT source_file, sha256, bytes, modified_ns FROM raw_documents"
        ).fetchall()
    }
    to_read = [s for s in sources if known.get(s.source_file, (None, None, None))[1:] != (s.size, s.modified_ns)]
    added: list[str] = []
    changed: list[str] = []
    unchanged = len(sources) - len(to_read)
    with ThreadPoolExecutor(max_workers=_READERS) as readers:
        for files in _read_ahead(readers, _batches(to_read, _STAGE_BATCH), root, max_bytes):
            for file in files:
                previous = known.get(file.source_file)
                if previous is None:
                    added.append(file.source_file)
                elif previous[0] != file.sha256:
                    changed.append(file.source_file)
                else:
                    unchanged += 1
            with transaction(conn):
                _write_staged(conn, files, run_id, known)
    removed = sorted(set(known) - {s.source_file for s in sources})
    with transaction(conn):
        delete_where_in(conn, "raw_documents", "source_file", removed)
    return StagingSummary(added=added, changed=changed, removed=removed, unchanged=unchanged)


def fingerprint_source_dir(root: Path) -> tuple[str, int]:
    """A digest of every file's path, size and modification time, and the file count.

    Cheap enough to take every 30 seconds on a large folder (no file is
    read), and it changes whenever a file is added, removed, rewritten or
    touched; the run then decides from content hashes what really changed.
    """
    digest = hashlib.sha256()
    sources = scan_source_dir(root)
    for source in sources:
        digest.update(f"{source.source_file}\0{source.size}\0{source.modified_ns}\n".encode())
    return digest.hexdigest(), len(sources)
