"""Finding the source files and reading them as received.

Raw first, parse second: every file's bytes are kept in the warehouse before
any table is built, so reparsing never needs the source folder again and a
file that later disappears is still on record.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import stat
from collections.abc import Container, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.orchestration.settings import DEFAULT_MAX_DOCUMENT_BYTES
from pipeline.store.file_names import source_name
from pipeline.store.warehouse import delete_where_in, insert_arrow, rows_to_arrow, transaction

_CHUNK = 1 << 20

# Every reason a listed file could not be read starts so; such a file is
# tried again on the next run even when its size and time did not change
# (a permission fixed, a copy finished).
READ_FAILED = "could not be read: "

_WHY = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "it was removed between listing and reading",
    errno.ENAMETOOLONG: "path longer than the system allows (ENAMETOOLONG)",
    errno.ELOOP: "it became a symbolic link after listing",
}


@dataclass(frozen=True)
class SourceFile:
    """An entry of the source directory and its cheap fingerprint (from lstat, never following links)."""

    source_file: str  # POSIX path relative to the source directory, escaped by `source_name`
    path: str  # absolute: a str, since a Path per file costs a second on a 100,000-file scan
    size: int
    modified_ns: int
    is_link: bool = False
    refused: str | None = None  # why it is not read, when listing already tells (a FIFO, a folder that cannot be listed)
    is_folder: bool = False


@dataclass(frozen=True)
class StagedFile:
    """What staging keeps of a file: its bytes, or the reason they were not read."""

    source_file: str
    sha256: str
    size: int
    modified_ns: int
    content: bytes | None
    refused: str | None = None


class _NotRegular(Exception):
    """The path no longer names a regular file when it is opened."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _why(error: OSError) -> str:
    if error.errno in _WHY:
        return _WHY[error.errno]
    if error.errno:
        return f"{os.strerror(error.errno).lower()} ({errno.errorcode.get(error.errno, error.errno)})"
    return str(error)


_KINDS = {
    stat.S_IFIFO: "FIFO (named pipe)",
    stat.S_IFSOCK: "socket",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFDIR: "folder",
    stat.S_IFLNK: "symbolic link",
}


def _kind(mode: int) -> str:
    """What a path that is not a regular file is, in the words of the reason it was not read."""
    return _KINDS.get(stat.S_IFMT(mode), "special file")


def _listed(path: str, name: str, status: os.stat_result) -> SourceFile:
    """A listed entry from its lstat: only regular files are ever opened.

    Opening a FIFO blocks until something writes to it, a device may do
    anything when opened, and a socket cannot be read; they are recorded
    with their kind instead.
    """
    mode = status.st_mode
    if stat.S_ISREG(mode):
        return SourceFile(name, path, status.st_size, status.st_mtime_ns)
    if stat.S_ISLNK(mode):
        return SourceFile(name, path, status.st_size, status.st_mtime_ns, is_link=True)
    return SourceFile(name, path, status.st_size, status.st_mtime_ns,
                      refused=f"{_kind(mode)}: not a regular file, never opened")


def _unlisted_folder(path: str, name: str, error: OSError) -> SourceFile:
    try:
        status = os.lstat(path)
        size, modified_ns = status.st_size, status.st_mtime_ns
    except OSError:
        size, modified_ns = 0, 0
    return SourceFile(name, path, size, modified_ns, refused=f"folder could not be listed: {_why(error)}",
                      is_folder=True)


def _walk(root: str) -> list[SourceFile]:
    """The entries below `root`, from a single `lstat` each (a 100,000-file folder is walked every tick).

    A loop over a stack of folders rather than nested generators, whose
    per-file cost showed at that size. Every entry but a hidden one is
    listed, whatever it is; a folder that cannot be listed is listed itself,
    so what it holds is not silently lost. Only the source folder itself
    must be listable: without it there is nothing to stage.
    """
    found: list[SourceFile] = []
    folders = [(root, "")]
    while folders:
        directory, folder = folders.pop()
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    name = source_name(entry.name)
                    relative = f"{folder}/{name}" if folder else name
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            folders.append((entry.path, relative))
                            continue
                        status = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue  # gone before its lstat: no longer in the folder
                    except OSError as error:
                        found.append(SourceFile(relative, entry.path, 0, 0, refused=READ_FAILED + _why(error)))
                        continue
                    found.append(_listed(entry.path, relative, status))
        except OSError as error:
            if not folder:
                raise
            if error.errno != errno.ENOENT:
                found.append(_unlisted_folder(directory, folder, error))
    return found


def scan_source_dir(root: Path) -> list[SourceFile]:
    """Every non-hidden entry under `root` that is not a folder, sorted by relative path.

    Links are listed but never followed (a link could lead outside the folder
    the user chose, and what is read must stay inside it); staging records
    them, and FIFOs, sockets, devices and folders that cannot be listed, so
    nothing in the folder goes unaccounted for.
    """
    root = root.resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"source directory {root} does not exist or is not a directory")
    return sorted(_walk(str(root)), key=lambda f: f.source_file)


def _link_reason(source: SourceFile, target: str, root: Path) -> str:
    resolved = Path(os.path.realpath(source.path))
    where = "inside" if resolved.is_relative_to(root.resolve()) else "outside"
    return f"symbolic link to {source_name(target)} ({where} the source folder): links are recorded, never followed"


