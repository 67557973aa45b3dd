"""One document's odd values cost that document at most: never the step, never another trial's rows.

Each case is a seed or a real registry record with one value a real scrape
could hold, dropped among the seeds and run through the whole graph.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest

from pipeline.extract import parsing
from pipeline.extract.document import Finding
from pipeline.quality import findings
from tests.conftest import PROJECT_ROOT, read_seed
from tests.pipeline_helpers import assert_survives, materialize_all, published, query, settings_in

JSON_RECORD = (PROJECT_ROOT / "tests/fixtures/ctgov_json/NCT02210780.json").read_text()


def _mirror_page(nct_id: str, **replacements: str) -> str:
    """Seed 000 as another trial, with some of its lines changed."""
    text = read_seed("000").replace("NCT07203053", nct_id)
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def isolation_run(tmp_path_factory):
    settings = settings_in(tmp_path_factory.mktemp("isolation"))
    source = settings.source_dir
    (source / "huge-enrollment.txt").write_text(
        _mirror_page("NCT90000001", **{"48 participants": "9223372036854775808 participants"}))
    (source / "comma-enrollment.txt").write_text(_mirror_page("NCT90000002", **{"48 participants": ","}))
    (source / "lone-surrogate.json").write_text(
        JSON_RECORD.replace('"NCT02210780"', '"NCT90000003"').replace('"COMPLETED"', '"COMPLETED"', 1)
        .replace('"briefTitle": "', '"briefTitle": "\\ud800 ', 1))
    # Two documents of one trial: the older one starts in 9999-12, a date whose month has no end in Python.
    (source / "far-future-old.txt").write_text(_mirror_page(
        "NCT90000004", **{"2026-05-31": "9999-12", "Last Updated: 2026-01-22": "Last Updated: 2025-01-22"}))
    (source / "far-future-new.txt").write_text(_mirror_page("NCT90000004"))
    result = materialize_all(settings)
    return settings, result


def test_the_run_publishes_every_trial_and_accounts_for_every_file(isolation_run):
    settings, result = isolation_run
    documents = assert_survives(settings, result)
    assert len(documents) == 5 + 5


def test_an_enrollment_beyond_bigint_is_left_null_with_a_finding(isolation_run):
    settings, _ = isolation_run
    assert query(settings, "SELECT enrollment FROM studies WHERE nct_id = 'NCT90000001'") == [(None,)]
    findings = query(settings, "SELECT severity, observed FROM quality_findings "
                               "WHERE nct_id = 'NCT90000001' AND field = 'enrollment'")
    assert ("WARNING", "9223372036854775808 participants") in findings


def test_an_enrollment_written_as_a_comma_is_not_a_number(isolation_run):
    settings, _ = isolation_run
    assert query(settings, "SELECT enrollment FROM studies WHERE nct_id = 'NCT90000002'") == [(None,)]
    assert query(settings, "SELECT observed FROM quality_findings "
                           "WHERE nct_id = 'NCT90000002' AND field = 'enrollment' AND category = 'parse'") == [(",",)]


def test_a_lone_surrogate_is_replaced_and_reported_not_fatal(isolation_run):
    settings, _ = isolation_run
    [(title,)] = query(settings, "SELECT brief_title FROM studies WHERE nct_id = 'NCT90000003'")
    assert title.startswith("\ufffd ")
    messages = query(settings, "SELECT message FROM quality_findings WHERE source_file = 'lone-surrogate.json' "
                               "AND message LIKE '%surrogate%'")
    assert len(messages) == 1


def test_a_date_at_the_end_of_the_calendar_is_compared_not_fatal(isolation_run):
    settings, _ = isolation_run
    assert query(settings, "SELECT start_date FROM studies WHERE nct_id = 'NCT90000004'")[0][0].isoformat() == "2026-05-31"
    conflicts = query(settings, "SELECT observed FROM quality_findings "
                                "WHERE nct_id = 'NCT90000004' AND category = 'duplicate_conflict' AND field = 'start_date'")
    assert len(conflicts) == 1 and "9999-12" in conflicts[0][0]


def _sleeping_layout(text: str):
    time.sleep(30)


def parse_with_a_hanging_layout(budget: float) -> dict:
    """Seed 000 parsed while layout detection hangs: the budget must stop it (also run in a worker process)."""
    parsing.detect_layout = _sleeping_layout
    data = read_seed("000").encode()
    return parsing.parse_document("hangs.txt", data, hashlib.sha256(data).hexdigest(), time_budget=budget).document


def test_a_document_that_outlasts_its_time_budget_is_quarantined(monkeypatch):
    monkeypatch.setattr(parsing, "detect_layout", _sleeping_layout)
    document = parse_with_a_hanging_layout(0.5)
    assert document["status"] == "QUARANTINED"
    assert document["error"].startswith("reading it took longer than its 0.5 s budget")


def test_the_time_budget_holds_inside_a_parser_worker():
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("forkserver")) as pool:
        document = pool.submit(parse_with_a_hanging_layout, 0.5).result(timeout=25)
    assert (document["status"], document["source_file"]) == ("QUARANTINED", "hangs.txt")
    assert "0.5 s budget" in document["error"]


def test_a_reader_bug_costs_its_document_only(monkeypatch):
    def broken(text: str):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(parsing, "build_study_row", lambda nct_id, fields: broken(""))
    data = read_seed("003").encode()
    result = parsing.parse_document("003.txt", data, hashlib.sha256(data).hexdigest())
    assert result.status == "QUARANTINED"
    assert result.document["error"] == "trialflow could not read it (ZeroDivisionError: division by zero)"
    assert result.rows == {} and [f.severity for f in result.findings] == ["ERROR"]
    assert result.findings[0].source_file == "003.txt"


def test_a_rule_that_breaks_on_one_trial_reports_that_trial_and_judges_the_others():
    def breaks_on_the_second(studies: pd.DataFrame) -> list[Finding]:
        if (studies["nct_id"] == "NCT00000002").any():
            raise OverflowError("date value out of range")
        return [Finding("check_date_order", "date_order", "WARNING", "judged", nct_id=n) for n in studies["nct_id"]]

    rule = findings._Rule(breaks_on_the_second, ("studies",), "nct_id", "check_date_order", "date_order")
    frame = pd.DataFrame({"nct_id": ["NCT00000001", "NCT00000002", "NCT00000003"]})
    judged = [(f.nct_id, f.severity, f.message) for f in findings._judged(rule, {"studies": frame})]
    assert judged == [
        ("NCT00000001", "WARNING", "judged"),
        ("NCT00000002", "ERROR", "breaks_on_the_second could not judge this trial "
                                 "(OverflowError: date value out of range); its values need a look"),
        ("NCT00000003", "WARNING", "judged"),
    ]


def test_an_article_stating_an_impossible_cohort_keeps_its_other_figures():
    text = read_seed("004").replace("(n = 30)", "(n = 99999999999999999999999)")
    result = parsing.parse_document("004.txt", text.encode(), hashlib.sha256(text.encode()).hexdigest())
    assert result.status == "PARSED"
    cohorts = {(row["cohort"], row["n"]) for row in result.rows["evidence_findings"]}
    assert cohorts == {("no prophylactic tocilizumab", None), ("all patients", 40), ("prophylactic tocilizumab", 10)}
