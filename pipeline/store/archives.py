"""Zip archives in the source folder, read as the documents they hold, without unpacking them to disk.

ClinicalTrials.gov publishes the whole registry as one zip of API v2 JSON
files, one per study (about 560,000). Each member of a zip is a document of
its own, named `<zip>/<member>`; its bytes are decompressed into memory, a
member at a time and never past the per-document limit, so a zip bomb costs
at most that limit, and a member's name is only ever a name: `..`, an
absolute path or a NUL in it never reaches the file system.

An archive changes as a whole when a new export arrives, but most of its
members do not: the central directory gives each member's size and CRC-32
without decompressing anything, and a member whose (size, CRC-32) match its
staged copy is not read again.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

ARCHIVE_SUFFIX = ".zip"
_ARCHIVE_MAGIC = b"PK\x03\x04"
_ENCRYPTED = 0x1
# Escapes as `source_name` writes them: a stored name holds `\x` only when
# something in it was escaped. A repeated member name gets `\x23` (`#`) and
# its place, which no escaped real name can hold (only `\x5c` and `\x00` are
# written), so it never takes another member's name.
_ESCAPES = {ord("\\"): "\\x5c", 0: "\\x00"}
_REPEAT = "\\x23"


def is_archive_name(name: str) -> bool:
    """Whether a listed regular file is read as an archive: by its name, as users and the registry name zips."""
    return name.lower().endswith(ARCHIVE_SUFFIX)


def in_archive(source_file: str) -> bool:
    """Whether a stored name may be a member of an archive, so that it is no path to open on disk.

    A folder named `x.zip` also answers yes; its files are then parsed from
    their staged copies instead of the folder, which costs a query, never a
    wrong document.
    """
    return f"{ARCHIVE_SUFFIX}/" in source_file.lower()


def archive_of(source_file: str, archives: set[str]) -> str | None:
    """The archive in `archives` that a stored name is a member of, or None."""
    position = source_file.find("/")
    while position != -1:
        if source_file[:position] in archives:
            return source_file[:position]
        position = source_file.find("/", position + 1)
    return None


def _stored_member_name(name: str) -> str:
    if "\0" in name or "\\x" in name:
        return name.translate(_ESCAPES)
    return name


@dataclass(frozen=True)
class Member:
    """A file inside an archive, from the central directory alone (nothing decompressed)."""

    source_file: str  # `<archive>/<member>`, unique within the archive
    info: zipfile.ZipInfo
    repeat: int = 0  # 0 for the first entry of its name, n for the n-th repeat

    @property
    def size(self) -> int:
        return self.info.file_size

    @property
    def crc32(self) -> int:
        return self.info.CRC


def list_members(archive: zipfile.ZipFile, archive_name: str) -> Iterator[Member]:
    """Every file of the archive in its directory's order; folders are skipped.

    Names are the archive's own (`orig_filename`: zipfile cuts a name at its
    first NUL, which would make two members one), a NUL or backslash written
    as `source_name` escapes them. A name the archive holds twice stays two
    documents: the repeats are kept under `<name>\\x23<n>` and refused.
    """
    seen: dict[str, int] = {}
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = _stored_member_name(info.orig_filename)
        repeat = seen.get(name, -1) + 1
        seen[name] = repeat
        suffix = f"{_REPEAT}{repeat + 1}" if repeat else ""
        yield Member(f"{archive_name}/{name}{suffix}", info, repeat)


@dataclass(frozen=True)
class MemberBytes:
    """What reading a member gave: its bytes, or why it was not read."""

    sha256: str
    size: int
    content: bytes | None
    refused: str | None = None


def _mib(size: int) -> str:
    return f"{size / 1048576:g}"


def _refused(member: Member, reason: str) -> MemberBytes:
    """A member kept without bytes; its sha256 covers its CRC-32, so its row changes when the member does."""
    digest = hashlib.sha256(f"{reason}\0{member.crc32}".encode()).hexdigest()
    return MemberBytes(digest, member.size, None, reason)


def read_member(archive: zipfile.ZipFile, member: Member, max_bytes: int) -> MemberBytes:
    """The member's bytes and sha256, or, for one that cannot or must not be read, the reason.

    A member stated above the limit is never opened, and zipfile stops
    decompressing at the stated size: a member whose stated size lies (a zip
    bomb claiming a few bytes) produces at most that many, then fails its
    CRC-32, which zipfile checks when a member is read to its end, so damaged
    bytes are refused, never parsed.
    """
    if member.repeat:
        return _refused(member, f"the archive holds this member's name {member.repeat + 1} times: only the first "
                                "is read")
    if member.info.flag_bits & _ENCRYPTED:
        return _refused(member, "encrypted archive member: not read (trialflow holds no password)")
    if is_archive_name(member.info.filename):
        return _refused(member, "nested archive not read: a zip inside a zip is kept as one member")
    if member.size > max_bytes:
        return _refused(member, f"archive member is {member.size / 1048576:.1f} MiB, above the {_mib(max_bytes)} "
                                "MiB limit (TRIALS_MAX_DOCUMENT_BYTES): not decompressed")
    try:
        with archive.open(member.info) as handle:
            content = handle.read(max_bytes)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError,
            OSError) as error:
        return _refused(member, f"damaged archive member: {error}")
    if content.startswith(_ARCHIVE_MAGIC):
        return _refused(member, "nested archive not read: a zip inside a zip is kept as one member")
    return MemberBytes(hashlib.sha256(content).hexdigest(), len(content), content)
