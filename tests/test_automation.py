"""The sensor, the schedule and incremental reruns: only what changed is parsed again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import dagster as dg
import pyarrow.parquet as pq

from pipeline.orchestration.automation import daily_refresh_schedule, source_folder_sensor
from pipeline.definitions import build_definitions
from pipeline.orchestration.resources import TrialFolders
from pipeline.registry.tables import PUBLISHED_TABLES
from tests.pipeline_helpers import PROJECT_ROOT, materialize_all, published, query, settings_in


def _evaluate(settings, cursor: str | None):
    context = dg.build_sensor_context(
        cursor=cursor,
        resources={"trial_folders": TrialFolders(source_dir=str(settings.source_dir), publish_dir=str(settings.publish_dir))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    result = source_folder_sensor(context)
    return result, context.cursor


def test_the_sensor_asks_for_a_run_on_add_change_and_delete_and_not_otherwise(tmp_path):
    settings = settings_in(tmp_path)
    first, cursor = _evaluate(settings, None)
    assert isinstance(first, dg.RunRequest) and first.tags["trialflow/files"] == "5"

    unchanged, same_cursor = _evaluate(settings, cursor)
    assert isinstance(unchanged, dg.SkipReason) and same_cursor == cursor
    assert "no file added, changed or removed" in unchanged.skip_message

    (settings.source_dir / "new.txt").write_text("added")
    added, cursor_after_add = _evaluate(settings, cursor)
    assert isinstance(added, dg.RunRequest) and added.tags["trialflow/files"] == "6"

    seed = settings.source_dir / "003_78907bef003bf639.txt"
    seed.write_text(seed.read_text().replace("50 participants", "51 participants"))
    os.utime(seed, ns=(seed.stat().st_atime_ns, seed.stat().st_mtime_ns + 1_000_000_000))
    changed, cursor_after_change = _evaluate(settings, cursor_after_add)
    assert isinstance(changed, dg.RunRequest) and changed.run_key != added.run_key

    (settings.source_dir / "new.txt").unlink()
    removed, _ = _evaluate(settings, cursor_after_change)
    assert isinstance(removed, dg.RunRequest) and removed.tags["trialflow/files"] == "5"


def test_the_cursor_survives_a_restart(tmp_path):
    settings = settings_in(tmp_path)
    _, cursor = _evaluate(settings, None)
    restarted, _ = _evaluate(settings, cursor)
    assert isinstance(restarted, dg.SkipReason)


def test_a_missing_source_folder_is_a_skip_with_its_reason(tmp_path):
    settings = settings_in(tmp_path)
    shutil.rmtree(settings.source_dir)
    result, cursor = _evaluate(settings, None)
    assert isinstance(result, dg.SkipReason) and "does not exist" in result.skip_message and cursor is None


def test_sensor_and_schedule_run_by_default_and_launch_the_job_of_materialize_all(tmp_path):
    defs = build_definitions(settings_in(tmp_path))
    sensor = defs.resolve_sensor_def("source_folder_sensor")
    schedule = defs.resolve_schedule_def("daily_refresh")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds == 30
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.cron_schedule == "0 6 * * *"
    # One history: the job the UI's "Materialize all" launches is the only job,
    # and the sensor and the schedule launch it too.
    materialize_all_job = defs.resolve_implicit_global_asset_job_def()
    assert sensor.job_name == schedule.job_name == materialize_all_job.name
    assert [job.name for job in defs.get_repository_def().get_all_jobs()] == [materialize_all_job.name]
    assert daily_refresh_schedule("*/15 * * * *").cron_schedule == "*/15 * * * *"


def test_the_schedule_requests_a_refresh(tmp_path):
    schedule = daily_refresh_schedule("0 6 * * *")
    context = dg.build_schedule_context(instance=dg.DagsterInstance.ephemeral())
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.tags["trialflow/trigger"] == "daily_refresh"


def test_one_changed_document_is_the_only_one_parsed_again(tmp_path):
    settings = settings_in(tmp_path)
    assert materialize_all(settings).success
    before = dict(query(settings, "SELECT source_file, parsed_run_id FROM documents"))
    sites_before = query(settings, "SELECT * FROM sites WHERE nct_id <> 'NCT06931145' ORDER BY ALL")

    seed = settings.source_dir / "003_78907bef003bf639.txt"
    seed.write_text(seed.read_text().replace("50 participants", "51 participants"))
    result = materialize_all(settings)
    assert result.success
    after = dict(query(settings, "SELECT source_file, parsed_run_id FROM documents"))
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"003_78907bef003bf639.txt"}
    assert after["003_78907bef003bf639.txt"] == result.run_id
    assert query(settings, "SELECT * FROM sites WHERE nct_id <> 'NCT06931145' ORDER BY ALL") == sites_before
    study = next(s for s in published(settings, "studies") if s["nct_id"] == "NCT06931145")
    assert study["enrollment"] == 51
    parse_metadata = result.asset_materializations_for_node("parsed_documents")
    records = next(m for m in parse_metadata if m.asset_key.to_user_string() == "document_records")
    assert records.metadata["parsed"].value == 1


def test_a_deleted_document_is_recorded_as_removed(tmp_path):
    settings = settings_in(tmp_path)
    assert materialize_all(settings).success
    (settings.source_dir / "002_3119735172ec348a.txt").unlink()
    result = materialize_all(settings)
    staged = result.asset_materializations_for_node("raw_documents")[0]
    assert staged.metadata["removed"].value == ["002_3119735172ec348a.txt"]
    assert staged.metadata["removed_count"].value == 1
    assert query(settings, "SELECT count(*) FROM eligibility_criteria WHERE nct_id = 'NCT07358676'") == [(0,)]


_RUN_ONCE = """
import sys
from pathlib import Path
from pipeline.orchestration.settings import TrialSettings
from tests.pipeline_helpers import materialize_all
folder = Path(sys.argv[1])
settings = TrialSettings(folder / "sources", folder / "data" / "warehouse.duckdb", folder / "data" / "published")
sys.exit(0 if materialize_all(settings).success else 1)
"""


def test_two_runs_at_once_both_end_and_leave_the_warehouse_consistent(tmp_path):
    settings = settings_in(tmp_path)
    runs = [
        subprocess.Popen([sys.executable, "-c", _RUN_ONCE, str(tmp_path)], cwd=PROJECT_ROOT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outcomes = [(run.wait(timeout=240), run.stderr.read().decode()[-2000:]) for run in runs]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert query(settings, "SELECT count(*) FROM documents") == [(5,)]
    assert query(settings, "SELECT count(*), count(DISTINCT nct_id) FROM studies") == [(4, 4)]
    assert query(settings, "SELECT count(*) FROM sites") == [(20,)]
    assert len(published(settings, "studies")) == 4


def _all_published(settings) -> dict:
    return {t.name: pq.read_table(settings.publish_dir / f"{t.name}.parquet") for t in PUBLISHED_TABLES}


def test_an_incremental_rebuild_gives_the_same_tables_as_a_full_one(tmp_path):
    incremental = settings_in(tmp_path / "incremental")
    assert materialize_all(incremental).success
    seed = incremental.source_dir / "003_78907bef003bf639.txt"
    changed = seed.read_text().replace("50 participants", "0 participants").replace("Last Updated: 2025-04-23", "Last Updated: 2025-06-01")
    (incremental.source_dir / "003_copy.txt").write_text(changed)
    (incremental.source_dir / "004_05c86904299774e9.txt").unlink()
    result = materialize_all(incremental)
    assert result.success
    studies = next(m for m in result.asset_materializations_for_node("trial_tables") if m.asset_key.to_user_string() == "studies")
    assert studies.metadata["rebuilt"].value == "1 trial(s) whose documents changed"

    full = settings_in(tmp_path / "full", copy_seeds=False)
    full.source_dir.rmdir()
    shutil.copytree(incremental.source_dir, full.source_dir)
    assert materialize_all(full).success
    rebuilt, fresh = _all_published(incremental), _all_published(full)
    for name in fresh:
        if name == "documents":
            drop = ["parsed_run_id"]
            assert rebuilt[name].drop_columns(drop).equals(fresh[name].drop_columns(drop)), name
        else:
            assert rebuilt[name].equals(fresh[name]), name
    assert len(rebuilt["evidence_trial_links"]) == 0
    assert {f["category"] for f in rebuilt["quality_findings"].to_pylist()} >= {"enrollment", "duplicate_conflict"}
