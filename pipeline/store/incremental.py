"""Parsing only what changed, and replacing exactly those documents' rows.

A document is parsed again when its bytes changed, when the parsing code
changed (its `parser_version`), or when it was never parsed. Its old rows
in every per-document table are deleted and its new rows inserted in the
same transaction, so the warehouse never holds half of a document, and a
rerun on unchanged sources parses nothing and leaves every table identical.

What is parsed is always the staged bytes. Workers read them from the
source file when it still holds exactly those bytes (same size and
sha256), which spares the writing process from fetching every document
out of DuckDB and passing it across processes; a file that changed,
vanished or became a link since staging is parsed from the copy in
`raw_documents`, so reparsing never needs the source folder. Members of a
zip are always parsed from `raw_documents`: their names are no paths.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import stat
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.store.archives import in_archive
from pipeline.store.file_names import source_path
from pipeline.extract.parsing import (
    DEFAULT_TIME_BUDGET_SECONDS,
    DocumentResult,
    make_storable,
    parse_document,
    parser_version,
    refused_document,
)
from pipeline.store.scope import mark_pending
from pipeline.registry.tables import PARSED_FINDINGS, RAW_DOCUMENTS, Step, names, tables_with
from pipeline.store.warehouse import delete_where_in, insert_arrow, rows_to_arrow, transaction

# Every table that holds rows of one document, keyed by source_file.
PER_DOCUMENT_TABLES: tuple[str, ...] = names(tables_with(step=Step.PARSED))

_BATCH_DOCUMENTS = 2000
_CHUNK_DOCUMENTS = 50
_POOL_THRESHOLD = 200

PENDING_SQL = f"""
SELECT r.source_file, d.source_file IS NOT NULL AS parsed_before
FROM {RAW_DOCUMENTS.qualified_name} AS r
LEFT JOIN documents AS d USING (source_file)
WHERE d.source_file IS NULL OR d.sha256 <> r.sha256 OR d.parser_version IS DISTINCT FROM ?
ORDER BY r.source_file
"""

STAGED_SQL = f"""
SELECT source_file, sha256, bytes, refused
FROM {RAW_DOCUMENTS.qualified_name} WHERE source_file IN (SELECT unnest(?))
ORDER BY source_file
"""

CONTENT_SQL = f"""
SELECT source_file, content FROM {RAW_DOCUMENTS.qualified_name} WHERE source_file IN (SELECT unnest(?))
"""

REMOVED_SQL = f"""
SELECT d.source_file FROM documents AS d
ANTI JOIN {RAW_DOCUMENTS.qualified_name} AS r USING (source_file)
ORDER BY d.source_file
"""


def _read_unchanged(root: str, source_file: str, sha256: str, size: int) -> bytes | None:
    """The source file's bytes if it still holds what was staged, else None.

    The file is found from its stored name (escaped when not UTF-8) by the
    exact bytes of its path, opened without following a link and without
    blocking (it may have become a FIFO since staging), and read only while
    it is still a regular file of the staged size. Its bytes are used only
    when their hash matches the staged copy, so nothing but the staged bytes
    can reach the parser whatever happened to the folder since staging.
    """
    try:
        descriptor = os.open(source_path(root, source_file), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(descriptor, "rb") as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode) or status.st_size != size:
                return None
            content = handle.read(size + 1)
    except OSError:
        return None
    return content if len(content) == size and hashlib.sha256(content).hexdigest() == sha256 else None


@dataclass
class ParsedChunk:
    """A few documents parsed: what each became, and their rows as Arrow tables.

    Workers build the Arrow tables themselves, so what crosses back to the
    writing process is a few columnar buffers instead of thousands of dicts.
    `unread` holds the jobs whose source file no longer holds the staged
    bytes: the writing process parses those from `raw_documents`.
    """

    documents: list[dict[str, Any]]
    tables: dict[str, pa.Table]
    unread: list[tuple] = field(default_factory=list)


def _parse_chunk(jobs: list[tuple], run_id: str, root: str | None = None,
                 contents: dict[str, bytes] | None = None,
                 time_budget: float | None = DEFAULT_TIME_BUDGET_SECONDS) -> ParsedChunk:
    """Parse staged documents from `contents` where it holds them, else from their unchanged files under `root`."""
    results, unread = [], []
    for job in jobs:
        source_file, sha256, size, refused = job
        if refused is not None:
            results.append(refused_document(source_file, sha256, size, refused, run_id))
            continue
        content = contents.get(source_file) if contents is not None else None
        if content is None and root is not None:
            content = _read_unchanged(root, source_file, sha256, size)
        if content is None:
            unread.append(job)
            continue
        results.append(parse_document(source_file, bytes(content), sha256, run_id, time_budget))
    rows, tables = _arrow_tables(results)
    return ParsedChunk(rows["documents"], tables, unread)


def _arrow_tables(results: list[DocumentResult]) -> tuple[dict[str, list[dict[str, Any]]], dict[str, pa.Table]]:
    """The chunk's rows as Arrow tables, converted together.

    When some value does not fit its column (an integer beyond BIGINT, an
    unpaired surrogate), each document is checked on its own and only the
    ones at fault are repaired or quarantined, so one odd value never costs
    the chunk.
    """
    try:
        rows = _collect(results)
        return rows, {table: rows_to_arrow(table, rows[table]) for table in PER_DOCUMENT_TABLES}
    except (pa.ArrowException, UnicodeError, OverflowError, ValueError, TypeError):
        rows = _collect([make_storable(result) for result in results])
        return rows, {table: rows_to_arrow(table, rows[table]) for table in PER_DOCUMENT_TABLES}


def _staged_contents(conn: duckdb.DuckDBPyConnection, source_files: list[str]) -> dict[str, bytes]:
    return dict(conn.execute(CONTENT_SQL, [source_files]).fetchall())


def _with_unread_parsed(conn: duckdb.DuckDBPyConnection, chunks: list[ParsedChunk], run_id: str,
                        time_budget: float | None) -> list[ParsedChunk]:
    """The chunks plus one more: the few documents whose file changed since staging, parsed from their staged bytes."""
    unread = [job for chunk in chunks for job in chunk.unread]
    if not unread:
        return chunks
    contents = _staged_contents(conn, [job[0] for job in unread])
    return [*chunks, _parse_chunk(unread, run_id, contents=contents, time_budget=time_budget)]


def _end_with_run(run_alive: Connection) -> None:
    """Parser worker initializer: the worker ends as soon as the run's process does, however it ends.

    A worker's parent is the forkserver, not the run's process, and the
    forkserver lives on as long as any worker does: neither the parent-death
    signal (prctl PR_SET_PDEATHSIG) nor watching os.getppid() sees the run
    killed, and orphaned workers would parse on at full CPU. The run's
    process holds the only writing end of `run_alive`; the kernel closes it
    when that process dies, even by SIGKILL, and the read here returns.
    """

    def wait_for_run_end() -> None:
        try:
            run_alive.recv_bytes()
        except (EOFError, OSError):
            pass
        os._exit(1)

    threading.Thread(target=wait_for_run_end, name="end-with-run", daemon=True).start()


@contextmanager
def _parser_pool(pending: int) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes on every core when there is enough to parse to repay starting them.

    Parsing is pure Python and CPU-bound, so processes (not threads) use the
    cores; `forkserver` starts them clean instead of forking a process that
    runs Dagster's threads. Workers end with the run's process (`_end_with_run`).
    """
    workers = os.cpu_count() or 1
    if pending < _POOL_THRESHOLD or workers < 2:
        yield None
        return
    context = multiprocessing.get_context("forkserver")
    run_alive, run_alive_writer = context.Pipe(duplex=False)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                 initializer=_end_with_run, initargs=(run_alive,)) as pool:
            yield pool
    finally:
        run_alive_writer.close()
        run_alive.close()


