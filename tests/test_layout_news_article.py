"""The news-article layout, read from seed 004 and from small hand-written articles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pipeline.extract.layouts import news_article
from pipeline.quality import rules
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


# --- articles of the site beyond the seed (tests/fixtures/news/, written from published trials) -------------

NEWS = Path(__file__).parent / "fixtures" / "news"
NEJM = "The New England Journal of Medicine"

ARTICLES = {
    "sotorasib_codebreak100.txt": {
        "citation": "The findings were presented at the IASLC 2020 World Conference on Lung Cancer and published in "
                    "The New England Journal of Medicine.",
        "journal": NEJM, "published_date": None, "design": "single-arm", "sample_size": 126,
        "drugs": ["sotorasib"], "conditions": ["NSCLC"],
        "findings": [
            ("evaluable patients", 124, "objective response rate", 37.1, 46),
            ("all patients", 126, "disease control", 80.6, 100),
            ("evaluable patients", 124, "complete response", 2.4, 3),
            ("evaluable patients", 124, "partial response", 34.7, 43),
            ("all patients", 126, "treatment-related adverse events", 69.8, 88),
            ("all patients", 126, "grade 3 treatment-related events", 19.8, 25),
        ],
    },
    "trastuzumab_deruxtecan_destiny_breast03.txt": {
        "citation": "Cortés J, Kim SB, Chung WP, et al. Trastuzumab deruxtecan versus trastuzumab emtansine for breast "
                    "cancer. N Engl J Med. 2022;386(12):1143-1154.",
        "journal": "N Engl J Med", "published_date": dt.date(2022, 1, 1), "design": "randomized, open-label",
        "sample_size": 524, "drugs": ["trastuzumab deruxtecan", "trastuzumab emtansine", "trastuzumab"],
        "conditions": ["breast cancer"],
        "findings": [
            ("trastuzumab deruxtecan", 261, "alive without progression", 75.8, 198),
            ("trastuzumab emtansine", 263, "alive without progression", 34.1, 90),
            ("trastuzumab deruxtecan", 261, "objective response", 79.7, 208),
            ("trastuzumab emtansine", 263, "objective response", 34.2, 90),
            ("trastuzumab deruxtecan", 257, "drug-related interstitial lung disease", 10.5, 27),
            ("trastuzumab deruxtecan", 261, "grade 4 or 5", 0.0, 0),
        ],
    },
    "axicabtagene_zuma1.txt": {
        "citation": "A single infusion of the anti-CD19 CAR T-cell therapy axicabtagene ciloleucel led to durable "
                    "responses in patients with refractory large B-cell lymphoma, according to the multicenter, phase 2 "
                    "ZUMA-1 trial published in The New England Journal of Medicine.",
        "journal": NEJM, "published_date": None, "design": None, "sample_size": 111,
        "drugs": ["axicabtagene ciloleucel", "cyclophosphamide"], "conditions": ["lymphoma"],
        "findings": [
            ("axicabtagene ciloleucel", 101, "objective response rate", 82.0, 83),
            ("axicabtagene ciloleucel", 101, "complete response rate", 54.0, 55),
            ("axicabtagene ciloleucel", 101, "grade >=3 cytokine release syndrome", 13.0, 13),
            ("axicabtagene ciloleucel", 101, "grade >=3 neurologic events", 28.0, 28),
            ("axicabtagene ciloleucel", 101, "ongoing response", 42.0, 42),
        ],
    },
    "pembrolizumab_keynote189.txt": {
        "citation": "Gandhi L, Rodríguez-Abreu D, Gadgeel S, et al. Pembrolizumab plus chemotherapy in metastatic "
                    "non-small-cell lung cancer. N Engl J Med. Published online April 16, 2018. doi:10.1056/NEJMoa1801005",
        "journal": "N Engl J Med", "published_date": dt.date(2018, 4, 16),
        "design": "double-blind, placebo-controlled, randomized", "sample_size": 616,
        "drugs": ["pembrolizumab", "pemetrexed"], "conditions": ["NSCLC"],
        "findings": [
            ("pembrolizumab-combination group", 410, "estimated 12-month overall survival rate", 69.2, 284),
            ("placebo-combination group", 206, "estimated 12-month overall survival rate", 49.4, 102),
            ("pembrolizumab-combination group", 410, "objective response rate", 47.6, 195),
            ("placebo-combination group", 206, "objective response rate", 18.9, 39),
        ],
    },
    "olaparib_solo1.txt": {
        "citation": "Maintenance therapy with the PARP inhibitor olaparib substantially reduced the risk of disease "
                    "progression or death in women with newly diagnosed advanced ovarian cancer, according to the SOLO-1 "
                    "trial, which was presented at the ESMO 2018 Congress.",
        "journal": None, "published_date": None, "design": "randomized, double-blind, placebo-controlled",
        "sample_size": 391, "drugs": ["olaparib"], "conditions": ["ovarian cancer"],
        "findings": [
            ("olaparib", 260, "free of disease progression", 60.0, 156),
            ("placebo", 130, "free of disease progression", 27.0, 35),
            ("olaparib", 260, "discontinuation", 12.0, 31),
            ("olaparib", 260, "grade >=3 anemia", 22.0, 57),
            ("placebo", 130, "discontinuation", 2.0, 3),
        ],
    },
    "pembrolizumab_keynote024.txt": {
        "citation": "Pembrolizumab monotherapy prolonged progression-free and overall survival compared with "
                    "platinum-based chemotherapy for patients with previously untreated advanced non-small cell lung "
                    "cancer with PD-L1 expression on at least 50% of tumor cells, according to findings from KEYNOTE-024 "
                    "published in The New England Journal of Medicine.",
        "journal": NEJM, "published_date": None, "design": "open-label", "sample_size": 305,
        "drugs": ["pembrolizumab"], "conditions": ["NSCLC"],
        "findings": [
            # The arms' sizes are not stated where the response rates are: the count stays unknown.
            ("pembrolizumab group", None, "response rates", 44.8, None),
            ("chemotherapy group", None, "response rates", 27.8, None),
            ("pembrolizumab", 154, "treatment-related adverse events of grade 3 to 5", 26.6, 41),
            ("chemotherapy", 150, "treatment-related adverse events of grade 3 to 5", 53.3, 80),
        ],
    },
}


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_site_article_is_recognised_and_read(name):
    text = (NEWS / name).read_text()
    expected = ARTICLES[name]
    assert news_article.matches(text)
    doc = news_article.parse(text)
    (row,) = doc.rows["evidence"]
    assert row["title"] == next(line for line in text.splitlines()[2:] if line.strip())
    assert {key: row[key] for key in ("citation", "journal", "published_date", "design", "sample_size", "drugs",
                                      "conditions")} == {k: v for k, v in expected.items() if k != "findings"}
    assert [(r["cohort"], r["n"], r["measure"], r["percent"], r["count"]) for r in doc.rows["evidence_findings"]] == (
        expected["findings"]
    )


@pytest.mark.parametrize(
    ("sentence", "figure"),
    [
        ("Among patients who received X (n = 25), grade 3 rash occurred in 12 (48%).", ("X", 25, "grade 3 rash", 48.0, 12)),
        ("Among patients who received X (n = 25), 4 patients (16%) had grade 3 rash.", ("X", 25, "grade 3 rash", 16.0, 4)),
        ("Overall, 9 of the 12 patients with brain metastases had an intracranial response.",
         ("12 patients", 12, "intracranial response", 75.0, 9)),
        ("The response rate was 37.3% (22 of 59 evaluable patients).", ("evaluable patients", 59, "response rate", 37.3, 22)),
        # Five of 25 is 20%: both figures are kept as printed, and the percentage check flags them.
        ("Five of the 25 patients (25%) had a partial response.", ("all patients", 25, "partial response", 25.0, 5)),
    ],
)
def test_counted_figure_phrasings(sentence, figure):
    text = (
        "Skip to main content\nNews\n\nA Drug Named X Studied in Patients With Lung Cancer\n\nEdited by\n\n"
        f"This prospective study enrolled 25 patients. {sentence}\n"
    )
    doc = news_article.parse(text)
    assert [(r["cohort"], r["n"], r["measure"], r["percent"], r["count"]) for r in doc.rows["evidence_findings"]] == [
        figure
    ]


def test_site_article_without_figures_or_citation_is_still_an_article():
    text = "Skip to main content\nNews\n\nA New Drug Is Studied in Lung Cancer Patients\n\nEdited by\n\nResults are awaited.\n"
    assert news_article.matches(text)
    doc = news_article.parse(text)
    assert doc.rows["evidence"][0]["title"] == "A New Drug Is Studied in Lung Cancer Patients"
    assert doc.rows.get("evidence_findings", []) == []
    assert [(f.severity, f.field) for f in doc.findings] == [("WARNING", "citation")]


def _printed(count: int | None, n: int, percent: float) -> list:
    table = pd.DataFrame([{"source_file": "a.txt", "cohort": "all patients", "n": n, "measure": "response",
                           "percent": percent, "count": count}])
    return rules.check_evidence_percentages(table)


def test_percent_check_accepts_the_printed_precision():
    assert _printed(36, 64, 56.3) == []  # 56.25 printed to one decimal, half up
    assert _printed(None, 64, 56.3) == []


def test_percent_check_rejects_a_figure_off_at_its_printed_precision():
    (finding,) = _printed(36, 64, 57.0)
    assert finding.message == "response 57% of 64 (all patients) is 36.48 patients, not a whole number"


def test_percent_check_compares_a_stated_count():
    (finding,) = _printed(13, 25, 48.0)  # 12 of 25 is 48%
    assert finding.message == "response 48% of 25 (all patients) does not match its stated count of 13"
