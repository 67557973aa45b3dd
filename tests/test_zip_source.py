"""ClinicalTrials.gov's bulk export (a zip of API v2 JSON files) as a source: each member a document.

Exports are built in tmp_path from the real records of
`tests/fixtures/registry_corpus/ctgov`, the way ClinicalTrials.gov publishes
them: one `<NCT id>.json` per study at the top of the archive.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import warnings
import zipfile
from pathlib import Path

import dagster as dg
import duckdb
import pytest

import pipeline.store.staging as staging
from pipeline.orchestration.automation import source_folder_sensor
from pipeline.orchestration.resources import TrialFolders
from pipeline.registry.tables import PUBLISHED_TABLES
from pipeline.store.staging import stage_source_dir
from pipeline.store.warehouse import ensure_tables
from tests.pipeline_helpers import (
    PROJECT_ROOT, SEED_TRIALS, assert_survives, materialize_all, published, query, settings_in,
)

CORPUS = PROJECT_ROOT / "tests" / "fixtures" / "registry_corpus" / "ctgov"
EXPORT = "ctgov_all_studies.zip"
RECORDS = {path.name: path.read_bytes() for path in sorted(CORPUS.glob("*.json"))}
CHANGED, REMOVED = "NCT00184067.json", "NCT06388018.json"


def _write_export(path: Path, members: dict[str, bytes]) -> None:
    """An export written beside its place and renamed into it, as a finished download replaces the last one."""
    partial = path.with_name(f".{path.name}.part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    os.replace(partial, path)


def _with_enrollment(record: bytes, count: int) -> bytes:
    study = json.loads(record)
    study["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = count
    return json.dumps(study, indent=2).encode()


def _comparable(rows: list[dict], prefix: str) -> list[dict]:
    """Rows with the documents' names made relative to where they were kept (a folder or an export)."""

    def relative(value):
        if isinstance(value, str) and value.startswith(prefix):
            return value[len(prefix):]
        if isinstance(value, list):
            return [relative(item) for item in value]
        return value

    return sorted((({k: relative(v) for k, v in row.items() if k != "parsed_run_id"}) for row in rows), key=repr)


def test_a_bulk_export_gives_every_member_a_document_and_the_loose_files_values(tmp_path):
    loose = settings_in(tmp_path / "loose")
    shutil.copytree(CORPUS, loose.source_dir / "ctgov")
    zipped = settings_in(tmp_path / "zipped")
    _write_export(zipped.source_dir / EXPORT, RECORDS)

    assert_survives(loose, materialize_all(loose))
    documents = assert_survives(zipped, materialize_all(zipped))

    members = {name for name in documents if name.startswith(f"{EXPORT}/")}
    assert members == {f"{EXPORT}/{name}" for name in RECORDS}
    assert all(documents[name]["status"] == "PARSED" for name in members)
    assert {documents[name]["nct_id"] for name in members} == {name.removesuffix(".json") for name in RECORDS}
    assert not any(path.suffix == ".json" for path in zipped.source_dir.rglob("*")), "members were unpacked"
    for table in PUBLISHED_TABLES:
        assert _comparable(published(zipped, table.name), f"{EXPORT}/") == _comparable(
            published(loose, table.name), "ctgov/"), table.name