@dataclass
class ParseSummary:
    """What a parse pass did, for the run's metadata and log."""

    parsed: list[str] = field(default_factory=list)
    quarantined: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    formats: Counter = field(default_factory=Counter)


def _collect(results: list[DocumentResult]) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in PER_DOCUMENT_TABLES}
    for result in results:
        rows["documents"].append(result.document)
        for table, table_rows in result.rows.items():
            rows[table].extend(table_rows)
        rows[PARSED_FINDINGS.name].extend(f.as_row() for f in result.findings)
    return rows


def _replace_rows(conn: duckdb.DuckDBPyConnection, source_files: list[str], chunks: list[ParsedChunk],
                  parsed_before: set[str]) -> None:
    """Swap the rows of `source_files`; only those parsed before can have rows to delete.

    A first build parses 100,000 documents that have no rows yet, and then
    skips twenty deletes per batch.
    """
    replaced = [f for f in source_files if f in parsed_before]
    mark_pending(conn, replaced)
    for table in PER_DOCUMENT_TABLES:
        delete_where_in(conn, table, "source_file", replaced)
        if chunks:
            insert_arrow(conn, table, pa.concat_tables([chunk.tables[table] for chunk in chunks]))
    mark_pending(conn, source_files)


def _record(summary: ParseSummary, document: dict[str, Any]) -> None:
    source_file = document["source_file"]
    summary.formats[document["format"] or "unknown"] += 1
    if document["status"] == "PARSED":
        summary.parsed.append(source_file)
    else:
        summary.quarantined[source_file] = document["error"]


