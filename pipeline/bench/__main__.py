"""Command line of the benchmark tools: `python -m pipeline.bench <command> ...`.

    python -m pipeline.bench generate N DIR [--seed S] [--fault-share F]
    python -m pipeline.bench run [--sizes 1000,10000,100000] [--corpora generated,records] [--workdir DIR]
    python -m pipeline.bench largest [--layout LAYOUT] [--limit BYTES]

Each command lives in its own `add_*_command(subcommands)` function that
registers its arguments and sets `handler`, the function that runs it and
returns the exit status; adding a command is one import and one call in
`build_parser`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline.bench.benchmark import CORPORA, run_benchmark
from pipeline.bench.generate import DEFAULT_FAULT_SHARE, FAULTS, GenerationSummary, generate_corpus
from pipeline.bench.largest import time_giants, timing_line
from pipeline.orchestration.settings import DEFAULT_MAX_DOCUMENT_BYTES


def _summary_lines(summary: GenerationSummary, seconds: float) -> list[str]:
    rate = summary.documents / seconds if seconds > 0 else float("inf")
    faulty = sum(summary.by_fault.values())
    return [
        f"wrote {summary.documents:,} documents to {summary.target} in {seconds:.1f} s ({rate:,.0f} documents/s)",
        "layouts: " + ", ".join(f"{layout} {count:,}" for layout, count in summary.by_layout.items()),
        f"faults: {faulty:,} (" + ", ".join(f"{fault} {summary.by_fault[fault]:,}" for fault in FAULTS) + ")",
        f"re-scrapes: {summary.rescrapes:,} (trials seen in two documents that disagree on the enrollment)",
        f"labels: {summary.labels}",
    ]


def _generate(arguments: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        summary = generate_corpus(arguments.count, arguments.target, arguments.seed, arguments.fault_share)
    except (FileExistsError, FileNotFoundError, ValueError) as error:
        print(f"generate: {error}", file=sys.stderr)
        return 2
    print("\n".join(_summary_lines(summary, time.perf_counter() - started)))
    return 0


def add_generate_command(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "generate",
        help="write a labelled corpus of varied trial documents",
        description=(
            "Write COUNT documents in every layout trialflow reads into DIR (in subfolders of at most "
            "1,000 files), varied from the project's seeds and ClinicalTrials.gov fixtures, with a known "
            "share of injected faults and of re-scrapes of an earlier trial. The labels (file, layout, nct_id, "
            "fault, rescrape_of) go beside DIR in "
            "<DIR name>.labels.csv. The same COUNT and seed give byte-identical files."
        ),
    )
    parser.add_argument("count", type=int, help="number of documents")
    parser.add_argument("target", type=Path, metavar="DIR", help="empty or new folder for the documents")
    parser.add_argument("--seed", type=int, default=0, help="variation seed (default 0)")
    parser.add_argument(
        "--fault-share",
        type=float,
        default=DEFAULT_FAULT_SHARE,
        help=f"share of documents with an injected fault (default {DEFAULT_FAULT_SHARE})",
    )
    parser.set_defaults(handler=_generate)


def _run(arguments: argparse.Namespace) -> int:
    sizes = [int(size) for size in arguments.sizes.split(",")]
    corpora = [corpus for corpus in arguments.corpora.split(",") if corpus]
    try:
        figures = run_benchmark(sizes, arguments.workdir, arguments.seed, arguments.keep, corpora)
    except ValueError as error:
        print(f"run: {error}", file=sys.stderr)
        return 2
    return 0 if all(f.success for f in figures) else 1


def add_run_command(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "run",
        help="measure end-to-end throughput, peak memory, the read floor and a one-document change",
        description=(
            "For each size and corpus (the generator's mix of every layout, and copies of real-sized "
            "ClinicalTrials.gov JSON records under fresh NCT ids): write the documents, read them with "
            "DuckDB's read_text (the floor), materialize every asset through the real Definitions in a "
            "child process (documents/s, peak RSS), change one document and materialize again. Prints the "
            "figures; never fails on time."
        ),
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated corpus sizes")
    parser.add_argument("--corpora", default=",".join(CORPORA),
                        help=f"comma-separated corpora (default {','.join(CORPORA)})")
    parser.add_argument("--workdir", type=Path, default=Path("data/bench"), help="scratch folder (default data/bench)")
    parser.add_argument("--seed", type=int, default=0, help="generation seed (default 0)")
    parser.add_argument("--keep", action="store_true", help="keep each size's corpus and warehouse")
    parser.set_defaults(handler=_run)


def _largest(arguments: argparse.Namespace) -> int:
    print(f"{'layout':<13} {'document':<28} {'size':>10} {'parse':>9}  status      detected as")
    timings = time_giants(arguments.limit, arguments.layout, lambda timing: print(timing_line(timing), flush=True))
    slowest = max(timings, key=lambda timing: timing.seconds)
    print(f"{len(timings)} documents; slowest: {slowest.layout} {slowest.kind}, {slowest.seconds:.2f} s")
    return 0


def add_largest_command(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "largest",
        help="time the parse of the largest and most hostile documents of every layout",
        description=(
            "Build, for every layout, documents up to the size limit: a seed or fixture with one criterion, "
            "arm description or summary grown, thousands of sites or paragraphs, and fields filled with runs "
            "of the characters the patterns are sensitive to. Parse each through parse_document without a "
            "time budget and print its size and seconds. Prints the figures; never fails on time."
        ),
    )
    parser.add_argument("--layout", help="only this layout's documents (default: every layout)")
    parser.add_argument("--limit", type=int, default=DEFAULT_MAX_DOCUMENT_BYTES,
                        help=f"largest document in bytes (default {DEFAULT_MAX_DOCUMENT_BYTES}, staging's limit)")
    parser.set_defaults(handler=_largest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description="trialflow benchmark tools")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="command")
    add_generate_command(subcommands)
    add_run_command(subcommands)
    add_largest_command(subcommands)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    return arguments.handler(arguments)


if __name__ == "__main__":
    sys.exit(main())
