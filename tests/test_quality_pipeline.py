"""Quality checks on the seeds and on faults made from them, through the real Dagster run."""

from __future__ import annotations

import dagster as dg
import pytest

from tests.pipeline_helpers import materialize_all, published, query, settings_in

SEED_000 = "000_d2c7a984589bc891.txt"
SEED_001 = "001_0e0bfe03180ab1a6.txt"
SEED_003 = "003_78907bef003bf639.txt"
SEED_004 = "004_05c86904299774e9.txt"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    settings = settings_in(tmp_path_factory.mktemp("quality"))
    result = materialize_all(settings)
    assert result.success
    return settings, result


def _findings(settings, **where) -> list[dict]:
    return [f for f in published(settings, "quality_findings") if all(f[k] == v for k, v in where.items())]


def _checks(result) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}


def _rewrite(settings, name: str, old: str, new: str) -> None:
    path = settings.source_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_001_swap_is_repaired_with_the_original_values_in_the_finding(seeded):
    settings, _ = seeded
    study = next(s for s in published(settings, "studies") if s["nct_id"] == "NCT06893783")
    assert (study["sex"], study["min_age_years"], study["max_age_years"]) == ("ALL", 19.0, None)
    (swap,) = _findings(settings, category="field_swap")
    assert (swap["nct_id"], swap["source_file"], swap["severity"]) == ("NCT06893783", SEED_001, "WARNING")
    assert swap["observed"] == "age_range='ALL'; sex='19 Years'"


def test_001_randomization_wording_is_flagged(seeded):
    settings, _ = seeded
    (finding,) = _findings(settings, category="consistency", nct_id="NCT06893783")
    assert "'Progression free survival (PFS)' is timed from randomization" in finding["message"]


def test_seed_findings_are_exactly_the_real_defects(seeded):
    settings, _ = seeded
    findings = sorted((f["nct_id"], f["category"], f["severity"]) for f in published(settings, "quality_findings"))
    assert findings == [
        ("NCT06893783", "consistency", "WARNING"),
        ("NCT06893783", "field_swap", "WARNING"),
        ("NCT07358676", "parse", "INFO"),
    ]
    assert not _findings(settings, source_file=SEED_004)


def test_the_checks_report_with_their_severities(seeded):
    _, result = seeded
    checks = _checks(result)
    assert checks[("studies", "schema")].passed
    assert checks[("studies", "date_order")].passed
    assert checks[("studies", "enrollment")].passed
    assert checks[("evidence_findings", "percentages")].passed
    swap = checks[("studies", "field_swap")]
    assert swap.passed and swap.metadata["repaired"].value == 1
    assert "19 Years" in swap.metadata["repairs"].value.records[0].data["message"]
    consistency = checks[("studies", "consistency")]
    assert (consistency.passed, consistency.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert checks[("documents", "readable")].passed
    assert checks[("dosing", "drug_names")].passed
    assert checks[("dosing", "dose_steps")].passed
    assert checks[("documents", "repeated_rows")].passed
    assert len(checks) == 28


def test_quality_summary_counts_findings_by_document(seeded):
    settings, _ = seeded
    summary = {(r["source_file"], r["category"], r["severity"]): r["findings"] for r in published(settings, "quality_summary")}
    assert summary == {
        (SEED_001, "consistency", "WARNING"): 1,
        (SEED_001, "field_swap", "WARNING"): 1,
        ("002_3119735172ec348a.txt", "parse", "INFO"): 1,
    }


def test_003_with_its_start_after_its_completion_is_a_date_order_error(tmp_path):
    settings = settings_in(tmp_path)
    _rewrite(settings, SEED_003, "Study Start Date\n\n2025-04-15", "Study Start Date\n\n2028-04-15")
    result = materialize_all(settings)
    assert result.success, "date order errors are reported, they do not block publishing"
    (finding,) = _findings(settings, category="date_order")
    assert (finding["nct_id"], finding["severity"]) == ("NCT06931145", "ERROR")
    assert finding["message"] == "completion date 2027-12-31 is before start date 2028-04-15"
    check = _checks(result)[("studies", "date_order")]
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.ERROR)


def test_000_with_zero_participants_is_an_enrollment_error(tmp_path):
    settings = settings_in(tmp_path)
    _rewrite(settings, SEED_000, "48 participants", "0 participants")
    materialize_all(settings)
    (finding,) = _findings(settings, category="enrollment")
    assert (finding["nct_id"], finding["severity"], finding["observed"]) == ("NCT07203053", "ERROR", "0")


def test_003_twice_with_different_enrollments_is_a_duplicate_conflict(tmp_path):
    settings = settings_in(tmp_path)
    text = (settings.source_dir / SEED_003).read_text(encoding="utf-8")
    (settings.source_dir / "003_newer.txt").write_text(
        text.replace("Last Updated: 2025-04-23", "Last Updated: 2025-05-30").replace("50 participants", "56 participants"),
        encoding="utf-8",
    )
    materialize_all(settings)
    (finding,) = _findings(settings, category="duplicate_conflict")
    assert (finding["field"], finding["source_file"]) == ("enrollment", SEED_003)
    assert finding["message"] == (f"NCT06931145 enrollment: 003_newer.txt says 56, {SEED_003} says 50; "
                                  "studies keeps 56 from 003_newer.txt, the most recently updated document")
    study = next(s for s in published(settings, "studies") if s["nct_id"] == "NCT06931145")
    assert (study["enrollment"], study["source_file"]) == (56, "003_newer.txt")


