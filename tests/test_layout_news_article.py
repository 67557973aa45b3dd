"""The news-article layout, read from seed 004 and from small hand-written articles."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.extract.layouts import news_article
from tests.conftest import read_seed

CITATION = (
    "Joshi U, Ong F, Meltzer D, et al. Optimizing tarlatamab delivery in small cell and neuroendocrine lung "
    "cancer: real-world insights into step-up dosing and prophylactic tocilizumab use. Clin Lung Can. "
    "Published online December 5, 2025. https://www.clinical-lung-cancer.com/article/S1525-7304(25)00326-2/abstract"
)

SMALL_ARTICLE = """Skip to main content
News

Prophylaxis Lowers Toxicity With Tarlatamab in Small Cell Lung Cancer

Edited by

Key Clinical Takeaways:

  • Key Outcomes: CRS occurred in {takeaway}% of patients not receiving prophylactic tocilizumab.

This retrospective, multicenter study enrolled 40 patients with SCLC treated with tarlatamab. Among patients who did not receive prophylactic tocilizumab (n = 30), CRS occurred in {body}%.
{extra}

Source:

Doe J, Roe R, Poe S, et al. Tocilizumab before tarlatamab. J Thorac Oncol. Published online March 3, 2025. https://example.org/article
"""


def small_article(takeaway: str = "53.3", body: str = "53.3", extra: str = "") -> str:
    return SMALL_ARTICLE.format(takeaway=takeaway, body=body, extra=extra)


@pytest.fixture(scope="module")
def seed_doc():
    return news_article.parse(read_seed("004"))


@pytest.fixture(scope="module")
def evidence(seed_doc):
    (row,) = seed_doc.rows["evidence"]
    return row


def finding(doc, cohort: str, measure: str) -> dict:
    (row,) = [r for r in doc.rows["evidence_findings"] if r["cohort"] == cohort and r["measure"] == measure]
    return row


def test_format_name():
    assert news_article.FORMAT == "news_article"


def test_matches_the_news_seed():
    assert news_article.matches(read_seed("004"))


@pytest.mark.parametrize("number", ["000", "001", "002", "003"])
def test_does_not_match_registry_seeds(number):
    assert not news_article.matches(read_seed(number))


def test_does_not_match_prose_without_a_citation():
    prose = (
        "Quarterly Report on Hospital Parking Fees\n\n"
        "Parking revenue rose 12% this year, and 40% of visitors paid by card.\n\n"
        "Source:\n\nFinance office spreadsheet, internal.\n"
    )
    assert not news_article.matches(prose)
    assert not news_article.matches("Just a line of text with 50% in it.")
    assert not news_article.matches("")


def test_does_not_match_an_article_that_is_a_registry_record():
    assert not news_article.matches("NCT ID: NCT01234567\n\n" + read_seed("004"))


def test_produces_no_study(seed_doc):
    assert seed_doc.nct_id is None
    assert seed_doc.study == {}
    assert seed_doc.format == "news_article"


def test_evidence_title(evidence):
    assert evidence["title"] == (
        "Prophylactic Tocilizumab May Limit Tarlatamab Toxicities for High-Risk Patients With "
        "Extensive-Stage Small Cell and Neuroendocrine Lung Cancer"
    )


def test_evidence_citation_without_source_label(evidence):
    assert evidence["citation"] == CITATION


def test_evidence_journal_and_date(evidence):
    assert evidence["journal"] == "Clin Lung Can"
    assert evidence["published_date"] == dt.date(2025, 12, 5)


def test_evidence_drugs_in_order_of_first_mention(evidence):
    assert evidence["drugs"] == ["tarlatamab", "tocilizumab"]


def test_evidence_conditions_normalized(evidence):
    assert evidence["conditions"] == ["SCLC", "neuroendocrine carcinoma"]


def test_evidence_design_and_sample_size(evidence):
    assert evidence["design"] == "retrospective, single-center"
    assert evidence["sample_size"] == 40


def test_evidence_row_has_the_table_columns(evidence):
    assert set(evidence) == {
        "title", "citation", "journal", "published_date", "drugs", "conditions", "design", "sample_size",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("cohort", "n", "measure", "percent", "count"),
    [
        ("no prophylactic tocilizumab", 30, "CRS", 53.3, 16),
        ("no prophylactic tocilizumab", 30, "ICANS", 23.3, 7),
        ("no prophylactic tocilizumab", 30, "grade >=3 CRS", 10.0, 3),
        ("no prophylactic tocilizumab", 30, "grade >=3 ICANS", 10.0, 3),
        ("prophylactic tocilizumab", 10, "grade 2 CRS", 10.0, 1),
        ("prophylactic tocilizumab", 10, "ICANS", 0.0, 0),
        ("all patients", 40, "male", 55.0, 22),
        ("all patients", 40, "ECOG 0-1", 87.5, 35),
    ],
)
def test_seed_findings(seed_doc, cohort, n, measure, percent, count):
    assert finding(seed_doc, cohort, measure) == {
        "cohort": cohort, "n": n, "measure": measure, "percent": percent, "count": count,
    }  # fmt: skip


def test_seed_has_exactly_eight_findings_repeats_collapsed(seed_doc):
    # 53.3% CRS, 23.3% ICANS and the grade >= 3 figures are in the takeaways and the body.
    assert len(seed_doc.rows["evidence_findings"]) == 8


def test_seed_reads_without_findings(seed_doc):
    assert seed_doc.findings == []


def test_changed_percent_changes_the_count():
    doc = news_article.parse(small_article(takeaway="52.0", body="52.0"))
    assert doc.rows["evidence_findings"] == [
        {"cohort": "no prophylactic tocilizumab", "n": 30, "measure": "CRS", "percent": 52.0, "count": 16}
    ]


def test_equal_takeaway_and_body_figures_are_one_row():
    doc = news_article.parse(small_article(takeaway="53.3", body="53.3"))
    assert doc.rows["evidence_findings"] == [
        {"cohort": "no prophylactic tocilizumab", "n": 30, "measure": "CRS", "percent": 53.3, "count": 16}
    ]


def test_different_takeaway_and_body_figures_stay_two_rows():
    doc = news_article.parse(small_article(takeaway="53.3", body="52.0"))
    assert doc.rows["evidence_findings"] == [
        {"cohort": "no prophylactic tocilizumab", "n": 30, "measure": "CRS", "percent": 53.3, "count": 16},
        {"cohort": "no prophylactic tocilizumab", "n": 30, "measure": "CRS", "percent": 52.0, "count": 16},
    ]


def test_small_article_evidence():
    doc = news_article.parse(small_article())
    assert news_article.matches(small_article())
    (row,) = doc.rows["evidence"]
    assert row["title"] == "Prophylaxis Lowers Toxicity With Tarlatamab in Small Cell Lung Cancer"
    assert row["journal"] == "J Thorac Oncol"
    assert row["published_date"] == dt.date(2025, 3, 3)
    assert row["design"] == "retrospective, multicenter"
    assert row["sample_size"] == 40
    # The takeaway names tocilizumab before the body names tarlatamab; the headline does not count first.
    assert row["drugs"] == ["tocilizumab", "tarlatamab"]
    assert row["conditions"] == ["SCLC"]


def test_percentage_without_a_measure_is_reported():
    doc = news_article.parse(small_article(extra="Earlier response rates ranged from 10-30% in trials."))
    (info,) = doc.findings
    assert (info.category, info.severity, info.field) == ("parse", "INFO", "measure")
    assert "30%" in info.message
    assert len(doc.rows["evidence_findings"]) == 1


def test_percentage_without_cohort_or_sample_size_is_reported():
    text = small_article(extra="Overall, 60% were female.").replace("enrolled 40 patients", "enrolled patients")
    doc = news_article.parse(text)
    (info,) = doc.findings
    assert (info.category, info.severity, info.field) == ("parse", "INFO", "cohort")
    assert [r["measure"] for r in doc.rows["evidence_findings"]] == ["CRS"]


def test_percentage_without_a_cohort_describes_all_patients():
    doc = news_article.parse(small_article(extra="Overall, 60% were female."))
    assert finding(doc, "all patients", "female") == {
        "cohort": "all patients", "n": 40, "measure": "female", "percent": 60.0, "count": 24,
    }  # fmt: skip


def test_stated_count_needs_a_cohort():
    doc = news_article.parse(small_article(extra="Treatment discontinuation occurred in 3 patients."))
    assert [r["measure"] for r in doc.rows["evidence_findings"]] == ["CRS"]


def test_missing_source_is_a_warning_not_an_error():
    doc = news_article.parse("Some Headline About A Study\n\nCRS occurred in 20% of patients.\n")
    (row,) = doc.rows["evidence"]
    assert row["citation"] is None and row["journal"] is None and row["published_date"] is None
    assert [(f.severity, f.field) for f in doc.findings][0] == ("WARNING", "citation")


def test_empty_text_does_not_raise():
    doc = news_article.parse("")
    assert doc.rows["evidence"][0]["title"] is None
