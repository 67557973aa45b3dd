"""`python -m pipeline run`: materialize every asset headless, then say what the run built.

It runs the same asset selection as `dagster asset materialize --select '*'`
did, on the instance in DAGSTER_HOME (so the UI lists the run and the
"duckdb" pool is shared with sensor and UI runs), with Dagster's log cut to
INFO lines on the terminal, and ends with the summary (pipeline/cli/summary.py).
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path
from typing import TextIO

import dagster as dg
import duckdb

from pipeline.cli.published import connect_published, read_manifest
from pipeline.cli.summary import CheckOutcome, RunOutcome, error_findings, summary_lines
from pipeline.cli.terminal import terminal_logger
from pipeline.definitions import build_definitions
from pipeline.orchestration.settings import TrialSettings

LOG_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def quiet_framework_warnings() -> None:
    """Beta, preview and deprecation notices are for the pipeline's developers, not for its users."""
    for category in (dg.BetaWarning, dg.PreviewWarning, dg.SupersessionWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=category)


def _check_outcomes(result: dg.ExecuteInProcessResult) -> list[CheckOutcome]:
    outcomes = []
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}.{evaluation.check_name}"
        outcomes.append(CheckOutcome(name, evaluation.passed, evaluation.severity.value))
    return sorted(outcomes, key=lambda check: check.name)


def _published_this_run(publish_dir: Path, run_id: str) -> bool:
    try:
        return read_manifest(publish_dir).get("run_id") == run_id
    except (OSError, ValueError, RuntimeError):
        return False


def _tables_of(settings: TrialSettings, published: bool) -> duckdb.DuckDBPyConnection:
    """What the summary reads: the publication this run wrote, else the warehouse it built."""
    if published:
        return connect_published(settings.publish_dir)
    return duckdb.connect(str(settings.warehouse), read_only=True)


def run_pipeline(settings: TrialSettings, instance: dg.DagsterInstance, strict: bool = False,
                 out: TextIO = sys.stdout) -> int:
    """Materialize everything, print the summary to `out`, and return the exit status.

    Findings are data: a run that built and published its tables exits 0
    whatever it found, unless `strict`, where any ERROR finding exits 1
    (for CI). A run that failed exits 1 either way.
    """
    job = build_definitions(settings).resolve_implicit_global_asset_job_def()
    job = job.with_logger_defs({"console": terminal_logger})
    started = time.monotonic()
    result = job.execute_in_process(
        instance=instance, raise_on_error=False, run_config=LOG_CONFIG,
        tags={"trialflow/trigger": "make run"},
    )
    published = _published_this_run(settings.publish_dir, result.run_id)
    outcome = RunOutcome(
        run_id=result.run_id, success=result.success, seconds=time.monotonic() - started,
        warehouse=settings.warehouse, publish_dir=settings.publish_dir,
        published_this_run=published, checks=_check_outcomes(result),
    )
    try:
        conn = _tables_of(settings, published)
    except (duckdb.Error, RuntimeError) as error:
        print(f"\nrun {result.run_id[:8]} {'succeeded' if result.success else 'FAILED'}; "
              f"no summary: {error}", file=out)
        return 0 if result.success and not strict else 1
    with conn:
        for line in summary_lines(conn, outcome):
            print(line, file=out)
        errors = error_findings(conn)
    if not result.success:
        return 1
    if strict and errors:
        print(f"STRICT: {errors} ERROR finding(s): exit status 1", file=out)
        return 1
    return 0
