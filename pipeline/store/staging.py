"""Finding the source files and reading them as received.

Raw first, parse second: every file's bytes are kept in the warehouse before
any table is built, so reparsing never needs the source folder again and a
file that later disappears is still on record. A zip in the folder is not a
document but a folder of them: each member is staged as `<zip>/<member>`
(`pipeline.store.archives`).
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import stat
import zipfile
from collections.abc import Container, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.orchestration.settings import DEFAULT_MAX_DOCUMENT_BYTES
from pipeline.store.archives import Member, archive_of, is_archive_name, list_members, read_member
from pipeline.registry.tables import RAW_DOCUMENTS
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
    crc32: int | None = None  # an archive member's, from the archive's directory


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
                "crc32": f.crc32,
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
    _, size, modified_ns, refused, _ = staged
    return (size, modified_ns) != (source.size, source.modified_ns) or (refused or "").startswith(READ_FAILED)


def _is_archive(source: SourceFile) -> bool:
    return not source.is_link and source.refused is None and is_archive_name(source.source_file)


def _tally(files: list[StagedFile], known: dict[str, tuple], added: list[str], changed: list[str]) -> int:
    """Sort freshly read files into added and changed; returns how many hold the bytes staged before."""
    unchanged = 0
    for file in files:
        previous = known.get(file.source_file)
        if previous is None:
            added.append(file.source_file)
        elif previous[0] != file.sha256:
            changed.append(file.source_file)
        else:
            unchanged += 1
    return unchanged


def _archive_unchanged(archive: SourceFile, own: tuple | None, members: dict[str, tuple]) -> bool:
    """Whether the archive is the one staged last time, judged like a file, without opening it.

    Its members carry the archive's modification time when they were staged
    (its row, when it could not be read as an archive, its size too). An
    archive with no member staged is always opened: that costs little.
    """
    if own is not None:
        return own[1:3] == (archive.size, archive.modified_ns) and not (own[3] or "").startswith(READ_FAILED)
    return bool(members) and all(staged[2] == archive.modified_ns for staged in members.values())


def _member_changed(member: Member, staged: tuple | None) -> bool:
    """Whether to decompress the member: new, or its size or CRC-32 differ from its staged copy's."""
    return staged is None or staged[4] is None or (staged[1], staged[4]) != (member.size, member.crc32)


def _staged_member(archive: zipfile.ZipFile, member: Member, modified_ns: int, max_bytes: int) -> StagedFile:
    read = read_member(archive, member, max_bytes)
    return StagedFile(member.source_file, read.sha256, read.size, modified_ns, read.content, read.refused, member.crc32)


def _unreadable_archive(archive: SourceFile, reason: str) -> StagedFile:
    return StagedFile(archive.source_file, hashlib.sha256(reason.encode()).hexdigest(), archive.size,
                      archive.modified_ns, None, reason)


@dataclass
class _Tally:
    added: list[str]
    changed: list[str]
    unchanged: int = 0


def _stage_archive(
    conn: duckdb.DuckDBPyConnection, archive: SourceFile, known: dict[str, tuple], members: dict[str, tuple],
    run_id: str, max_bytes: int, tally: _Tally,
) -> set[str]:
    """Stage the members of one zip that are new or changed; returns every name the archive now accounts for.

    Members are decompressed a batch at a time straight from the archive,
    each batch committed on its own, so memory holds one batch of bytes
    (plus the archive's directory) however many members it has. An archive
    that cannot be opened or read as a zip gets a row of its own saying so,
    and the members staged from it before are kept, as the files of a folder
    that cannot be listed are: a new export still being copied in must not
    empty the tables.
    """
    own = known.get(archive.source_file)
    if _archive_unchanged(archive, own, members):
        tally.unchanged += len(members) + (own is not None)
        return set(members) | ({archive.source_file} if own is not None else set())
    try:
        handle = os.fdopen(_open_regular(archive.path), "rb")
    except _NotRegular as error:
        failed = _unreadable_archive(archive, f"{READ_FAILED}it became a {error.kind} after listing")
    except OSError as error:
        failed = _unreadable_archive(archive, READ_FAILED + _why(error))
    else:
        with handle:
            try:
                opened = zipfile.ZipFile(handle)
            # zipfile's reader of the directory raises many kinds on hostile
            # bytes (BadZipFile, EOFError, struct and Unicode errors, ...);
            # any of them costs this archive only.
            except Exception as error:  # noqa: BLE001
                failed = _unreadable_archive(
                    archive, f"not a zip archive trialflow can read ({type(error).__name__}: {error}): its members "
                             "were not read, those staged from it before are kept")
            else:
                with opened:
                    return _stage_members(conn, opened, archive, known, members, run_id, max_bytes, tally)
    tally.unchanged += _tally([failed], known, tally.added, tally.changed)
    with transaction(conn):
        _write_staged(conn, [failed], run_id, known)
    return set(members) | {archive.source_file}


