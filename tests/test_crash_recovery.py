"""A run killed mid-parse on the project's real instance does not block the runs after it.

These runs use a DAGSTER_HOME holding the project's dagster.yaml, as `make
run` does: its "duckdb" pool takes one op at a time across runs, so a slot
left held by a killed run would make every later run wait forever. An
ephemeral instance has no pools and cannot show that.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from pipeline.publish.parquet import verify_publication
from pipeline.orchestration.run_recovery import DeadRun, free_dead_runs, process_is_running
from pipeline.orchestration.settings import TrialSettings
from tests.pipeline_helpers import PROJECT_ROOT, materialize_all, settings_in

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")

DAGSTER = Path(sys.executable).with_name("dagster")
# Enough documents for the parser workers to start (the pool starts at 200).
DOCUMENTS = 600
# A rerun takes 10-20 s here; a run waiting for a slot that is never freed
# never ends, and this bound turns that into a failure instead of a hung suite.
RERUN_TIMEOUT_SECONDS = 180


def _instance_home(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "dagster.yaml", folder / "dagster.yaml")
    return folder


def _environment(home: Path, sources: Path, data: Path) -> dict[str, str]:
    return {**os.environ, "DAGSTER_HOME": str(home), "TRIALS_SOURCE_DIR": str(sources),
            "TRIALS_WAREHOUSE": str(data / "warehouse.duckdb"), "TRIALS_PUBLISH_DIR": str(data / "published")}


def _materialize_command() -> list[str]:
    return [str(DAGSTER), "asset", "materialize", "--select", "*", "-m", "pipeline.definitions"]


def _living_processes(session: int) -> dict[int, str]:
    """Command lines of the session's processes that have not ended (zombies have)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != session:
                continue
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
    return found


def _parser_workers(session: int) -> set[int]:
    """The forkserver and the parser workers it started."""
    return {pid for pid, command in _living_processes(session).items() if "multiprocessing.forkserver" in command}


def _wait_until_parsing(run: subprocess.Popen, log: Path) -> set[int]:
    """Waits until the run parses (with its workers, on a machine with more than one core) and returns the workers."""
    deadline = time.monotonic() + 120
    while True:
        assert run.poll() is None, "the run ended before it was killed:\n" + log.read_text()[-3000:]
        assert time.monotonic() < deadline, "the run did not reach parsing"
        if "parsed_documents - STEP_START" in log.read_text():
            workers = _parser_workers(run.pid)
            if len(workers) >= 2 or (os.cpu_count() or 1) < 2:
                return workers
        time.sleep(0.05)