def test_a_new_export_reparses_only_the_changed_member_and_drops_the_removed_trial(tmp_path):
    settings = settings_in(tmp_path)
    export = settings.source_dir / EXPORT
    _write_export(export, RECORDS)
    assert materialize_all(settings).success
    before = dict(query(settings, "SELECT source_file, parsed_run_id FROM documents"))

    second = {name: content for name, content in RECORDS.items() if name != REMOVED}
    second[CHANGED] = _with_enrollment(RECORDS[CHANGED], 24)
    _write_export(export, second)
    result = materialize_all(settings)
    documents = assert_survives(settings, result)

    staged = result.asset_materializations_for_node("raw_documents")[0].metadata
    assert (staged["new"].value, staged["changed"].value) == (0, 1)
    assert staged["removed"].value == [f"{EXPORT}/{REMOVED}"]
    assert staged["unchanged"].value == len(RECORDS) - 2 + 5
    after = dict(query(settings, "SELECT source_file, parsed_run_id FROM documents"))
    assert {name for name in after if after[name] != before.get(name)} == {f"{EXPORT}/{CHANGED}"}
    assert after[f"{EXPORT}/{CHANGED}"] == result.run_id
    studies = {row["nct_id"]: row for row in published(settings, "studies")}
    assert studies["NCT00184067"]["enrollment"] == 24
    assert "NCT06388018" not in studies and f"{EXPORT}/{REMOVED}" not in documents
    for table in ("eligibility_criteria", "outcomes", "sponsors", "quality_findings"):
        assert query(settings, f"SELECT count(*) FROM {table} WHERE nct_id = 'NCT06388018'") == [(0,)], table

    # An export cut short (a download that failed) is one quarantined row;
    # the members staged from the last good one are kept, not emptied.
    export.write_bytes(export.read_bytes()[: export.stat().st_size // 2])
    documents = assert_survives(settings, materialize_all(settings))
    assert documents[EXPORT]["status"] == "QUARANTINED"
    assert documents[EXPORT]["error"].startswith("not a zip archive trialflow can read (BadZipFile: ")
    assert {name for name in documents if name.startswith(f"{EXPORT}/")} == {f"{EXPORT}/{name}" for name in second}
    assert studies.keys() == {row["nct_id"] for row in published(settings, "studies")}


def _central_entries(data: bytes) -> dict[str, int]:
    """Each member's name and the offset of its central directory record."""
    entries, position = {}, data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        entries[data[position + 46 : position + 46 + name_length].decode()] = position
        position = data.find(b"PK\x01\x02", position + 46 + name_length)
    return entries


def _patched(data: bytes, name: str, *, flags: int | None = None, size: int | None = None) -> bytes:
    """The zip with one member's general-purpose flags or stated size rewritten, in both of its headers."""
    patched = bytearray(data)
    local = zipfile.ZipFile(io.BytesIO(data)).getinfo(name).header_offset
    central = _central_entries(data)[name]
    if flags is not None:
        struct.pack_into("<H", patched, local + 6, flags)
        struct.pack_into("<H", patched, central + 8, flags)
    if size is not None:
        struct.pack_into("<I", patched, local + 22, size)
        struct.pack_into("<I", patched, central + 24, size)
    return bytes(patched)


def _hostile_export() -> bytes:
    record = list(RECORDS.values())
    buffer = io.BytesIO()
    nested = io.BytesIO()
    with zipfile.ZipFile(nested, "w") as inner:
        inner.writestr("NCT00184067.json", record[0])
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the repeated name, which is the point
        archive.writestr(zipfile.ZipInfo("../escape.json"), record[0])
        archive.writestr(zipfile.ZipInfo("/absolute/record.json"), record[1])
        archive.writestr("nulXname.json", record[2])
        archive.writestr(zipfile.ZipInfo("folder/"), b"")
        archive.writestr("folder/inside.json", record[3])
        archive.writestr("bomb.json", b"0" * (6 * 1024 * 1024))
        archive.writestr("liar.json", b"0" * (1024 * 1024))
        archive.writestr("locked.json", record[4])
        archive.writestr("corrupt.json", b"NCT00184067 " * 50, compress_type=zipfile.ZIP_STORED)
        archive.writestr("inner.zip", nested.getvalue())
        archive.writestr("twice.json", record[5])
        archive.writestr("twice.json", record[6])
    data = _patched(buffer.getvalue(), "liar.json", size=100)
    data = _patched(data, "locked.json", flags=0x1)
    corrupt = data.find(b"NCT00184067 NCT00184067")
    data = data[:corrupt] + b"X" + data[corrupt + 1 :]
    return data.replace(b"nulXname.json", b"nul\x00name.json")


def test_hostile_archives_cost_at_most_themselves_or_one_member(tmp_path):
    settings = settings_in(tmp_path)
    hostile = _hostile_export()
    (settings.source_dir / "hostile.zip").write_bytes(hostile)
    (settings.source_dir / "cut_short.zip").write_bytes(hostile[: len(hostile) // 3])
    (settings.source_dir / "notes.zip").write_text("minutes of the steering committee, not an archive")
    documents = assert_survives(settings, materialize_all(settings))

    def row(name: str) -> tuple[str, str | None, str | None]:
        document = documents[f"hostile.zip/{name}"]
        return document["status"], document["nct_id"], document["error"]

    ids = [name.removesuffix(".json") for name in RECORDS]
    # Names that would be paths outside the folder, or cut at a NUL, stay names.
    assert row("../escape.json") == ("PARSED", ids[0], None)
    assert row("/absolute/record.json") == ("PARSED", ids[1], None)
    assert row("nul\\x00name.json") == ("PARSED", ids[2], None)
    assert not (tmp_path / "escape.json").exists() and not Path("/absolute/record.json").exists()
    assert row("folder/inside.json") == ("PARSED", ids[3], None)
    assert "hostile.zip/folder/" not in documents and "hostile.zip/folder" not in documents
    assert row("bomb.json")[2] == ("archive member is 6.0 MiB, above the 5 MiB limit (TRIALS_MAX_DOCUMENT_BYTES): "
                                   "not decompressed")
    assert row("liar.json")[2] == "damaged archive member: Bad CRC-32 for file 'liar.json'"
    assert row("corrupt.json")[2] == "damaged archive member: Bad CRC-32 for file 'corrupt.json'"
    assert row("locked.json")[2] == "encrypted archive member: not read (trialflow holds no password)"
    assert row("inner.zip")[2] == "nested archive not read: a zip inside a zip is kept as one member"
    assert row("twice.json") == ("PARSED", ids[5], None)
    assert row("twice.json\\x232")[2] == "the archive holds this member's name 2 times: only the first is read"
    for name in ("bomb.json", "liar.json", "corrupt.json", "locked.json", "inner.zip", "twice.json\\x232"):
        assert row(name)[0] == "QUARANTINED", name
    for archive in ("cut_short.zip", "notes.zip"):
        assert documents[archive]["status"] == "QUARANTINED"
        assert documents[archive]["error"] == ("not a zip archive trialflow can read (BadZipFile: File is not a zip "
                                               "file): its members were not read, those staged from it before are kept")
    assert len([name for name in documents if name.startswith("hostile.zip/")]) == 11
    assert SEED_TRIALS | set(ids[:4]) | {ids[5]} <= {row["nct_id"] for row in published(settings, "studies")}


def _staged(conn: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    return {name: rest for name, *rest in conn.execute(
        "SELECT source_file, sha256, modified_ns, staged_run_id FROM internal.raw_documents").fetchall()}


def test_an_unchanged_export_is_not_opened_and_a_touched_one_decompresses_nothing(tmp_path, monkeypatch):
    root = tmp_path / "sources"
    root.mkdir()
    export = root / EXPORT
    _write_export(export, RECORDS)
    conn = duckdb.connect()
    ensure_tables(conn)
    first = stage_source_dir(conn, root, "first")
    assert sorted(first.added) == [f"{EXPORT}/{name}" for name in RECORDS]

    def refuse(*args, **kwargs):
        raise AssertionError("the export was opened")

    with monkeypatch.context() as patch:
        patch.setattr(staging.zipfile, "ZipFile", refuse)
        unchanged = stage_source_dir(conn, root, "second")
    assert (unchanged.added, unchanged.changed, unchanged.removed, unchanged.unchanged) == ([], [], [], len(RECORDS))

    os.utime(export, ns=(export.stat().st_atime_ns, export.stat().st_mtime_ns + 10**9))
    staged_before = _staged(conn)
    with monkeypatch.context() as patch:
        patch.setattr(staging, "read_member", refuse)
        touched = stage_source_dir(conn, root, "third")
    assert touched.unchanged == len(RECORDS) and not (touched.added or touched.changed or touched.removed)
    staged_after = _staged(conn)
    assert {name: (sha, run) for name, (sha, _, run) in staged_after.items()} == {
        name: (sha, run) for name, (sha, _, run) in staged_before.items()}
    assert {modified for _, modified, _ in staged_after.values()} == {export.stat().st_mtime_ns}


def test_members_are_staged_a_batch_per_commit(tmp_path, monkeypatch):
    root = tmp_path / "sources"
    root.mkdir()
    _write_export(root / EXPORT, RECORDS)
    conn = duckdb.connect()
    ensure_tables(conn)
    written: list[int] = []
    write = staging._write_staged
    monkeypatch.setattr(staging, "_STAGE_BATCH", 5)
    monkeypatch.setattr(staging, "_write_staged", lambda c, files, *rest: (written.append(len(files)), write(c, files, *rest)))
    stage_source_dir(conn, root, "run")
    assert written == [5, 5, 5, 4]


def test_the_sensor_notices_a_replaced_export(tmp_path):
    settings = settings_in(tmp_path)
    _write_export(settings.source_dir / EXPORT, RECORDS)

    def evaluate(cursor: str | None):
        context = dg.build_sensor_context(
            cursor=cursor,
            resources={"trial_folders": TrialFolders(source_dir=str(settings.source_dir),
                                                     publish_dir=str(settings.publish_dir))},
            instance=dg.DagsterInstance.ephemeral(),
        )
        return source_folder_sensor(context), context.cursor

    first, cursor = evaluate(None)
    assert isinstance(first, dg.RunRequest) and first.tags["trialflow/files"] == "6"
    assert isinstance(evaluate(cursor)[0], dg.SkipReason)
    _write_export(settings.source_dir / EXPORT, {**RECORDS, CHANGED: _with_enrollment(RECORDS[CHANGED], 24)})
    replaced, new_cursor = evaluate(cursor)
    assert isinstance(replaced, dg.RunRequest) and new_cursor != cursor


@pytest.mark.parametrize("name", ["ctgov_all_studies.zip", "EXPORT.ZIP"])
def test_a_folder_of_exports_is_read_like_one(tmp_path, name):
    root = tmp_path / "sources"
    (root / "exports").mkdir(parents=True)
    _write_export(root / "exports" / name, dict(list(RECORDS.items())[:2]))
    conn = duckdb.connect()
    ensure_tables(conn)
    summary = stage_source_dir(conn, root, "run")
    assert sorted(summary.added) == [f"exports/{name}/{member}" for member in list(RECORDS)[:2]]