def test_004_with_a_percentage_that_is_no_whole_number_of_patients(tmp_path):
    settings = settings_in(tmp_path)
    path = settings.source_dir / SEED_004
    path.write_text(path.read_text(encoding="utf-8").replace("53.3%", "52.0%"), encoding="utf-8")
    materialize_all(settings)
    (finding,) = _findings(settings, category="consistency", source_file=SEED_004)
    assert finding["message"] == "CRS 52% of 30 (no prophylactic tocilizumab) is 15.60 patients, not a whole number"


def test_001_with_ages_and_sex_the_right_way_round_has_no_swap(tmp_path):
    settings = settings_in(tmp_path)
    _rewrite(settings, SEED_001, "Ages Eligible for Study:\nALL\nSexes Eligible for Study:\n19 Years",
             "Ages Eligible for Study:\n19 Years\nSexes Eligible for Study:\nALL")
    materialize_all(settings)
    assert _findings(settings, category="field_swap") == []
    study = next(s for s in published(settings, "studies") if s["nct_id"] == "NCT06893783")
    assert (study["sex"], study["min_age_years"]) == ("ALL", 19.0)


def test_a_condition_listed_twice_is_kept_once_and_does_not_block(tmp_path):
    """A repeat is a property of the document, never a reason to stop publishing every trial."""
    settings = settings_in(tmp_path)
    condition = "Extensive Stage Lung Small Cell Cancer\n"
    _rewrite(settings, SEED_000, condition, condition + "\n" + condition)
    result = materialize_all(settings)
    assert result.success
    conditions = [r["condition"] for r in published(settings, "conditions") if r["nct_id"] == "NCT07203053"]
    assert conditions == ["Extensive Stage Lung Small Cell Cancer"]
    (finding,) = _findings(settings, check_name="check_repeated_rows")
    assert (finding["source_file"], finding["severity"], finding["field"]) == (SEED_000, "INFO", "conditions")
    assert _checks(result)[("conditions", "schema")].passed


def _with_merge_defect(monkeypatch, table_name: str) -> None:
    """A defect of trialflow's own: the merge emits each of one table's rows twice."""
    from pipeline.build import merge

    real = merge.child_table_sql

    def doubled(table, scope="TRUE"):
        sql = real(table, scope)
        return f"SELECT * FROM ({sql}) UNION ALL SELECT * FROM ({sql})" if table.name == table_name else sql

    monkeypatch.setattr(merge, "child_table_sql", doubled)


def test_a_blocking_failure_leaves_the_published_parquet_untouched(tmp_path, monkeypatch):
    settings = settings_in(tmp_path)
    assert materialize_all(settings).success
    before = {p.name: p.read_bytes() for p in settings.publish_dir.iterdir()}
    _rewrite(settings, SEED_000, "48 participants", "49 participants")  # its trial is merged again
    _with_merge_defect(monkeypatch, "conditions")
    result = materialize_all(settings)
    assert not result.success
    check = _checks(result)[("conditions", "schema")]
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert {p.name: p.read_bytes() for p in settings.publish_dir.iterdir()} == before
    published_steps = [e for e in result.all_events if e.step_key == "published_parquet"]
    assert not [e for e in published_steps if e.event_type_value == "STEP_SUCCESS"]
    duplicates = query(settings, "SELECT source_file, message FROM quality_findings "
                                 "WHERE check_name = 'schema_conditions' AND severity = 'ERROR'")
    assert duplicates == [(SEED_000, "conditions holds more than one row for the key (nct_id, source_file, "
                                     f"position): NCT07203053, {SEED_000}, 1")]


def test_a_child_row_whose_trial_has_no_studies_row_blocks(tmp_path, monkeypatch):
    """Another defect of trialflow's own: studies loses a trial whose sites, criteria, ... are merged."""
    from pipeline.build import merge

    real = merge.studies_sql
    monkeypatch.setattr(merge, "studies_sql", lambda scope="TRUE": f"SELECT * FROM ({real(scope)}) "
                                                                      "WHERE nct_id <> 'NCT06931145'")
    settings = settings_in(tmp_path)
    result = materialize_all(settings)
    assert not result.success
    assert not settings.publish_dir.exists()
    check = _checks(result)[("sites", "schema")]
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.ERROR)
    orphans = query(settings, "SELECT check_name, severity, source_file, message FROM quality_findings "
                              "WHERE field = 'nct_id' AND nct_id = 'NCT06931145' ORDER BY check_name")
    assert [row[0] for row in orphans] == [
        "schema_arm_groups", "schema_conditions", "schema_contacts", "schema_dosing", "schema_eligibility_criteria",
        "schema_eligibility_thresholds", "schema_identifiers", "schema_interventions", "schema_sites",
        "schema_sponsors", "schema_study_sources",
    ]
    assert {row[1:3] for row in orphans} == {("ERROR", SEED_003)}
    assert f"sites holds 1 row(s) of NCT06931145 from {SEED_003} but studies has no row for NCT06931145" in (
        row[3] for row in orphans)


