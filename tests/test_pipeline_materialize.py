"""The Definitions materialized for real: seeds in a temp folder to DuckDB and Parquet."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pyarrow.parquet as pq
import pytest

from pipeline.registry.tables import CONTRACT_TABLES, PUBLISHED_TABLES
from tests.pipeline_helpers import materialize_all, published, query, settings_in


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    settings = settings_in(tmp_path_factory.mktemp("seeded"))
    result = materialize_all(settings)
    assert result.success
    return settings


def test_every_contract_table_is_published_with_its_manifest(seeded):
    assert {t.name for t in CONTRACT_TABLES} <= {t.name for t in PUBLISHED_TABLES}
    manifest = json.loads((seeded.publish_dir / "manifest.json").read_text())
    assert [entry["table"] for entry in manifest["tables"]] == [t.name for t in PUBLISHED_TABLES]
    for entry, table in zip(manifest["tables"], PUBLISHED_TABLES):
        path = seeded.publish_dir / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        parquet = pq.read_table(path)
        assert parquet.num_rows == entry["rows"]
        assert parquet.schema.names == table.column_names
    assert manifest["run_id"]


def test_studies_hold_the_four_trials_with_their_real_values(seeded):
    rows = {r["nct_id"]: r for r in published(seeded, "studies")}
    assert sorted(rows) == ["NCT06893783", "NCT06931145", "NCT07203053", "NCT07358676"]
    assert (rows["NCT07203053"]["phase"], rows["NCT07203053"]["enrollment"], rows["NCT07203053"]["start_date"]) == (
        "PHASE2", 48, dt.date(2026, 5, 31))
    assert (rows["NCT06893783"]["phase"], rows["NCT06893783"]["enrollment"], rows["NCT06893783"]["start_date"]) == (
        None, 60, dt.date(2025, 9, 2))
    assert (rows["NCT07358676"]["phase"], rows["NCT07358676"]["enrollment"], rows["NCT07358676"]["start_date"]) == (
        "PHASE2", 25, None)
    assert (rows["NCT06931145"]["phase"], rows["NCT06931145"]["enrollment"], rows["NCT06931145"]["start_date"]) == (
        "PHASE4", 50, dt.date(2025, 4, 15))
    assert rows["NCT06893783"]["sex"] == "ALL"
    assert rows["NCT06893783"]["min_age_years"] == 19
    assert rows["NCT06893783"]["last_verified_date_precision"] == "MONTH"


def test_warehouse_holds_the_same_tables_as_the_parquet(seeded):
    for table in CONTRACT_TABLES:
        (count,) = query(seeded, f'SELECT count(*) FROM "{table.name}"')[0]
        assert count == len(published(seeded, table.name)), table.name
    assert query(seeded, "SELECT nct_id, phase, enrollment, start_date FROM studies WHERE nct_id = ?", ["NCT06931145"]) == [
        ("NCT06931145", "PHASE4", 50, dt.date(2025, 4, 15))
    ]


def test_child_tables_count_the_seeds_rows(seeded):
    def count(table: str, nct_id: str) -> int:
        return query(seeded, f'SELECT count(*) FROM "{table}" WHERE nct_id = ?', [nct_id])[0][0]

    assert count("sites", "NCT07203053") == 19
    assert count("contacts", "NCT07203053") == 21
    assert count("officials", "NCT07203053") == 2
    assert count("interventions", "NCT07203053") == 1
    assert count("interventions", "NCT06931145") == 4
    assert count("eligibility_criteria", "NCT07358676") == 21
    assert count("eligibility_criteria", "NCT06931145") == 17
    assert count("outcomes", "NCT06893783") == 4
    assert count("conditions", "NCT07358676") == 2
    assert len(published(seeded, "evidence")) == 1
    assert len(published(seeded, "evidence_findings")) == 8


def test_documents_record_every_seed_as_parsed_with_its_hash(seeded):
    rows = {r["source_file"]: r for r in published(seeded, "documents")}
    assert len(rows) == 5
    assert {r["status"] for r in rows.values()} == {"PARSED"}
    assert {r["format"] for r in rows.values()} == {"mirror_page", "ctgov_text", "veeva_page", "news_article"}
    seed = seeded.source_dir / "001_0e0bfe03180ab1a6.txt"
    assert rows[seed.name]["sha256"] == hashlib.sha256(seed.read_bytes()).hexdigest()
    assert rows[seed.name]["bytes"] == seed.stat().st_size
    stored = query(seeded, "SELECT content FROM internal.raw_documents WHERE source_file = ?", [seed.name])[0][0]
    assert bytes(stored) == seed.read_bytes()


def test_a_rerun_on_unchanged_sources_gives_identical_tables(tmp_path):
    settings = settings_in(tmp_path)
    assert materialize_all(settings).success
    first = {t.name: pq.read_table(settings.publish_dir / f"{t.name}.parquet") for t in PUBLISHED_TABLES}
    parsed_by = query(settings, "SELECT source_file, parsed_run_id FROM documents ORDER BY 1")
    assert materialize_all(settings).success
    for table in PUBLISHED_TABLES:
        again = pq.read_table(settings.publish_dir / f"{table.name}.parquet")
        assert again.equals(first[table.name]), table.name
    assert query(settings, "SELECT source_file, parsed_run_id FROM documents ORDER BY 1") == parsed_by


def test_bad_files_are_quarantined_and_the_trials_still_parse(tmp_path):
    settings = settings_in(tmp_path)
    (settings.source_dir / "empty.txt").write_bytes(b"")
    (settings.source_dir / "scan.pdf").write_bytes(b"%PDF-1.7\x00\x01\x02\xff\xfe binary")
    (settings.source_dir / "notes").mkdir()
    (settings.source_dir / "notes" / "shopping.txt").write_text("Milk, eggs and bread.\nCall the plumber.\n")
    (settings.source_dir / ".hidden.txt").write_text("NCT ID: NCT00000000")
    assert materialize_all(settings).success
    rows = {r["source_file"]: r for r in published(settings, "documents")}
    assert len(rows) == 8
    assert rows["empty.txt"]["status"] == "QUARANTINED"
    assert "empty file" in rows["empty.txt"]["error"]
    assert rows["scan.pdf"]["status"] == "QUARANTINED"
    assert "binary" in rows["scan.pdf"]["error"]
    assert rows["notes/shopping.txt"]["status"] == "QUARANTINED"
    assert rows["notes/shopping.txt"]["error"] == "not a trial record: no NCT id and no known layout"
    assert len(published(settings, "studies")) == 4
    findings = [f for f in published(settings, "quality_findings") if f["category"] == "parse" and f["severity"] == "ERROR"]
    assert {f["source_file"] for f in findings} == {"empty.txt", "scan.pdf", "notes/shopping.txt"}


def test_a_trial_in_two_documents_is_one_study_with_both_sources(tmp_path):
    settings = settings_in(tmp_path)
    original = (settings.source_dir / "003_78907bef003bf639.txt").read_text()
    newer = original.replace("Last Updated: 2025-04-23", "Last Updated: 2025-06-01").replace(
        "50 participants", "60 participants")
    (settings.source_dir / "003_update.txt").write_text(newer)
    assert materialize_all(settings).success
    studies = [r for r in published(settings, "studies") if r["nct_id"] == "NCT06931145"]
    assert len(studies) == 1
    assert studies[0]["enrollment"] == 60
    assert studies[0]["source_file"] == "003_update.txt"
    assert studies[0]["source_files"] == ["003_update.txt", "003_78907bef003bf639.txt"]
    assert len([r for r in published(settings, "sites") if r["nct_id"] == "NCT06931145"]) == 1
    assert len([r for r in published(settings, "eligibility_criteria") if r["nct_id"] == "NCT06931145"]) == 17


def test_a_removed_document_leaves_every_table(tmp_path):
    settings = settings_in(tmp_path)
    assert materialize_all(settings).success
    (settings.source_dir / "000_d2c7a984589bc891.txt").unlink()
    assert materialize_all(settings).success
    assert "NCT07203053" not in {r["nct_id"] for r in published(settings, "studies")}
    assert not [r for r in published(settings, "sites") if r["nct_id"] == "NCT07203053"]
    assert len(published(settings, "documents")) == 4
