"""`make sql`: a DuckDB shell over the published tables, one view per table.

Typed at a terminal it is a small shell (statements end with ";", `.tables`
lists the views, `.quit` or Ctrl-D leaves); piped (`echo "select ..." | make
sql`) it runs every statement it reads and prints each result, so scripts
and tests drive it the same way. It uses the duckdb module the project
already pins rather than a second DuckDB build of another version.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import duckdb

from pipeline.cli.published import connect_published

PROMPT = "trials> "
CONTINUATION = "   ...> "
MAX_ROWS = 200


def run_statements(conn: duckdb.DuckDBPyConnection, sql: str, err: TextIO) -> bool:
    """Run every statement of `sql` in order, printing each result to stdout; False when one failed.

    A failed statement is reported and the next ones still run, as in
    DuckDB's own shell.
    """
    try:
        statements = conn.extract_statements(sql)
    except duckdb.Error as error:
        print(f"error: {error}", file=err)
        return False
    ok = True
    for statement in statements:
        try:
            relation = conn.sql(statement.query)
        except duckdb.Error as error:
            print(f"error: {error}", file=err)
            ok = False
            continue
        if relation is not None:
            relation.show(max_rows=MAX_ROWS)
    return ok


def _tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()]


def _interactive(conn: duckdb.DuckDBPyConnection, publish_dir: Path) -> int:
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:
        pass
    print(f"published tables in {publish_dir}: {', '.join(_tables(conn))}")
    print('end statements with ";"; .tables lists the tables; .quit or Ctrl-D leaves')
    pending: list[str] = []
    while True:
        try:
            line = input(CONTINUATION if pending else PROMPT)
        except EOFError:
            print()
            return 0
        except KeyboardInterrupt:
            print()
            pending = []
            continue
        command = line.strip()
        if not pending and command in {".quit", ".exit"}:
            return 0
        if not pending and command == ".tables":
            print("\n".join(_tables(conn)))
            continue
        pending.append(line)
        if command.endswith(";"):
            run_statements(conn, "\n".join(pending), sys.stderr)
            pending = []


def sql_shell(publish_dir: Path, stdin: TextIO = sys.stdin, err: TextIO = sys.stderr) -> int:
    """The shell's exit status: 1 when a piped statement failed, else 0."""
    with connect_published(publish_dir) as conn:
        if stdin.isatty():
            return _interactive(conn, publish_dir)
        return 0 if run_statements(conn, stdin.read(), err) else 1
