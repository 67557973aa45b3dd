"""Documents built to make the readers slow are read like any other, with their real values.

Each case is a class of input that once took exponential or quadratic time:
comments before an XML root that is not there, a criterion list, an arm's
doses and a news article grown to hundreds of KiB. Nothing here is timed; a
reader that backtracks again would hang, and the alarm turns a hang into a
failure.
"""

from __future__ import annotations

import hashlib
import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.extract.formats import detect_layout
from pipeline.extract.layouts import ctgov_xml
from pipeline.extract.parsing import DocumentResult, parse_document
from pipeline.extract.free_text.thresholds import extract_thresholds
from tests.pipeline_helpers import assert_survives, materialize_all, settings_in

ROOT = Path(__file__).resolve().parents[1]
HANG_GUARD_SECONDS = 60
# 297 bytes: 40 empty comments, then a stray character before the root element.
COMMENTS_BEFORE_NO_ROOT = "<!---->" * 40 + "x<clinical_study>"
NOT_A_TRIAL = "not a trial record: no NCT id and no known layout"


@pytest.fixture(autouse=True)
def hang_guard() -> Iterator[None]:
    """A reader that hangs fails the test instead of stalling the suite."""

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError(f"still reading after {HANG_GUARD_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(HANG_GUARD_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _parsed(text: str) -> DocumentResult:
    data = text.encode("utf-8")
    return parse_document("giant.txt", data, hashlib.sha256(data).hexdigest(), time_budget=None)


def _news_seed() -> str:
    return (ROOT / "seeds" / "004_05c86904299774e9.txt").read_text(encoding="utf-8")


def _big_news_article() -> str:
    """The seed article with its body paragraphs repeated to about 600 KiB."""
    seed = _news_seed()
    paragraph = next(line for line in seed.splitlines() if line.startswith("The median patient age was"))
    return seed.replace(paragraph, "\n\n".join([paragraph] * (600_000 // len(paragraph))), 1)


def _json_record(change: dict[str, object]) -> str:
    record = json.loads((ROOT / "tests/fixtures/ctgov_json/NCT00184067.json").read_text(encoding="utf-8"))
    for path, value in change.items():
        *parents, key = path.split(".")
        target = record["protocolSection"]
        for parent in parents:
            target = target[parent] if not parent.isdigit() else target[int(parent)]
        target[key] = value
    return json.dumps(record)


def test_comments_before_a_missing_root_are_no_layout():
    assert len(COMMENTS_BEFORE_NO_ROOT.encode()) == 297
    assert detect_layout(COMMENTS_BEFORE_NO_ROOT) is None
    result = _parsed(COMMENTS_BEFORE_NO_ROOT)
    assert (result.status, result.document["error"]) == ("QUARANTINED", NOT_A_TRIAL)


@pytest.mark.parametrize("prolog", ["<!---->" * 200_000 + "x", "<!--" + "-" * 1_000_000, "<!-- a -- b -->" * 50_000 + " -->"])
def test_a_long_prolog_before_no_root_is_no_layout(prolog):
    assert detect_layout(prolog + "<clinical_study>") is None


def test_comments_before_the_root_still_open_an_xml_record():
    record = (ROOT / "tests/fixtures/ctgov_xml/NCT00002475.xml").read_text(encoding="utf-8")
    opening = record.index("<clinical_study")
    commented = record[:opening] + "<!-- a comment -->\n" * 50_000 + record[opening:]
    assert detect_layout(commented) is ctgov_xml
    result = _parsed(commented)
    assert (result.status, result.document["format"], result.document["nct_id"]) == ("PARSED", "ctgov_xml", "NCT00002475")


def test_a_600_kib_criteria_list_gives_every_criterion_and_the_thresholds_of_its_first_256_kib():
    criterion = "* Hemoglobin >= 9 g/dL and age 18 years or older\n"
    result = _parsed(_json_record({"eligibilityModule.eligibilityCriteria": "Inclusion Criteria:\n\n" + criterion * 12_000}))
    criteria = result.rows["parsed_eligibility_criteria"]
    thresholds = result.rows["parsed_eligibility_thresholds"]
    assert len(criteria) == 12_000
    assert {(row["criterion_type"], row["text"]) for row in criteria} == {("INCLUSION", criterion[2:-1])}
    # 256 KiB hold 5,698 whole criteria of 46 characters and the start of the next, "Hemoglobin >= 9 g/dL and age".
    assert (len(thresholds), max(row["criterion_ordinal"] for row in thresholds)) == (5_698 * 2 + 1, 5_699)
    assert {(row["analyte"], row["comparator"], row["value"], row["unit"]) for row in thresholds} == {
        ("HEMOGLOBIN", ">=", 9.0, "g/dL"), ("AGE", ">=", 18.0, "years")}
    assert [f.message for f in result.findings if f.severity == "WARNING"] == [
        "the criteria, descriptions and summaries hold 285 KiB beyond the 256 KiB read for doses and thresholds: "
        "that text is stored but not read for them"]


def test_a_600_kib_arm_description_gives_its_one_regimen():
    regimen = "Tarlatamab 10 mg IV on day 1 every 2 weeks, then 10 mg IV on day 8. "
    result = _parsed(_json_record({"armsInterventionsModule.armGroups.0.description": regimen * 9_000}))
    dosing = result.rows["parsed_dosing"]
    assert [(row["drug"], row["step"], row["dose_value"], row["dose_unit"], row["route"], row["timing"])
            for row in dosing] == [("tarlatamab", 1, 10.0, "mg", "IV", "D1 Q2W"), ("tarlatamab", 2, 10.0, "mg", "IV", "D8")]
    assert all(row["text"] == regimen.strip() for row in dosing)


def test_a_600_kib_news_article_reports_the_seed_figures_once():
    article = _big_news_article()
    seed, big = _parsed(_news_seed()), _parsed(article)
    assert len(article) > 600_000
    assert big.status == "PARSED"
    assert big.rows["evidence_findings"] == seed.rows["evidence_findings"]
    assert len(big.rows["evidence_findings"]) == 8
    assert big.rows["evidence"][0]["title"] == seed.rows["evidence"][0]["title"]
    assert [f.message for f in big.findings if f.severity == "WARNING" and "KiB" in f.message] == [
        "the article runs to 584 KiB; figures were read from its first 256 KiB only"]


def test_a_hostile_xml_prolog_and_a_big_article_among_the_seeds(tmp_path):
    settings = settings_in(tmp_path)
    (settings.source_dir / "comments.xml").write_text(COMMENTS_BEFORE_NO_ROOT)
    (settings.source_dir / "big-article.txt").write_text(_big_news_article())
    documents = assert_survives(settings, materialize_all(settings))
    assert (documents["comments.xml"]["status"], documents["comments.xml"]["error"]) == ("QUARANTINED", NOT_A_TRIAL)
    assert (documents["big-article.txt"]["status"], documents["big-article.txt"]["format"]) == ("PARSED", "news_article")


@pytest.mark.parametrize("between, thresholds", [
    (" " * 60 + "x ", []),
    (" " * 60, [("HEMOGLOBIN", ">=", 9.0, "g/dL")]),
])
def test_a_run_of_spaces_between_an_analyte_and_its_value(between, thresholds):
    """The words allowed between a name and its value once tried every split of a run of spaces."""
    rows = extract_thresholds([{"criterion_type": "INCLUSION", "ordinal": 1, "text": f"Hemoglobin{between}>= 9 g/dL"}])
    assert [(row["analyte"], row["comparator"], row["value"], row["unit"]) for row in rows] == thresholds