def _chunks(staged: list[tuple]) -> list[list[tuple]]:
    return [staged[start : start + _CHUNK_DOCUMENTS] for start in range(0, len(staged), _CHUNK_DOCUMENTS)]


def _submitted(conn: duckdb.DuckDBPyConnection, batch: list[str], run_id: str, root: str | None,
               pool: ProcessPoolExecutor | None, time_budget: float | None) -> Iterable[ParsedChunk]:
    """A batch's chunks on their way through the parsers: read from the folder, or without one from DuckDB."""
    chunks = _chunks(conn.execute(STAGED_SQL, [batch]).fetchall())
    contents: list[dict[str, bytes] | None] = [None] * len(chunks)
    from_warehouse = batch if root is None else [source_file for source_file in batch if in_archive(source_file)]
    if from_warehouse:
        staged = _staged_contents(conn, from_warehouse)
        contents = [{job[0]: staged[job[0]] for job in chunk if job[0] in staged} for chunk in chunks]
    if pool is not None:
        return pool.map(_parse_chunk, chunks, itertools.repeat(run_id), itertools.repeat(root), contents,
                        itertools.repeat(time_budget))
    return (_parse_chunk(chunk, run_id, root, chunk_contents, time_budget)
            for chunk, chunk_contents in zip(chunks, contents))


def _parsed_batches(
    conn: duckdb.DuckDBPyConnection, pending: list[str], run_id: str, root: str | None,
    pool: ProcessPoolExecutor | None, time_budget: float | None,
) -> Iterator[tuple[list[str], list[ParsedChunk]]]:
    """Each batch of pending documents with its parsed chunks, the next batch parsing while this one is written.

    Only two batches are ever in flight, so memory holds two batches however
    many documents are pending.
    """
    in_flight: tuple[list[str], Iterable[ParsedChunk]] | None = None
    for start in range(0, len(pending), _BATCH_DOCUMENTS):
        batch = pending[start : start + _BATCH_DOCUMENTS]
        parsing = _submitted(conn, batch, run_id, root, pool, time_budget)
        if in_flight is not None:
            yield in_flight[0], _with_unread_parsed(conn, list(in_flight[1]), run_id, time_budget)
        in_flight = (batch, parsing)
    if in_flight is not None:
        yield in_flight[0], _with_unread_parsed(conn, list(in_flight[1]), run_id, time_budget)


def parse_changed_documents(
    conn: duckdb.DuckDBPyConnection, run_id: str, source_root: Path | None = None,
    time_budget: float | None = DEFAULT_TIME_BUDGET_SECONDS,
    progress: Callable[[int, int], None] | None = None,
) -> ParseSummary:
    """Parse every staged document that needs it and swap its rows, a batch per transaction.

    `source_root` is the folder that was staged: its files are read where
    they still hold the staged bytes. Without it, every document is parsed
    from `raw_documents`. A document that takes longer than `time_budget`
    seconds to read is quarantined, in whichever process reads it.

    Documents are read, parsed and written a batch at a time, and each batch
    commits on its own, so memory holds two batches (one parsing, one being
    written), not the corpus (DuckDB keeps a transaction's uncommitted rows in
    memory). Every document's rows
    change at once with its `documents` row, and the batch marks its trials
    pending in the same commit, so a run killed midway leaves committed
    documents that the next merge will pick up and the rest still pending
    a parse; the published tables change only in the merge step.

    `progress(done, total)` is called after each batch commits, so a caller
    can tell the user how far a long parse is (a registry-sized one takes minutes).
    """
    summary = ParseSummary()
    rows = conn.execute(PENDING_SQL, [parser_version()]).fetchall()
    pending = [source_file for source_file, _ in rows]
    parsed_before = {source_file for source_file, before in rows if before}
    done = 0
    with _parser_pool(len(pending)) as pool:
        root = str(source_root.resolve()) if source_root is not None else None
        for batch, chunks in _parsed_batches(conn, pending, run_id, root, pool, time_budget):
            for chunk in chunks:
                for document in chunk.documents:
                    _record(summary, document)
            with transaction(conn):
                _replace_rows(conn, batch, chunks, parsed_before)
            done += len(batch)
            if progress is not None:
                progress(done, len(pending))
    with transaction(conn):
        summary.removed = [row[0] for row in conn.execute(REMOVED_SQL).fetchall()]
        _replace_rows(conn, summary.removed, [], set(summary.removed))
    return summary
