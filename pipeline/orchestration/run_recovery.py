"""Freeing what a killed run left held in the Dagster instance, so later runs do not wait for it forever.

Every step that opens the warehouse is in the "duckdb" pool, which runs one
op at a time across all runs (dagster.yaml). A run's process frees its slot
as each step ends; a process killed mid-step (SIGKILL, the OOM killer, a
machine switched off) frees nothing: its run stays STARTED in the instance,
keeps its slot, and every later run waits for that slot forever.

Dagster's run monitoring cannot tell that such a run died: its daemon asks
the run launcher whether a run's worker is healthy, which the default launcher
(`dagster dev`) cannot answer, a run started in process by `dagster asset
materialize` has no launcher, and `make run` has no daemon at all. So each
run looks itself, before it claims a slot and again while it waits for one,
for runs whose process is gone: marks them failed and frees their slots.

A run's process is the one that emitted its RUN_START event: Dagster records
its pid there. It is gone when no process has that pid, when the process is
a zombie, or when the process with that pid started after the run did (the
pid was reused, as after a reboot). A run whose process may still be running,
or cannot be known, is never touched. The instance is SQLite files in
DAGSTER_HOME, so its runs run on this machine and their pids mean something here.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

_UNFINISHED = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]

# /proc/stat gives the boot time in whole seconds, so a run's own process can
# seem to have started up to a second later than it did.
_BOOT_TIME_SLACK_SECONDS = 1.0

# Dagster tries a blocked slot again at most every 15 seconds.
_RECHECK_SECONDS = 10.0


@dataclass(frozen=True)
class DeadRun:
    """A run whose process ended without finishing it, and the pool places it held."""

    run_id: str
    status: str
    pid: int
    pool_places: tuple[str, ...]
    marked_failed: bool

    def describe(self) -> str:
        done = ["marked it failed"] if self.marked_failed else []
        if self.pool_places:
            done.append(f"freed its pool places: {', '.join(self.pool_places)}")
        return f"run {self.run_id} ({self.status}) outlived its process {self.pid}: {'; '.join(done)}"


def _proc_state(pid: int) -> tuple[str, float] | None:
    """The process's state letter and start time, or None where /proc does not tell (not Linux, gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        # proc(5) fields 3 and 22: the state, and the start in clock ticks after boot.
        return fields[0], boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, StopIteration):
        return None


def process_is_running(pid: int, run_started_at: float) -> bool:
    """Whether the process that started a run at `run_started_at` may still be running as `pid`.

    Answers True whenever unsure, so a live run is never taken for dead.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    state = _proc_state(pid)
    if state is None:
        return True
    letter, started_at = state
    return letter != "Z" and started_at <= run_started_at + _BOOT_TIME_SLACK_SECONDS


def _run_process(instance: dg.DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """The pid of the process that started the run, and when, from its latest RUN_START event."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_START,
                                           limit=1, ascending=False).records
    if not records:
        return None
    entry = records[0].event_log_entry
    pid = entry.dagster_event.pid if entry.dagster_event is not None else None
    return (pid, entry.timestamp) if pid else None


def _pool_places(instance: dg.DagsterInstance) -> dict[str, set[str]]:
    """Every run holding a pool slot or waiting in a pool's queue, with "pool (step)" for each place."""
    storage = instance.event_log_storage
    places: dict[str, set[str]] = defaultdict(set)
    if not storage.supports_global_concurrency_limits:
        return places
    for pool in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(pool)
        for held in [*info.claimed_slots, *info.pending_steps]:
            places[held.run_id].add(f"{pool} ({held.step_key})")
    return places


def free_dead_runs(instance: dg.DagsterInstance, current_run_id: str) -> list[DeadRun]:
    """Mark failed every unfinished run whose process is gone, and free every pool place such runs hold.

    A finished run still holding a slot is freed only once its process is
    gone too: Dagster's daemon frees the rest after
    `free_slots_after_run_end_seconds`.
    """
    places = _pool_places(instance)
    unfinished = {record.dagster_run.run_id for record in
                  instance.get_run_records(filters=dg.RunsFilter(statuses=_UNFINISHED))}
    dead = []
    for run_id in sorted((places.keys() | unfinished) - {current_run_id}):
        process = _run_process(instance, run_id)
        if process is None or process_is_running(*process):
            continue
        run = instance.get_run_by_id(run_id)
        if run is None:
            continue
        found = DeadRun(run_id, run.status.value, process[0], tuple(sorted(places.get(run_id, ()))),
                        marked_failed=not run.is_finished)
        if found.marked_failed:
            instance.report_run_failed(
                run, f"the run's process {process[0]} ended without finishing it (killed?); "
                     f"run {current_run_id} marked it failed and freed its pool slots")
        if run_id in places:
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
        dead.append(found)
    return dead


class DeadRunWatch:
    """Frees dead runs now, then every `interval` seconds in a thread until stopped, logging each one.

    The first pass happens before this run claims any slot; the later ones
    free a run that dies while this one waits for its slot.
    """

    def __init__(self, instance: dg.DagsterInstance, run_id: str, log: logging.Logger,
                 interval: float = _RECHECK_SECONDS) -> None:
        self._instance, self._run_id, self._log, self._interval = instance, run_id, log, interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="dead-run-watch", daemon=True)

    def start(self) -> None:
        self._free_once()
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()

    def _watch(self) -> None:
        while not self._stopped.wait(self._interval):
            self._free_once()

    def _free_once(self) -> None:
        # Freeing is a repair: when the instance cannot be read, this run
        # goes on as it would have without it, and says so.
        try:
            for run in free_dead_runs(self._instance, self._run_id):
                self._log.warning(run.describe())
        except Exception as error:
            self._log.warning(f"could not look for killed runs holding pool slots: {error!r}")
