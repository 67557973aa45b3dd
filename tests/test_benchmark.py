"""The benchmark produces its figures, and parsing on every core gives the same rows as one."""

from __future__ import annotations

import duckdb

from pipeline import incremental
from pipeline.bench.benchmark import format_figures, run_benchmark
from pipeline.staging import stage_source_dir
from pipeline.warehouse import ensure_tables, read_table
from tests.pipeline_helpers import settings_in


def test_a_small_benchmark_prints_every_figure(tmp_path, capsys):
    (figures,) = run_benchmark([100], tmp_path / "bench")
    assert figures.success and figures.documents == 100
    for value in (figures.seconds, figures.documents_per_second, figures.peak_rss_mib,
                  figures.floor_seconds, figures.ratio_to_floor, figures.one_change_seconds):
        assert value > 0
    assert 0 < figures.one_change_share
    printed = capsys.readouterr().out
    assert printed.startswith("documents | seconds | docs/s | peak RSS MiB")
    assert printed.strip().splitlines()[-1].startswith("100 | ")
    assert format_figures([figures]) == printed.strip()


def _parse_all(settings, conn) -> dict:
    ensure_tables(conn)
    stage_source_dir(conn, settings.source_dir, "run")
    incremental.parse_changed_documents(conn, "run")
    return {t: read_table(conn, t) for t in ("documents", "parsed_studies", "parsed_eligibility_criteria", "parsed_findings")}


def test_parsing_in_worker_processes_gives_the_same_rows(tmp_path, monkeypatch):
    settings = settings_in(tmp_path)
    serial = _parse_all(settings, duckdb.connect())
    monkeypatch.setattr(incremental, "_POOL_THRESHOLD", 0)
    pooled = _parse_all(settings, duckdb.connect())
    for table, rows in serial.items():
        assert pooled[table].equals(rows), table
    assert serial["documents"].num_rows == 5