def _open_regular(path: str) -> int:
    """A descriptor on `path`, which must still be the regular file that was listed.

    Between listing and reading the path may have become a link, a FIFO or a
    folder: the link is not followed, and the non-blocking open returns at
    once on a FIFO, whose descriptor is then closed unread.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise _NotRegular(_kind(mode))
    return descriptor


def _hash_listed_bytes(source: SourceFile) -> str:
    """The sha256 of the file's first `source.size` bytes, read in chunks.

    Bounded by the listed size: a file still being written would otherwise
    be read for as long as it grows.
    """
    digest = hashlib.sha256()
    with os.fdopen(_open_regular(source.path), "rb") as handle:
        left = source.size
        while left > 0 and (chunk := handle.read(min(_CHUNK, left))):
            digest.update(chunk)
            left -= len(chunk)
    return digest.hexdigest()


def _mib(size: int) -> str:
    return f"{size / 1048576:g}"


def _refused(source: SourceFile, reason: str) -> StagedFile:
    """A file kept without bytes; its sha256 is that of the reason, so its row changes when the reason does."""
    return StagedFile(source.source_file, hashlib.sha256(reason.encode()).hexdigest(), source.size,
                      source.modified_ns, None, reason)


def _read_regular(source: SourceFile, max_bytes: int) -> StagedFile:
    """At most `max_bytes` of the file; the limit holds for what is read, not what was listed.

    A file still being copied in is listed small and may be far larger by
    the time it is read: one byte more than the limit is enough to refuse it.
    """
    with os.fdopen(_open_regular(source.path), "rb") as handle:
        content = handle.read(max_bytes + 1)
    if len(content) > max_bytes:
        reason = (f"file grew past the {_mib(max_bytes)} MiB limit after it was listed at {source.size / 1048576:.1f} MiB "
                  "(TRIALS_MAX_DOCUMENT_BYTES): not read")
        return StagedFile(source.source_file, hashlib.sha256(content).hexdigest(), len(content),
                          source.modified_ns, None, reason)
    return StagedFile(
        source_file=source.source_file,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        modified_ns=source.modified_ns,
        content=content,
    )


def read_source_file(source: SourceFile, root: Path, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> StagedFile:
    """The file's bytes and sha256, or, for anything that is not a readable regular file within the limit, the reason.

    An oversized file is hashed in chunks, never held in memory whole. A file
    that cannot be read, or that vanished or changed kind since listing, is
    recorded with why: one file never stops staging.
    """
    if source.refused is not None:
        return _refused(source, source.refused)
    try:
        if source.is_link:
            target = os.readlink(source.path)
            return StagedFile(source.source_file, hashlib.sha256(os.fsencode(target)).hexdigest(), source.size,
                              source.modified_ns, None, _link_reason(source, target, root))
        if source.size > max_bytes:
            reason = (f"file is {source.size / 1048576:.1f} MiB, above the {_mib(max_bytes)} MiB limit "
                      "(TRIALS_MAX_DOCUMENT_BYTES): not read")
            return StagedFile(source.source_file, _hash_listed_bytes(source), source.size,
                              source.modified_ns, None, reason)
        return _read_regular(source, max_bytes)
    except _NotRegular as error:
        return _refused(source, f"{READ_FAILED}it became a {error.kind} after listing")
    except OSError as error:
        return _refused(source, READ_FAILED + _why(error))


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


def _must_read(source: SourceFile, staged: tuple | None) -> bool:
    """Whether to read the file: it is new or its size or time changed, or it could not be read last time.

    Entries refused at listing are always taken again: that costs no read,
    and their reason may have changed.
    """
    if staged is None or source.refused is not None:
        return True
    _, size, modified_ns, refused = staged
    return (size, modified_ns) != (source.size, source.modified_ns) or (refused or "").startswith(READ_FAILED)


def stage_source_dir(
    conn: duckdb.DuckDBPyConnection, root: Path, run_id: str, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
) -> StagingSummary:
    """Bring `raw_documents` in line with the folder.

    A file whose size and modification time match its staged copy is not
    read again; any other file is read and hashed (by a few threads: reading
    and hashing release the GIL), and staged anew only when its bytes
    changed. Files gone from the folder leave `raw_documents`; the files of
    a folder that cannot be listed stay as they were staged, since the run
    cannot tell whether they are gone.

    Each batch of files is committed on its own, so memory holds two batches
    however large the folder (one transaction over 100,000 files held all
    their bytes until the commit). A run killed midway keeps the batches it
    committed, each row a faithful copy of its file, and the next run stages
    the rest; nothing downstream reads a half-written row.
    """
    sources = scan_source_dir(root)
    known = {
        name: (sha256, size, modified_ns, refused)
        for name, sha256, size, modified_ns, refused in conn.execute(
            "SELECT source_file, sha256, bytes, modified_ns, refused FROM raw_documents"
        ).fetchall()
    }
    to_read = [s for s in sources if _must_read(s, known.get(s.source_file))]
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
    unlisted = tuple(f"{s.source_file}/" for s in sources if s.is_folder)
    removed = sorted(name for name in set(known) - {s.source_file for s in sources} if not name.startswith(unlisted))
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
