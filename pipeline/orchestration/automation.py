"""What starts runs without a person: a sensor on the source folder and a daily schedule.

The sensor keeps, as its cursor, a digest of the folder's listing (paths,
sizes, modification times). When the digest changes it asks for one run of
the whole graph; the assets themselves are incremental by content hash, so
that run re-reads only new or modified files, re-parses only documents whose
bytes changed, and removes the rows of deleted ones. The schedule asks for
the same run daily, so a change made while the sensor was off is caught; on
unchanged sources that run parses nothing and every table stays identical.
"""

from __future__ import annotations

import dagster as dg

from pipeline.store.file_names import loggable
from pipeline.orchestration.resources import TrialFolders
from pipeline.store.staging import fingerprint_source_dir

REFRESH_JOB = dg.define_asset_job(
    "refresh_trials",
    selection=dg.AssetSelection.all(),
    description="Stage, parse, check and publish whatever changed in the source folder.",
)

SENSOR_INTERVAL_SECONDS = 30


@dg.sensor(
    job=REFRESH_JOB,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a refresh when a file in the source folder is added, changed or removed.",
)
def source_folder_sensor(context: dg.SensorEvaluationContext, trial_folders: TrialFolders):
    folder = loggable(str(trial_folders.source_path))
    if not trial_folders.source_path.is_dir():
        return dg.SkipReason(f"source folder {folder} does not exist")
    try:
        digest, files = fingerprint_source_dir(trial_folders.source_path)
    except OSError as error:
        # Only the source folder itself can fail the listing (anything under
        # it is listed with its reason); the next tick tries again.
        return dg.SkipReason(f"source folder {folder} could not be listed: {loggable(error.strerror or str(error))}")
    if context.cursor == digest:
        return dg.SkipReason(f"no file added, changed or removed in {folder} ({files} files)")
    context.update_cursor(digest)
    context.log.info(f"{folder} changed ({files} files): requesting a refresh")
    return dg.RunRequest(run_key=digest, tags={"trialflow/trigger": "source_folder_sensor", "trialflow/files": str(files)})


def daily_refresh_schedule(cron: str) -> dg.ScheduleDefinition:
    """The catch-up refresh, at `cron` (TRIALS_REFRESH_CRON, daily at 06:00 by default)."""
    return dg.ScheduleDefinition(
        name="daily_refresh",
        job=REFRESH_JOB,
        cron_schedule=cron,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        tags={"trialflow/trigger": "daily_refresh"},
        description="Runs the same change detection as the sensor, in case a change was missed.",
    )
