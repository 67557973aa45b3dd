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

# The job Dagster builds of every asset and check, which the UI's
# "Materialize all" launches. The sensor and the schedule launch it too, so
# every refresh, whoever starts it, is one run of one job in one history; a
# job of their own would list the same runs under two names.
ASSET_JOB = "__ASSET_JOB"

SENSOR_INTERVAL_SECONDS = 30


@dg.sensor(
    job_name=ASSET_JOB,
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
        job_name=ASSET_JOB,
        cron_schedule=cron,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        tags={"trialflow/trigger": "daily_refresh"},
        description="Runs the same change detection as the sensor, in case a change was missed; "
        "the published tables are due fresh at each tick (their freshness policy).",
    )
