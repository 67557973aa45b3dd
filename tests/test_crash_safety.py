"""A run killed with SIGKILL mid-parse or mid-publish leaves the last publication sound."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.publish.parquet import verify_publication
from tests.pipeline_helpers import PROJECT_ROOT, materialize_all, query, settings_in

# Runs the real pipeline in a child process, made slow at one point so the
# test can kill it there: it writes `marker` and then waits.
_SLOW_RUN = """
import sys, time
from pathlib import Path
import pipeline.store.incremental, pipeline.publish.parquet
from pipeline.orchestration.settings import TrialSettings
from tests.pipeline_helpers import materialize_all

folder, where, marker = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])

def stall():
    marker.write_text("here")
    time.sleep(120)

if where == "publish":
    real_write = pipeline.publish.parquet._write_parquet
    calls = []
    def slow_write(batches, path, redact):
        rows = real_write(batches, path, redact)
        calls.append(path)
        if len(calls) == 1:
            stall()
        return rows
    pipeline.publish.parquet._write_parquet = slow_write
else:
    real_parse = pipeline.store.incremental.parse_document
    def slow_parse(*args, **kwargs):
        stall()
        return real_parse(*args, **kwargs)
    pipeline.store.incremental.parse_document = slow_parse

settings = TrialSettings(folder / "sources", folder / "data" / "warehouse.duckdb", folder / "data" / "published")
materialize_all(settings)
"""


def _kill_during(tmp_path: Path, where: str) -> None:
    marker = tmp_path / f"{where}.marker"
    child = subprocess.Popen([sys.executable, "-c", _SLOW_RUN, str(tmp_path), where, str(marker)],
                             cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, "the run ended before reaching the point where it is killed"
        assert time.monotonic() < deadline
        time.sleep(0.1)
    child.send_signal(signal.SIGKILL)
    child.wait()


@pytest.mark.parametrize("where", ["publish", "parse"])
def test_a_killed_run_leaves_the_last_publication_intact_and_the_next_run_completes(tmp_path, where):
    settings = settings_in(tmp_path)
    first = materialize_all(settings)
    assert first.success
    manifest_before = (settings.publish_dir / "manifest.json").read_text()

    seed = settings.source_dir / "003_78907bef003bf639.txt"
    seed.write_text(seed.read_text().replace("50 participants", "51 participants"))
    _kill_during(tmp_path, where)

    assert verify_publication(settings.publish_dir) == []
    assert (settings.publish_dir / "manifest.json").read_text() == manifest_before
    # Killed while parsing, the warehouse keeps the last committed rows; killed
    # while publishing, it already holds this run's rows, only Parquet lags.
    committed = 51 if where == "publish" else 50
    assert query(settings, "SELECT enrollment FROM studies WHERE nct_id = 'NCT06931145'") == [(committed,)]
    assert query(settings, "SELECT count(*) FROM documents") == [(5,)]

    again = materialize_all(settings)
    assert again.success
    assert verify_publication(settings.publish_dir) == []
    assert json.loads((settings.publish_dir / "manifest.json").read_text())["run_id"] == again.run_id
    assert query(settings, "SELECT enrollment FROM studies WHERE nct_id = 'NCT06931145'") == [(51,)]


def test_old_publications_are_pruned_to_the_newest_two(tmp_path):
    settings = settings_in(tmp_path)
    for _ in range(3):
        assert materialize_all(settings).success
    versions = [p for p in (settings.publish_dir.parent / ".published-versions").iterdir()]
    assert len(versions) == 2
    assert settings.publish_dir.resolve() in [v.resolve() for v in versions]


def test_only_tables_whose_rows_changed_are_written_again(tmp_path):
    settings = settings_in(tmp_path)
    assert materialize_all(settings).success
    before = settings.publish_dir.resolve()

    seed = settings.source_dir / "003_78907bef003bf639.txt"
    seed.write_text(seed.read_text().replace("50 participants", "51 participants"))
    assert materialize_all(settings).success
    after = settings.publish_dir.resolve()
    assert after != before and verify_publication(settings.publish_dir) == []

    def same_file(name: str) -> bool:
        return (before / name).stat().st_ino == (after / name).stat().st_ino

    # The enrollment and the document's hash changed; the articles and the sites did not.
    assert not same_file("studies.parquet") and not same_file("documents.parquet")
    assert same_file("evidence.parquet") and same_file("sites.parquet")
    manifest = json.loads((after / "manifest.json").read_text())
    reused = {entry["table"] for entry in manifest["tables"] if entry.get("reused")}
    assert {"evidence", "sites"} <= reused and not {"studies", "documents"} & reused
    assert query(settings, "SELECT enrollment FROM studies WHERE nct_id = 'NCT06931145'") == [(51,)]
    studies = pq.read_table(after / "studies.parquet").to_pylist()
    assert [s["enrollment"] for s in studies if s["nct_id"] == "NCT06931145"] == [51]