def _wait_until_ended(pids: set[int]) -> set[int]:
    deadline = time.monotonic() + 20
    while (alive := {pid for pid in pids if _proc_alive(pid)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def _proc_alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _published_rows(publish_dir: Path) -> dict[str, list[str]]:
    """Every published table's rows, sorted, without the run that parsed each document."""
    manifest = json.loads((publish_dir / "manifest.json").read_text())
    tables = {}
    for entry in manifest["tables"]:
        rows = pq.read_table(publish_dir / entry["file"]).to_pylist()
        tables[entry["table"]] = sorted(repr({k: v for k, v in row.items() if k != "parsed_run_id"}) for row in rows)
    return tables


def test_a_run_killed_mid_parse_frees_its_pool_slot_and_workers_and_the_next_run_publishes_in_full(tmp_path):
    sources = tmp_path / "sources"
    subprocess.run([sys.executable, "-m", "pipeline.bench", "generate", str(DOCUMENTS), str(sources)],
                   cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL)
    home = _instance_home(tmp_path / "dagster_home")
    environment = _environment(home, sources, tmp_path / "data")
    killed_log = tmp_path / "killed.log"

    # The run's process alone is killed, as the OOM killer does: its workers must end on their own.
    with killed_log.open("w") as output:
        killed = subprocess.Popen(_materialize_command(), cwd=PROJECT_ROOT, env=environment, stdout=output,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        workers = _wait_until_parsing(killed, killed_log)
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert _wait_until_ended(workers) == set(), _living_processes(killed.pid)

        rerun = subprocess.run(_materialize_command(), cwd=PROJECT_ROOT, env=environment, capture_output=True,
                               text=True, timeout=RERUN_TIMEOUT_SECONDS, start_new_session=True)
    finally:
        for pid in _living_processes(killed.pid):
            os.kill(pid, signal.SIGKILL)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert f"outlived its process {killed.pid}: marked it failed; freed its pool places: duckdb (parsed_documents)" \
        in rerun.stdout + rerun.stderr

    with dg.DagsterInstance.from_config(str(home)) as instance:
        statuses = {record.dagster_run.status for record in instance.get_run_records()}
        assert statuses == {dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.SUCCESS}
        assert instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots == []

    clean = TrialSettings(sources, tmp_path / "clean" / "warehouse.duckdb", tmp_path / "clean" / "published")
    assert materialize_all(clean).success
    published = tmp_path / "data" / "published"
    assert verify_publication(published) == []
    recovered, reference = _published_rows(published), _published_rows(clean.publish_dir)
    assert recovered.keys() == reference.keys()
    assert len(reference["documents"]) == DOCUMENTS
    for table, rows in reference.items():
        assert recovered[table] == rows, table


# The real pipeline on the seeds, with the real instance in DAGSTER_HOME,
# made to stop at its first parse while it holds the "duckdb" slot.
_STALLED_RUN = """
import sys, time
from pathlib import Path
import dagster as dg
import pipeline.store.incremental
from pipeline.orchestration.settings import TrialSettings
from tests.pipeline_helpers import materialize_all

folder, marker = Path(sys.argv[1]), Path(sys.argv[2])

def stalled_parse(*args, **kwargs):
    marker.write_text("parsing")
    time.sleep(300)

pipeline.store.incremental.parse_document = stalled_parse
with dg.DagsterInstance.get() as instance:
    materialize_all(TrialSettings(folder / "sources", folder / "data" / "warehouse.duckdb",
                                  folder / "data" / "published"), instance)
"""


def test_only_runs_whose_process_is_gone_lose_their_slots(tmp_path):
    settings_in(tmp_path)
    home = _instance_home(tmp_path / "dagster_home")
    marker = tmp_path / "parsing"
    stalled = subprocess.Popen([sys.executable, "-c", _STALLED_RUN, str(tmp_path), str(marker)], cwd=PROJECT_ROOT,
                               env={**os.environ, "DAGSTER_HOME": str(home)}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert stalled.poll() is None and time.monotonic() < deadline, "the run did not reach parsing"
            time.sleep(0.05)

        with dg.DagsterInstance.from_config(str(home)) as instance:
            [record] = instance.get_run_records()
            run_id = record.dagster_run.run_id
            # Alive and parsing: left alone.
            assert free_dead_runs(instance, "a-run-starting-now") == []
            assert [slot.run_id for slot in instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots] \
                == [run_id]

            stalled.send_signal(signal.SIGKILL)
            stalled.wait()
            assert free_dead_runs(instance, "a-run-starting-now") == [
                DeadRun(run_id, "STARTED", stalled.pid, ("duckdb (parsed_documents)",), marked_failed=True)]
            assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
            assert instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots == []
            assert free_dead_runs(instance, "a-run-starting-now") == []
    finally:
        stalled.kill()
        stalled.wait()


def test_a_process_counts_as_running_until_it_ends_and_only_as_the_process_that_started_the_run():
    assert process_is_running(os.getpid(), time.time())
    # A process that started after the run did took over a dead run's pid.
    assert not process_is_running(os.getpid(), run_started_at=0.0)

    child = subprocess.Popen(["sleep", "60"])
    child.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _proc_alive(child.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    # Killed but not yet reaped by its parent: a zombie, which runs nothing.
    assert not process_is_running(child.pid, time.time())
    child.wait()
    assert not process_is_running(child.pid, time.time())