def test_a_blocking_failure_names_the_document_in_one_log_line():
    import pyarrow as pa

    from checks.factory import error_lines
    from pipeline.registry.checks import SCHEMA_CHECKS

    check = next(c for c in SCHEMA_CHECKS if c.asset == "conditions")
    findings = pa.table({
        "severity": ["ERROR", "WARNING", "ERROR"],
        "source_file": [SEED_000, SEED_000, SEED_001],
        "nct_id": ["NCT07203053", "NCT07203053", "NCT06893783"],
        "field": ["nct_id,source_file,position", "condition", "email"],
        "message": [f"conditions holds more than one row for the key (nct_id, source_file, position): "
                    f"NCT07203053, {SEED_000}, 1",
                    "a warning", "email 'x@' is not a well-formed email"],
    })
    assert error_lines(check, findings) == [
        f"conditions.schema: {SEED_000} (NCT07203053): conditions holds more than one row for the key "
        f"(nct_id, source_file, position): NCT07203053, {SEED_000}, 1",
        f"conditions.schema: {SEED_001} (NCT06893783): a contact's phone or email is malformed (see quality_findings)",
    ]


def test_the_quality_summary_panel_shows_the_documents_with_most_findings_first():
    import duckdb
    import pyarrow as pa

    from assets.metadata import quality_summary_metadata
    from pipeline.store.warehouse import ensure_tables, insert_arrow

    conn = duckdb.connect()
    ensure_tables(conn)
    files = [f"doc{i:02d}.txt" for i in range(30)]
    insert_arrow(conn, "quality_summary", pa.table({
        "source_file": files + ["doc07.txt"],
        "nct_id": ["NCT00000001"] * 31,
        "category": ["domain"] * 30 + ["parse"],
        "severity": ["WARNING"] * 30 + ["ERROR"],
        "findings": [1] * 29 + [4, 2],
    }))
    metadata = quality_summary_metadata(conn)
    assert metadata["documents_with_findings"].value == 30
    assert metadata["shown"].value.startswith("the 1 of 1 trials and 25 of 30 documents")
    rows = [r.data for r in metadata["documents_with_most_findings"].value.records]
    assert len(rows) == 25
    assert [(r["document"], r["nct_id"], r["errors"], r["warnings"], r["info"]) for r in rows[:2]] == [
        ("doc07.txt", "NCT00000001", 2, 1, 0), ("doc29.txt", "NCT00000001", 0, 4, 0)]
    by_category = [r.data for r in metadata["findings_by_category"].value.records]
    assert {"category": "domain", "severity": "WARNING", "findings": 33} in by_category


def test_a_run_lists_its_first_hundred_quarantined_documents_and_counts_them_all():
    from assets.metadata import document_list

    reasons = {f"bad{i:03d}.txt": f"reason {i}" for i in range(150)}
    metadata = document_list("quarantined", reasons)
    assert metadata["quarantined_count"].value == 150
    shown = metadata["quarantined"].value
    assert len(shown) == 100
    assert (next(iter(shown.items())), list(shown)[-1]) == (("bad000.txt", "reason 0"), "bad099.txt")
    assert document_list("removed", ["b.txt", "a.txt"])["removed"].value == ["a.txt", "b.txt"]


def test_findings_judged_in_many_small_buckets_are_the_findings_of_one(tmp_path, monkeypatch):
    """Bucketing bounds memory at registry scale; it must not lose, split or invent a finding."""
    import duckdb

    from pipeline.quality import findings as quality

    settings = settings_in(tmp_path)
    condition = "Extensive Stage Lung Small Cell Cancer\n"
    _rewrite(settings, SEED_000, condition, condition + "\n" + condition)
    text = (settings.source_dir / SEED_003).read_text(encoding="utf-8")
    (settings.source_dir / "003_newer.txt").write_text(
        text.replace("Last Updated: 2025-04-23", "Last Updated: 2025-05-30").replace("50 participants", "56 participants"),
        encoding="utf-8",
    )
    materialize_all(settings)

    def judged() -> list[dict]:
        with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
            rows = [f.as_row() for batch in quality.collect_findings(conn) for f in batch]
        return sorted(rows, key=lambda row: [str(value) for value in row.values()])

    whole = judged()
    monkeypatch.setattr(quality, "_BUCKET_ROWS", 3)
    assert judged() == whole
    categories = {(row["category"], row["severity"]) for row in whole}
    assert {("parse", "INFO"), ("duplicate_conflict", "WARNING"), ("field_swap", "WARNING")} <= categories
