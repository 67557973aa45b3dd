"""The benchmark: real Dagster materializations over two corpora, and the machine's floor.

The corpora are the generator's mix of every layout (`generated`) and copies
of real ClinicalTrials.gov API v2 records (`records`, about 75 KB each, the
bulk export's documents): short pages and long records cost the extractors
differently. For each corpus and size it prints documents per second end to
end (staging, parsing, merging, checking, publishing, through the real
Definitions), the peak
memory of the processes that ran it (the run and its parser workers), the
same machine's floor measured in the same run (DuckDB reading the same
files with `read_text`), and the cost of a rerun after one document
changed. It never fails on time: it reports.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from pipeline.bench.generate import add_one_participant, generate_corpus, labels_path
from pipeline.bench.records import generate_records

# Each corpus's writer: (count, folder, seed) -> documents written, labels beside the folder.
CORPORA: dict[str, Callable[[int, Path, int], object]] = {
    "generated": lambda count, target, seed: generate_corpus(count, target, seed=seed),
    "records": generate_records,
}

# Run in a child process so its peak memory is its own.
_MATERIALIZE = """
import json, sys, time
from pathlib import Path
import dagster as dg
from pipeline.definitions import build_definitions
from pipeline.orchestration.settings import TrialSettings

folder = Path(sys.argv[1])
settings = TrialSettings(Path(sys.argv[2]), folder / "warehouse.duckdb", folder / "published")
job = build_definitions(settings).resolve_implicit_global_asset_job_def()
instance = dg.DagsterInstance.ephemeral()  # a deployment has its instance already: not part of the run
started = time.perf_counter()
result = job.execute_in_process(instance=instance, raise_on_error=False)
print(json.dumps({"seconds": time.perf_counter() - started, "success": result.success}))
"""


@dataclass
class Figures:
    corpus: str
    documents: int
    seconds: float
    documents_per_second: float
    peak_rss_mib: float
    floor_seconds: float
    floor_documents_per_second: float
    ratio_to_floor: float
    one_change_seconds: float
    one_change_share: float
    success: bool


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(child) for task in tasks for child in (task / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def _tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants (the parser workers), in MiB."""
    total_kib, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total_kib += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        pending.extend(_children(current))
    return total_kib / 1024


class _PeakSampler(threading.Thread):
    """Samples a process tree's total RSS a few times a second and keeps the peak.

    `ru_maxrss` only knows one process; the parser workers are others, and
    their memory counts against the machine just the same.
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_mib = pid, interval, 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.peak_mib = max(self.peak_mib, _tree_rss_mib(self.pid))


_SHOWN_LOG_LINES = 30


def _materialize(folder: Path, source: Path, name: str) -> tuple[float, float, bool]:
    """(seconds inside the run, peak RSS of its process tree in MiB, success) of one materialization.

    The run's log goes to `<folder>/<name>.log`; a failed run prints its end,
    since the folder is removed once measured.
    """
    log = folder / f"{name}.log"
    with log.open("wb") as log_file:
        child = subprocess.Popen(
            [sys.executable, "-c", _MATERIALIZE, str(folder), str(source)],
            stdout=subprocess.PIPE,
            stderr=log_file,
            env={**os.environ, "DAGSTER_HOME": str(folder)},
        )
    sampler = _PeakSampler(child.pid)
    sampler.start()
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    sampler.stopped.set()
    sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    lines = output.decode().strip().splitlines()
    report = json.loads(lines[-1]) if lines else {"seconds": 0.0, "success": False}
    peak = max(sampler.peak_mib, usage.ru_maxrss / 1024)
    success = report["success"] and child.returncode == 0
    if not success:
        shown = log.read_text(encoding="utf-8", errors="replace").splitlines()[-_SHOWN_LOG_LINES:]
        print(f"{name} run FAILED (exit status {child.returncode}); the end of {log}:", *shown,
              sep="\n", file=sys.stderr, flush=True)
    return report["seconds"], peak, success


def read_floor(source: Path) -> float:
    """Seconds for DuckDB to read every file of the corpus as text: the machine's floor."""
    started = time.perf_counter()
    with duckdb.connect() as conn:
        conn.execute("SELECT count(*), sum(length(content)) FROM read_text(?)", [str(source / "**" / "*")]).fetchall()
    return time.perf_counter() - started


def _change_one_document(source: Path) -> str:
    """Add one participant to the first clean document that states an enrollment; returns its file."""
    with labels_path(source).open(encoding="utf-8", newline="") as handle:
        for label in csv.DictReader(handle):
            path = source / label["file"]
            changed = None if label["fault"] else add_one_participant(path.read_text(encoding="utf-8"), label["layout"])
            if changed is not None:
                path.write_text(changed, encoding="utf-8")
                return label["file"]
    raise ValueError(f"no document of {source} states an enrollment to change")


def measure(size: int, workdir: Path, seed: int = 0, corpus: str = "generated") -> Figures:
    """Write `size` documents of `corpus`, build them, rebuild after one change, and read the floor."""
    folder = workdir / f"bench-{corpus}-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    source = folder / "sources"
    CORPORA[corpus](size, source, seed)
    floor = read_floor(source)
    seconds, peak, success = _materialize(folder, source, "first")
    _change_one_document(source)
    one_change, _, changed_ok = _materialize(folder, source, "one-change")
    return Figures(
        corpus=corpus,
        documents=size,
        seconds=round(seconds, 2),
        documents_per_second=round(size / seconds, 1),
        peak_rss_mib=round(peak, 1),
        floor_seconds=round(floor, 3),
        floor_documents_per_second=round(size / floor, 1),
        ratio_to_floor=round(seconds / floor, 1),
        one_change_seconds=round(one_change, 2),
        one_change_share=round(one_change / seconds, 4),
        success=success and changed_ok,
    )


def format_figures(figures: list[Figures]) -> str:
    header = ("corpus", "documents", "seconds", "docs/s", "peak RSS MiB", "floor docs/s", "x floor", "1-change s",
              "1-change share")
    lines = [" | ".join(header), " | ".join("---" for _ in header)]
    for f in figures:
        lines.append(
            f"{f.corpus} | {f.documents:,} | {f.seconds:.1f} | {f.documents_per_second:,.0f} | "
            f"{f.peak_rss_mib:,.0f} | "
            f"{f.floor_documents_per_second:,.0f} | {f.ratio_to_floor:.1f} | {f.one_change_seconds:.1f} | "
            f"{f.one_change_share:.1%}" + ("" if f.success else " | RUN FAILED")
        )
    return "\n".join(lines)


def run_benchmark(sizes: list[int], workdir: Path, seed: int = 0, keep: bool = False,
                  corpora: Sequence[str] = tuple(CORPORA)) -> list[Figures]:
    """Measure each size of each corpus in turn, printing each line as it is measured."""
    unknown = sorted(set(corpora) - set(CORPORA))
    if unknown:
        raise ValueError(f"unknown corpus {', '.join(unknown)}: the corpora are {', '.join(CORPORA)}")
    workdir.mkdir(parents=True, exist_ok=True)
    figures = []
    for size in sizes:
        for corpus in corpora:
            print(f"measuring {size:,} documents of {corpus} ...", file=sys.stderr, flush=True)
            figures.append(measure(size, workdir, seed, corpus))
            print(json.dumps(asdict(figures[-1])), file=sys.stderr, flush=True)
            if not keep:
                shutil.rmtree(workdir / f"bench-{corpus}-{size}", ignore_errors=True)
    print(format_figures(figures))
    return figures
