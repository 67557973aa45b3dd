"""The file system as it is: names that are not UTF-8, FIFOs, sockets, devices, paths past PATH_MAX,
files that cannot be read or that vanish, change or grow between listing and reading, hard links.
Each gets its documents row and the run goes on; the sensor's tick survives them; logs show names escaped.

Tests run as root, whom permission bits do not stop: a file or folder that cannot be read is made so by
injecting the OSError the system would raise."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import socket
import stat
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.store import staging
from pipeline.orchestration.automation import source_folder_sensor
from pipeline.store.file_names import loggable, name_bytes, source_name
from pipeline.store.incremental import _read_unchanged, parse_changed_documents
from pipeline.orchestration.resources import TrialFolders
from pipeline.store.staging import SourceFile, read_source_file, stage_source_dir
from pipeline.store.warehouse import ensure_tables
from tests.conftest import SEED_FILES, read_seed
from tests.pipeline_helpers import assert_survives, materialize_all, query, settings_in

LETTER = b"Dear colleague,\nthank you for the meeting.\n"
NOT_A_TRIAL = "not a trial record: no NCT id and no known layout"
TOO_LONG = "path longer than the system allows (ENAMETOOLONG)"
FORGED_NAME = "line\nQUARANTINED forged.txt\x1b[2J"
FIVE_MIB = 5 * 1024 * 1024


def _write(folder: Path, name: bytes, content: bytes) -> None:
    with open(os.path.join(os.fsencode(folder), name), "wb") as handle:
        handle.write(content)


def _deep_folder(source: Path) -> tuple[str, str]:
    """Folders nested until a name inside the last one passes PATH_MAX (4096 bytes); a file and a folder there.

    Made through directory descriptors, since no path that long can be opened.
    Returns the file's and the folder's names relative to `source`.
    """
    part, parts, length = "d" * 100, [], len(os.fsencode(source))
    directory = os.open(source, os.O_RDONLY | os.O_DIRECTORY)
    while length + 101 <= 3950:  # the last folder stays listable, a 250-byte name in it does not
        os.mkdir(part, dir_fd=directory)
        inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY, dir_fd=directory)
        os.close(directory)
        directory, length = inner, length + 101
        parts.append(part)
    with os.fdopen(os.open("f" * 250, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=directory), "wb") as handle:
        handle.write(LETTER)
    os.mkdir("e" * 250, dir_fd=directory)
    os.close(directory)
    return "/".join([*parts, "f" * 250]), "/".join([*parts, "e" * 250])


def _socket_file(folder: Path, name: str) -> None:
    """A Unix socket file in `folder`, bound by a relative name (a bound path may hold only 108 bytes)."""
    here = os.getcwd()
    os.chdir(folder)
    try:
        with socket.socket(socket.AF_UNIX) as listener:
            listener.bind(name)
    finally:
        os.chdir(here)


def _special_files(source: Path) -> None:
    os.mkfifo(source / "pipe.txt")
    _socket_file(source, "socket")
    os.mknod(source / "null-device", stat.S_IFCHR | 0o600, os.makedev(1, 3))


@contextlib.contextmanager
def _denied(monkeypatch: pytest.MonkeyPatch, files: tuple[str, ...] = (), folders: tuple[str, ...] = ()):
    """Opening a path ending in one of `files`, or listing one ending in one of `folders`, fails with EACCES."""
    real_open, real_scandir = os.open, os.scandir

    def refuse_if(path: object, names: tuple[str, ...]) -> None:
        if isinstance(path, (str, bytes, os.PathLike)) and os.fsencode(path).endswith(
                tuple(f"/{name}".encode() for name in names)):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)

    def guarded_open(path, flags, *args, **kwargs):
        refuse_if(path, files)
        return real_open(path, flags, *args, **kwargs)

    def guarded_scandir(path="."):
        refuse_if(path, folders)
        return real_scandir(path)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "scandir", guarded_scandir)
    yield


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("filesystem")
    settings = settings_in(folder)
    source = settings.source_dir
    _write(source, b"caf\xe9.txt", read_seed("003").encode())
    _write(source, b"caf\\xe9.txt", LETTER)
    os.mkdir(os.path.join(os.fsencode(source), b"dossier-\xff"))
    _write(source, b"dossier-\xff/trial.txt", read_seed("004").encode())
    _write(source, FORGED_NAME.encode(), LETTER)
    _special_files(source)
    os.link(source / SEED_FILES["001"], source / "hardlink.txt")
    deep_file, deep_folder = _deep_folder(source)
    for name in ("vanishing.txt", "becomes-fifo.txt", "growing.txt"):
        (source / name).write_bytes(LETTER)
    (source / "locked.txt").write_text(read_seed("002"))
    (source / "locked-folder").mkdir()
    (source / "locked-folder" / "inside.txt").write_text(read_seed("002"))

    real_scan = staging.scan_source_dir

    def scan_then_change(root: Path) -> list[SourceFile]:
        """The listing, after which three files change as a copy or a cleanup would."""
        listed = real_scan(root)
        (source / "vanishing.txt").unlink()
        (source / "becomes-fifo.txt").unlink()
        os.mkfifo(source / "becomes-fifo.txt")
        with open(source / "growing.txt", "ab") as handle:
            handle.truncate(1024**3)  # sparse: a 1 GiB file still being copied in
        return listed

    instance = dg.DagsterInstance.ephemeral()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(staging, "scan_source_dir", scan_then_change)
        with _denied(monkeypatch, files=("locked.txt",), folders=("locked-folder",)):
            result = materialize_all(settings, instance)
    documents = assert_survives(settings, result)
    logs = [entry.user_message for entry in instance.all_logs(result.run_id)]
    return settings, documents, logs, deep_file, deep_folder


def test_every_entry_of_the_folder_has_one_documents_row(hostile_run):
    _, documents, _, deep_file, deep_folder = hostile_run
    assert sorted(documents) == sorted([
        *SEED_FILES.values(), "caf\\xe9.txt", "caf\\x5cxe9.txt", "dossier-\\xff/trial.txt", FORGED_NAME,
        "pipe.txt", "socket", "null-device", "hardlink.txt", deep_file, deep_folder,
        "vanishing.txt", "becomes-fifo.txt", "growing.txt", "locked.txt", "locked-folder",
    ])


def test_names_that_are_not_utf8_are_read_and_shown_escaped_without_colliding(hostile_run):
    settings, documents, _, _, _ = hostile_run
    assert (documents["caf\\xe9.txt"]["status"], documents["caf\\xe9.txt"]["nct_id"]) == ("PARSED", "NCT06931145")
    assert documents["dossier-\\xff/trial.txt"]["status"] == "PARSED"
    assert (documents["caf\\x5cxe9.txt"]["status"], documents["caf\\x5cxe9.txt"]["error"]) == ("QUARANTINED", NOT_A_TRIAL)
    sites = "SELECT facility, city FROM internal.parsed_sites WHERE source_file = ?"
    assert query(settings, sites, ["caf\\xe9.txt"]) == query(settings, sites, [SEED_FILES["003"]]) != []


@pytest.mark.parametrize(
    "name, reason",
    [
        ("pipe.txt", "FIFO (named pipe): not a regular file, never opened"),
        ("socket", "socket: not a regular file, never opened"),
        ("null-device", "character device: not a regular file, never opened"),
        ("locked.txt", "could not be read: permission denied"),
        ("locked-folder", "folder could not be listed: permission denied"),
        ("vanishing.txt", "could not be read: it was removed between listing and reading"),
        ("becomes-fifo.txt", "could not be read: it became a FIFO (named pipe) after listing"),
        ("growing.txt", "file grew past the 5 MiB limit after it was listed at 0.0 MiB (TRIALS_MAX_DOCUMENT_BYTES): not read"),
    ],
)
def test_what_cannot_be_read_is_quarantined_with_why(hostile_run, name, reason):
    _, documents, _, _, _ = hostile_run
    assert (documents[name]["status"], documents[name]["error"]) == ("QUARANTINED", reason)


def test_paths_past_path_max_are_quarantined(hostile_run):
    _, documents, _, deep_file, deep_folder = hostile_run
    assert len(os.fsencode(deep_file)) > 4096 - 100 and documents[deep_file]["error"] == f"could not be read: {TOO_LONG}"
    assert documents[deep_folder]["error"] == f"folder could not be listed: {TOO_LONG}"


def test_a_growing_file_is_read_only_up_to_the_limit(hostile_run):
    settings, _, _, _, _ = hostile_run
    assert query(settings, "SELECT bytes, content IS NULL FROM internal.raw_documents WHERE source_file = 'growing.txt'") == [
        (FIVE_MIB + 1, True)]


def test_a_hard_link_is_another_name_for_the_same_file(hostile_run):
    _, documents, _, _, _ = hostile_run
    seed = documents[SEED_FILES["001"]]
    link = documents["hardlink.txt"]
    assert (link["status"], link["nct_id"], link["sha256"]) == ("PARSED", seed["nct_id"], seed["sha256"])


def test_names_in_log_lines_are_escaped(hostile_run):
    _, documents, logs, _, _ = hostile_run
    assert documents[FORGED_NAME]["error"] == NOT_A_TRIAL
    assert f"QUARANTINED line\\x0aQUARANTINED forged.txt\\x1b[2J: {NOT_A_TRIAL}" in logs
    assert not [line for line in logs if "\x1b" in line or "\nQUARANTINED" in line]


def test_source_names_are_readable_and_never_collide():
    assert source_name("café/notes.txt") == "café/notes.txt"
    assert source_name(os.fsdecode(b"caf\xe9.txt")) == "caf\\xe9.txt"
    assert source_name("caf\\xe9.txt") == "caf\\x5cxe9.txt"
    assert source_name("back\\slash.txt") == "back\\slash.txt"


@given(st.lists(st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\0" not in b), min_size=1, max_size=3))
def test_every_path_reads_back_to_its_own_bytes(components):
    """Escaping is reversible, so two different paths cannot share a stored name."""
    stored = "/".join(source_name(os.fsdecode(component)) for component in components)
    assert stored.encode("utf-8")  # storable text: no lone surrogates
    assert name_bytes(stored) == b"/".join(components)


def test_loggable_escapes_what_could_forge_or_recolour_a_line():
    assert loggable("NCT01234567 café.txt") == "NCT01234567 café.txt"
    assert loggable("a\nb\r\x1b[31mc\u202ed\u2028e\x00") == "a\\x0ab\\x0d\\x1b[31mc\\u202ed\\u2028e\\x00"


@pytest.mark.parametrize(
    "error, reason",
    [(errno.EACCES, "could not be read: permission denied"), (errno.ENAMETOOLONG, f"could not be read: {TOO_LONG}"),
     (errno.EIO, "could not be read: input/output error (EIO)")],
)
def test_a_file_that_cannot_be_opened_is_refused_with_why(tmp_path, monkeypatch, error, reason):
    path = tmp_path / "trial.txt"
    path.write_bytes(LETTER)

    def failing_open(*args, **kwargs):
        raise OSError(error, os.strerror(error), str(path))

    monkeypatch.setattr(os, "open", failing_open)
    staged = read_source_file(SourceFile("trial.txt", str(path), len(LETTER), 1), tmp_path)
    assert (staged.content, staged.refused, staged.sha256) == (None, reason, hashlib.sha256(reason.encode()).hexdigest())


def _stage(conn: duckdb.DuckDBPyConnection, root: Path) -> dict[str, tuple]:
    stage_source_dir(conn, root, "run")
    return {row[0]: row[1:] for row in conn.execute("SELECT source_file, refused, content IS NULL FROM internal.raw_documents").fetchall()}


def test_a_folder_that_cannot_be_listed_keeps_what_was_staged_from_it(tmp_path, monkeypatch):
    root = tmp_path / "sources"
    (root / "archive").mkdir(parents=True)
    (root / "archive" / "trial.txt").write_text(read_seed("002"))
    (root / "gone.txt").write_bytes(LETTER)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        ensure_tables(conn)
        assert _stage(conn, root) == {"archive/trial.txt": (None, False), "gone.txt": (None, False)}
        (root / "gone.txt").unlink()
        with _denied(monkeypatch, folders=("archive",)):
            assert _stage(conn, root) == {
                "archive": ("folder could not be listed: permission denied", True),
                "archive/trial.txt": (None, False),
            }


def test_a_file_that_could_not_be_read_is_tried_again_though_unchanged(tmp_path, monkeypatch):
    root = tmp_path / "sources"
    root.mkdir()
    (root / "trial.txt").write_text(read_seed("002"))
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        ensure_tables(conn)
        with _denied(monkeypatch, files=("trial.txt",)):
            assert _stage(conn, root) == {"trial.txt": ("could not be read: permission denied", True)}
        monkeypatch.undo()
        assert _stage(conn, root) == {"trial.txt": (None, False)}


def test_parsing_reaches_a_name_that_is_not_utf8_or_falls_back_to_the_staged_bytes(tmp_path):
    root = tmp_path / "sources"
    root.mkdir()
    trial = read_seed("003").encode()
    _write(root, b"caf\xe9.txt", trial)
    _write(root, b"caf\\xe9.txt", LETTER)
    digest = hashlib.sha256(trial).hexdigest()
    assert _read_unchanged(str(root), "caf\\xe9.txt", digest, len(trial)) == trial
    assert _read_unchanged(str(root), "caf\\x5cxe9.txt", hashlib.sha256(LETTER).hexdigest(), len(LETTER)) == LETTER
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        ensure_tables(conn)
        stage_source_dir(conn, root, "run")
        os.unlink(os.path.join(os.fsencode(root), b"caf\xe9.txt"))
        os.mkfifo(os.path.join(os.fsencode(root), b"caf\xe9.txt"))
        assert _read_unchanged(str(root), "caf\\xe9.txt", digest, len(trial)) is None  # a FIFO now: never blocks
        summary = parse_changed_documents(conn, "run", root)
        assert summary.parsed == ["caf\\xe9.txt"]
        assert conn.execute("SELECT nct_id FROM documents WHERE source_file = 'caf\\xe9.txt'").fetchall() == [("NCT06931145",)]


def _evaluate(folder: Path, cursor: str | None):
    context = dg.build_sensor_context(
        cursor=cursor,
        resources={"trial_folders": TrialFolders(source_dir=str(folder), publish_dir=str(folder.parent / "published"))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    return source_folder_sensor(context), context.cursor


def test_the_sensor_tick_survives_the_file_system_as_it_is(tmp_path, monkeypatch):
    settings = settings_in(tmp_path)
    source = settings.source_dir
    _write(source, b"caf\xe9.txt", LETTER)
    _write(source, FORGED_NAME.encode(), LETTER)
    _special_files(source)
    _deep_folder(source)
    (source / "locked-folder").mkdir()
    with _denied(monkeypatch, folders=("locked-folder",)):
        first, cursor = _evaluate(source, None)
        assert isinstance(first, dg.RunRequest) and first.tags["trialflow/files"] == str(5 + 8)
        again, _ = _evaluate(source, cursor)
        assert isinstance(again, dg.SkipReason) and "no file added, changed or removed" in again.skip_message


def test_the_sensor_skips_a_source_folder_it_cannot_list(tmp_path, monkeypatch):
    source = tmp_path / "in\x1b[2Jbox"
    source.mkdir()
    with _denied(monkeypatch, folders=(source.name,)):
        result, cursor = _evaluate(source, None)
    assert isinstance(result, dg.SkipReason) and cursor is None
    assert result.skip_message == f"source folder {tmp_path}/in\\x1b[2Jbox could not be listed: Permission denied"