def _stage_members(
    conn: duckdb.DuckDBPyConnection, opened: zipfile.ZipFile, archive: SourceFile, known: dict[str, tuple],
    members: dict[str, tuple], run_id: str, max_bytes: int, tally: _Tally,
) -> set[str]:
    listed = list(list_members(opened, archive.source_file))
    to_read = [member for member in listed if _member_changed(member, members.get(member.source_file))]
    tally.unchanged += len(listed) - len(to_read)
    for batch in _batches(to_read, _STAGE_BATCH):
        files = [_staged_member(opened, member, archive.modified_ns, max_bytes) for member in batch]
        tally.unchanged += _tally(files, known, tally.added, tally.changed)
        with transaction(conn):
            _write_staged(conn, files, run_id, known)
    # Members kept as they were now belong to this copy of the archive, so
    # that the next run sees it unchanged without opening it.
    with transaction(conn):
        conn.execute(f"UPDATE {RAW_DOCUMENTS.qualified_name} SET modified_ns = ? WHERE starts_with(source_file, ?) AND modified_ns <> ?",
                     [archive.modified_ns, f"{archive.source_file}/", archive.modified_ns])
    return {member.source_file for member in listed}


def _staged_by_archive(known: dict[str, tuple], archives: set[str]) -> dict[str, dict[str, tuple]]:
    """The staged members of each archive; a folder without archives costs no pass over the staged names."""
    by_archive: dict[str, dict[str, tuple]] = {name: {} for name in archives}
    if not archives:
        return by_archive
    for name, staged in known.items():
        if (archive := archive_of(name, archives)) is not None:
            by_archive[archive][name] = staged
    return by_archive


def stage_source_dir(
    conn: duckdb.DuckDBPyConnection, root: Path, run_id: str, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
) -> StagingSummary:
    """Bring `raw_documents` in line with the folder.

    A file whose size and modification time match its staged copy is not
    read again; any other file is read and hashed (by a few threads: reading
    and hashing release the GIL), and staged anew only when its bytes
    changed. A zip is read as the folder of documents it holds: an archive
    whose size and time did not change is not opened, and in one that did,
    only the members whose size or CRC-32 changed are decompressed. Files
    and members gone from the folder leave `raw_documents`; the files of a
    folder that cannot be listed (and the members of an archive that cannot
    be read) stay as they were staged, since the run cannot tell whether
    they are gone.

    Each batch of files is committed on its own, so memory holds two batches
    however large the folder (one transaction over 100,000 files held all
    their bytes until the commit). A run killed midway keeps the batches it
    committed, each row a faithful copy of its file, and the next run stages
    the rest; nothing downstream reads a half-written row.
    """
    sources = scan_source_dir(root)
    known = {
        name: (sha256, size, modified_ns, refused, crc32)
        for name, sha256, size, modified_ns, refused, crc32 in conn.execute(
            f"SELECT source_file, sha256, bytes, modified_ns, refused, crc32 FROM {RAW_DOCUMENTS.qualified_name}"
        ).fetchall()
    }
    archives = [s for s in sources if _is_archive(s)]
    files = [s for s in sources if not _is_archive(s)]
    to_read = [s for s in files if _must_read(s, known.get(s.source_file))]
    tally = _Tally(added=[], changed=[], unchanged=len(files) - len(to_read))
    with ThreadPoolExecutor(max_workers=_READERS) as readers:
        for batch in _read_ahead(readers, _batches(to_read, _STAGE_BATCH), root, max_bytes):
            tally.unchanged += _tally(batch, known, tally.added, tally.changed)
            with transaction(conn):
                _write_staged(conn, batch, run_id, known)
    listed = {s.source_file for s in files}
    members = _staged_by_archive(known, {a.source_file for a in archives})
    for archive in archives:
        listed |= _stage_archive(conn, archive, known, members.pop(archive.source_file), run_id, max_bytes, tally)
    unlisted = tuple(f"{s.source_file}/" for s in sources if s.is_folder)
    removed = sorted(name for name in set(known) - listed if not name.startswith(unlisted))
    with transaction(conn):
        delete_where_in(conn, "raw_documents", "source_file", removed)
    return StagingSummary(added=tally.added, changed=tally.changed, removed=removed, unchanged=tally.unchanged)


def fingerprint_source_dir(root: Path) -> tuple[str, int]:
    """A digest of every file's path, size and modification time, and the file count.

    A zip counts as one file: a new export replacing it changes its size or
    time, and the run then finds which members changed. Cheap enough to take every 30 seconds on a large folder (no file is
    read), and it changes whenever a file is added, removed, rewritten or
    touched; the run then decides from content hashes what really changed.
    """
    digest = hashlib.sha256()
    sources = scan_source_dir(root)
    for source in sources:
        digest.update(f"{source.source_file}\0{source.size}\0{source.modified_ns}\n".encode())
    return digest.hexdigest(), len(sources)
