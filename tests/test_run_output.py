"""`make run` tells its story: short INFO lines, progress on long parses, a closing summary, STRICT for CI."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys

import dagster as dg
import duckdb

import pipeline.store.incremental as incremental
from pipeline.cli.run import run_pipeline
from pipeline.orchestration.progress import BatchProgress, duration
from pipeline.store.staging import stage_source_dir
from pipeline.store.warehouse import ensure_tables
from tests.pipeline_helpers import PROJECT_ROOT, settings_in

SEED_003 = "003_78907bef003bf639.txt"

SEED_SUMMARY = [
    "trials published  4",
    "documents         5",
    "  PARSED          5: mirror_page 2, ctgov_text 1, news_article 1, veeva_page 1",
    "findings          3: ERROR 0, WARNING 2, INFO 1",
    "  by category     consistency 1, field_swap 1, parse 1",
    "  most affected   NCT06893783 2, NCT07358676 1",
    "checks            27 passed, 1 failed: studies.consistency (WARN)",
]


def test_a_run_on_the_seeds_prints_under_40_lines_and_ends_with_the_summary(tmp_path):
    """What `make run` runs, as a user's terminal gets it (stdout and stderr together)."""
    settings = settings_in(tmp_path)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    environment = {**os.environ, "DAGSTER_HOME": str(home), "TRIALS_SOURCE_DIR": str(settings.source_dir),
                   "TRIALS_WAREHOUSE": str(settings.warehouse), "TRIALS_PUBLISH_DIR": str(settings.publish_dir)}
    environment.pop("TRIALS_STRICT", None)
    run = subprocess.run([sys.executable, "-m", "pipeline", "run"], cwd=tmp_path, env=environment,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    lines = run.stdout.splitlines()
    assert run.returncode == 0, run.stdout
    assert len(lines) < 40, run.stdout
    assert not [line for line in lines if "DEBUG" in line or "Warning" in line], run.stdout
    assert any(line.endswith("parsed_documents: parsed 5, quarantined 0, removed 0 document(s); formats "
                             "{'mirror_page': 2, 'ctgov_text': 1, 'veeva_page': 1, 'news_article': 1}") for line in lines)
    start = lines.index(SEED_SUMMARY[0])
    assert lines[start : start + len(SEED_SUMMARY)] == SEED_SUMMARY
    assert lines[start - 1].startswith("run ") and " succeeded in " in lines[start - 1]
    assert lines[-5:] == [
        "warehouse         data/warehouse.duckdb",
        "published         data/published/ (manifest: data/published/manifest.json)",
        "next              make ui    (assets, checks, lineage)",
        "                  make sql   (SQL over the published tables)",
        "                  .venv/bin/python -m pipeline show NCT06893783   (one trial's card)",
    ]
    # The run is on the instance in DAGSTER_HOME, where the UI lists it.
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (recorded,) = instance.get_runs()
    assert (recorded.status, recorded.tags["trialflow/trigger"]) == (dg.DagsterRunStatus.SUCCESS, "make run")


def test_error_findings_exit_zero_unless_strict(tmp_path):
    settings = settings_in(tmp_path)
    seed = settings.source_dir / SEED_003
    seed.write_text(seed.read_text(encoding="utf-8").replace("Study Start Date\n\n2025-04-15",
                                                             "Study Start Date\n\n2028-04-15"), encoding="utf-8")
    instance = dg.DagsterInstance.ephemeral()
    relaxed = io.StringIO()
    assert run_pipeline(settings, instance, strict=False, out=relaxed) == 0
    assert "findings          4: ERROR 1, WARNING 2, INFO 1" in relaxed.getvalue().splitlines()
    assert "  most affected   NCT06931145 1 (1 ERROR), NCT06893783 2, NCT07358676 1" in relaxed.getvalue().splitlines()
    assert "STRICT" not in relaxed.getvalue()

    strict = io.StringIO()
    assert run_pipeline(settings, instance, strict=True, out=strict) == 1
    assert strict.getvalue().splitlines()[-1] == "STRICT: 1 ERROR finding(s): exit status 1"


def test_make_run_passes_strict_on_only_when_asked():
    def dry_run(*arguments: str) -> str:
        return subprocess.run(["make", "-n", "run", *arguments], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, check=True).stdout

    assert "-m pipeline run --strict" in dry_run("STRICT=1")
    assert "--strict" not in dry_run()
    assert "--strict" not in dry_run("STRICT=0")


def test_a_long_parse_reports_each_batch_with_its_rate_and_time_left():
    now = [100.0]
    lines: list[str] = []
    progress = BatchProgress("parsing", lines.append, clock=lambda: now[0])
    now[0] += 4.0
    progress(2000, 10000)
    now[0] += 16.0
    progress(10000, 10000)
    assert lines == [
        "parsing: 2,000 of 10,000 documents (20%), 500 documents/s, about 16 s left",
        "parsing: 10,000 of 10,000 documents (100%), 500 documents/s, done",
    ]
    assert [duration(45), duration(192), duration(3900)] == ["45 s", "3 min 12 s", "1 h 05 min"]


def test_a_parse_done_in_one_batch_reports_nothing_more_than_its_own_closing_line():
    lines: list[str] = []
    BatchProgress("parsing", lines.append)(5, 5)
    assert lines == []


def test_the_parser_calls_progress_after_each_committed_batch(tmp_path, monkeypatch):
    settings = settings_in(tmp_path)
    monkeypatch.setattr(incremental, "_BATCH_DOCUMENTS", 2)
    calls: list[tuple[int, int, int]] = []
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        ensure_tables(conn)
        stage_source_dir(conn, settings.source_dir, "run")

        def progress(done: int, total: int) -> None:
            committed = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            calls.append((done, total, committed))

        incremental.parse_changed_documents(conn, "run", settings.source_dir, progress=progress)
    assert calls == [(2, 5, 2), (4, 5, 4), (5, 5, 5)]
