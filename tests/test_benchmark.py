"""The benchmark produces its figures, and parsing on every core gives the same rows as one."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.store import incremental
from pipeline.bench import benchmark
from pipeline.bench.benchmark import format_figures, run_benchmark
from pipeline.store.staging import stage_source_dir
from pipeline.store.warehouse import ensure_tables, read_table
from tests.pipeline_helpers import settings_in


def test_a_small_benchmark_prints_every_figure_for_both_corpora(tmp_path, capsys):
    figures = run_benchmark([40], tmp_path / "bench")
    assert [(f.corpus, f.documents, f.success) for f in figures] == [("generated", 40, True), ("records", 40, True)]
    for f in figures:
        for value in (f.seconds, f.documents_per_second, f.peak_rss_mib,
                      f.floor_seconds, f.ratio_to_floor, f.one_change_seconds):
            assert value > 0
        assert 0 < f.one_change_share
    printed = capsys.readouterr().out
    assert printed.startswith("corpus | documents | seconds | docs/s | peak RSS MiB")
    assert [line.split(" | ")[:2] for line in printed.strip().splitlines()[2:]] == [["generated", "40"], ["records", "40"]]
    assert format_figures(figures) == printed.strip()
    assert not any((tmp_path / "bench").iterdir())  # each corpus and warehouse removed once measured


def test_an_unknown_corpus_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="unknown corpus registry: the corpora are generated, records"):
        run_benchmark([10], tmp_path / "bench", corpora=["records", "registry"])
    assert not (tmp_path / "bench").exists()


def test_a_failed_run_is_reported_with_the_end_of_its_log(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(benchmark, "_MATERIALIZE", "import sys; print('step published_parquet failed', file=sys.stderr); "
                                                   "sys.exit(3)")
    seconds, _, success = benchmark._materialize(tmp_path, tmp_path / "sources", "one-change")
    assert (seconds, success) == (0.0, False)
    assert capsys.readouterr().err == (
        f"one-change run FAILED (exit status 3); the end of {tmp_path / 'one-change.log'}:\n"
        "step published_parquet failed\n")


_TABLES = ("documents", "parsed_studies", "parsed_eligibility_criteria", "parsed_findings")


def _parse_all(settings, conn) -> dict:
    ensure_tables(conn)
    stage_source_dir(conn, settings.source_dir, "run")
    incremental.parse_changed_documents(conn, "run")
    return {t: read_table(conn, t) for t in _TABLES}


def test_parsing_in_worker_processes_gives_the_same_rows(tmp_path, monkeypatch):
    settings = settings_in(tmp_path)
    serial = _parse_all(settings, duckdb.connect())
    monkeypatch.setattr(incremental, "_POOL_THRESHOLD", 0)
    pooled = _parse_all(settings, duckdb.connect())
    for table, rows in serial.items():
        assert pooled[table].equals(rows), table
    assert serial["documents"].num_rows == 5


def _staged_then_edited(settings, conn, edit) -> dict:
    """Stage the seeds, `edit` the folder, then parse with the folder given: what the warehouse holds."""
    ensure_tables(conn)
    stage_source_dir(conn, settings.source_dir, "run")
    edit(settings.source_dir)
    incremental.parse_changed_documents(conn, "run", settings.source_dir)
    return {t: read_table(conn, t) for t in _TABLES}


def _spy_on_unread(monkeypatch) -> list[str]:
    """The documents the writing process had to parse from `raw_documents`, as the run goes."""
    unread: list[str] = []
    original = incremental._with_unread_parsed

    def spy(conn, chunks, run_id, time_budget):
        unread.extend(job[0] for chunk in chunks for job in chunk.unread)
        return original(conn, chunks, run_id, time_budget)

    monkeypatch.setattr(incremental, "_with_unread_parsed", spy)
    return unread


def test_a_file_changed_or_gone_after_staging_is_parsed_from_its_staged_bytes(tmp_path, monkeypatch):
    from tests.test_quality_pipeline import SEED_000, SEED_003

    def edit(folder):
        path = folder / SEED_003
        path.write_text(path.read_text(encoding="utf-8").replace("50 participants", "57 participants"), encoding="utf-8")
        (folder / SEED_000).unlink()

    staged = _parse_all(settings_in(tmp_path / "as staged"), duckdb.connect())
    unread = _spy_on_unread(monkeypatch)
    edited = _staged_then_edited(settings_in(tmp_path / "edited"), duckdb.connect(), edit)
    assert sorted(unread) == [SEED_000, SEED_003]
    for table, rows in staged.items():
        assert edited[table].equals(rows), table
    enrollment = {r["nct_id"]: r["enrollment"] for r in edited["parsed_studies"].to_pylist()}
    assert (enrollment["NCT06931145"], enrollment["NCT07203053"]) == (50, 48)


def test_parser_workers_read_unchanged_files_and_parse_the_same_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(incremental, "_POOL_THRESHOLD", 0)
    unread = _spy_on_unread(monkeypatch)
    from_folder = _staged_then_edited(settings_in(tmp_path / "folder"), duckdb.connect(), lambda folder: None)
    assert unread == []
    from_warehouse = _parse_all(settings_in(tmp_path / "warehouse"), duckdb.connect())
    for table, rows in from_warehouse.items():
        assert from_folder[table].equals(rows), table
