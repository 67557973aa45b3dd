"""`python -m pipeline run [--strict] | sql | show NCT...`: see pipeline/cli/."""

from __future__ import annotations

import argparse
import os
import sys

from pipeline.orchestration.settings import TrialSettings

STRICT_VARIABLE = "TRIALS_STRICT"
_TRUE = {"1", "true", "yes", "on"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description="trialflow from the command line")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="materialize every asset headless and print the run's summary (make run)")
    run.add_argument("--strict", action="store_true",
                     help=f"exit 1 when there are ERROR findings (also {STRICT_VARIABLE}=1), for CI")
    commands.add_parser("sql", help="a DuckDB shell with a view per published table (make sql)")
    show = commands.add_parser("show", help="print one trial's card from the published tables")
    show.add_argument("nct_id", help="the trial's NCT id, for example NCT07203053")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = TrialSettings.from_environment()
    if args.command == "run":
        from pipeline.cli.run import quiet_framework_warnings, run_pipeline

        quiet_framework_warnings()
        import dagster as dg

        strict = args.strict or (os.environ.get(STRICT_VARIABLE) or "").strip().lower() in _TRUE
        with dg.DagsterInstance.get() as instance:
            return run_pipeline(settings, instance, strict=strict)

    from pipeline.cli.published import NotPublishedError, connect_published

    try:
        if args.command == "sql":
            from pipeline.cli.sql import sql_shell

            return sql_shell(settings.publish_dir)
        from pipeline.cli.card import UnknownTrialError, card_lines

        with connect_published(settings.publish_dir) as conn:
            try:
                print("\n".join(card_lines(conn, args.nct_id)))
            except UnknownTrialError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
        return 0
    except NotPublishedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
