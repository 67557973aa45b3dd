"""The one eligibility-criteria reader: the headings and bullets real registry records use.

Every text below is cut from the real record named in its test (tests/fixtures/registry_corpus), or
quoted from issue 14 where no corpus record writes it.
"""

from __future__ import annotations

import pytest

from pipeline.extract.document import ParsedDocument
from pipeline.extract.fields.criteria import (
    BOTH_LISTS,
    Heading,
    add_criteria_rows,
    read_heading,
    split_criteria,
)


def _rows(criteria: str) -> tuple[list[tuple[str, int, str]], list[tuple[str, str]]]:
    doc = ParsedDocument(format="ctgov_json")
    add_criteria_rows(doc, criteria, observed=criteria[:500])
    rows = [(row["criterion_type"], row["ordinal"], row["text"]) for row in doc.rows.get("eligibility_criteria", [])]
    return rows, [(finding.message, finding.observed) for finding in doc.findings]


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("Key Inclusion Criteria:", Heading("INCLUSION")),  # NCT02210780
        ("Key Exclusion Criteria:", Heading("EXCLUSION")),  # NCT02210780
        ("Inclusion:", Heading("INCLUSION")),  # NCT00055497
        ("Exclusion:", Heading("EXCLUSION")),  # NCT00055497
        ("Inclusion Criteria", Heading("INCLUSION")),  # NCT00055354, no colon
        ("-  INCLUSION CRITERIA:", Heading("INCLUSION")),  # NCT00001177, written as a bullet
        ("[Exclusion Criteria]", Heading("EXCLUSION")),  # NCT05482828
        ("**Inclusion Criteria:**", Heading("INCLUSION")),  # the Veeva page's bold
        ("INCLUSION CRITIERIA:", Heading("INCLUSION")),  # misspelt, as issue 14 quotes it
        ("Subject Inclusion Criteria", Heading("INCLUSION")),  # as issue 14 quotes it
        ("Non-inclusion criteria:", Heading("EXCLUSION")),  # NCT02679963: the French registries' exclusion list
        ("Eligibility criteria:", Heading("INCLUSION")),  # NCT03630471
        ("Transplant Inclusion:", Heading("INCLUSION", "Transplant Inclusion")),  # NCT01220531
        ("Inclusion Criteria Stage 1", Heading("INCLUSION", "Inclusion Criteria Stage 1")),  # NCT03424005
        ("Exclusion Criteria for Stage 1", Heading("EXCLUSION", "Exclusion Criteria for Stage 1")),  # NCT03424005
        ("Systemic primary exclusion criteria:", Heading("EXCLUSION", "Systemic primary exclusion criteria")),  # NCT05381623
        ("Dementia with Lewy bodies exclusion criteria", Heading("EXCLUSION", "Dementia with Lewy bodies exclusion criteria")),  # NCT05381090
        ("DISEASE CHARACTERISTICS:", Heading("INCLUSION", "DISEASE CHARACTERISTICS")),  # NCT00023673
        ("PATIENT CHARACTERISTICS:", Heading("INCLUSION", "PATIENT CHARACTERISTICS")),  # NCT00023673
        ("PRIOR CONCURRENT THERAPY:", Heading("INCLUSION", "PRIOR CONCURRENT THERAPY")),  # NCT00023673
        ("Biological Mother Inclusion/Exclusion:", Heading(None, "Biological Mother Inclusion/Exclusion")),  # NCT01220531
        ("For inclusion in the study subjects should fulfill the following criteria:", Heading("INCLUSION")),  # NCT02679963
    ],
)
def test_headings_real_records_use(line, heading):
    assert read_heading(line) == heading


@pytest.mark.parametrize(
    "line",
    [
        "-  Subjects with exclusion criteria required by local law",  # NCT01076361, a criterion
        "-  Between 18 to 65 years, inclusive",  # NCT01841593
        "exclusion criterion.",  # NCT03521479, a wrapped line ending a sentence
        "renal function have been excluded by a nephrologist or any 2 of the following:",  # NCT01298141, wrapped
        "Other protocol-defined inclusion/exclusion criteria apply",
        "-  Additional drug-specific exclusion criteria might apply.",
    ],
)
def test_criteria_that_mention_a_list_are_no_headings(line):
    assert read_heading(line) is None


def test_a_lead_in_sentence_under_a_heading_of_its_kind_stays_text():
    # NCT05147467: the sentence under "Inclusion Criteria:" is no new list.
    assert read_heading("Subjects who meet each of the following inclusion criteria are eligible to participate "
                        "in this study:", "INCLUSION") is None


def test_inclusion_and_exclusion_without_criteria_word():
    # NCT00055497
    rows, findings = _rows(
        "Inclusion:\n\n-  Patient must have successfully completed the induction study NCT00055523\n\n"
        "-  Diagnosis of Crohn's disease\n\nExclusion:\n\n-  Colectomy\n")
    assert rows == [
        ("INCLUSION", 1, "Patient must have successfully completed the induction study NCT00055523"),
        ("INCLUSION", 2, "Diagnosis of Crohn's disease"),
        ("EXCLUSION", 1, "Colectomy"),
    ]
    assert findings == []


def test_the_older_nci_layout_keeps_its_list_and_label_names():
    # NCT00023673: three inclusion lists, their items under short labels.
    rows, findings = _rows(
        "DISEASE CHARACTERISTICS:\n\n  -  No stage IV or recurrent disease\n\n"
        "PATIENT CHARACTERISTICS:\n\nPerformance status:\n\n  -  Zubrod 0-1\n\nHematopoietic:\n\n"
        "  -  Granulocyte count at least 1,500/mm^3\n\n  -  Platelet count at least 100,000/mm^3\n\n"
        "PRIOR CONCURRENT THERAPY:\n\nRadiotherapy:\n\n  -  No prior radiotherapy to the thorax\n")
    assert rows == [
        ("INCLUSION", 1, "DISEASE CHARACTERISTICS: No stage IV or recurrent disease"),
        ("INCLUSION", 2, "PATIENT CHARACTERISTICS: Performance status: Zubrod 0-1"),
        ("INCLUSION", 3, "PATIENT CHARACTERISTICS: Hematopoietic: Granulocyte count at least 1,500/mm^3"),
        ("INCLUSION", 4, "PATIENT CHARACTERISTICS: Hematopoietic: Platelet count at least 100,000/mm^3"),
        ("INCLUSION", 5, "PRIOR CONCURRENT THERAPY: Radiotherapy: No prior radiotherapy to the thorax"),
    ]
    assert findings == []


def test_a_heading_naming_both_lists_is_reported_not_guessed():
    # NCT01220531: a typographic bullet with no space after it, under "Inclusion/Exclusion".
    rows, findings = _rows(
        "Transplant Exclusion:\n\n  -  HIV infection\n\nBiological Mother Inclusion/Exclusion:\n\n"
        "• Must be biological mother of thymus recipient\n")
    assert rows == [("EXCLUSION", 1, "Transplant Exclusion: HIV infection")]
    assert findings == [(BOTH_LISTS, "Biological Mother Inclusion/Exclusion\n• Must be biological mother of thymus recipient")]


def test_text_without_any_heading_is_reported_with_its_opening_line():
    rows, findings = _rows("The subjects of this study will be women who meet the following criteria:\n\n"
                           "-  history of menstrually-related mood disturbances\n")  # NCT00001177, without its heading
    assert rows == []
    assert findings == [(
        "eligibility criteria have no Inclusion or Exclusion heading; not split: it opens with "
        '"The subjects of this study will be women who meet the following criteria:"',
        "The subjects of this study will be women who meet the following criteria:\n\n"
        "-  history of menstrually-related mood disturbances\n",
    )]


def test_headings_with_nothing_under_them_are_reported():
    rows, findings = _rows("Inclusion Criteria:\n\nExclusion Criteria:\n")
    assert rows == []
    assert findings[0][0] == "eligibility criteria headings hold no items; nothing was loaded"


@pytest.mark.parametrize(
    ("text", "items"),
    [
        # NCT01220531: "•" written against its text
        ("•Typical cDGA whose T cells have a PHA response < 5,000 cpm\n•Atypical cDGA with maternal engraftment",
         ["Typical cDGA whose T cells have a PHA response < 5,000 cpm", "Atypical cDGA with maternal engraftment"]),
        # NCT05380245: a "• " bullet, then a paragraph that continues it
        ("• Male Pakistani volunteers in good health aged 18-35 years were enrolled as participants\nin this study.",
         ["Male Pakistani volunteers in good health aged 18-35 years were enrolled as participants\nin this study."]),
        # "(1)" numbers, as issue 14 lists them
        ("(1) Documented diagnosis of Fabry disease\n(2) Compliant with study activities",
         ["Documented diagnosis of Fabry disease", "Compliant with study activities"]),
        # NCT03521479: "1." numbers
        ("1. Age ≥ 18 and ≤ 65\n2. Clinical diagnosis of herpes labialis",
         ["Age ≥ 18 and ≤ 65", "Clinical diagnosis of herpes labialis"]),
        # NCT05381623: "a." letters as the list itself
        ("a. Non compliant patients: poor oral hygiene (FMPS >20%) at 2 consecutive visits.",
         ["a. Non compliant patients: poor oral hygiene (FMPS >20%) at 2 consecutive visits."]),
        # NCT00734539 (its outcome's list): roman numerals as the list itself
        ("i. > 5 days of consecutive antifungal therapy\nii. Thrombocytopenia <150,000/mm3",
         ["i. > 5 days of consecutive antifungal therapy", "ii. Thrombocytopenia <150,000/mm3"]),
        # roman numerals under a numbered item stay in it
        ("1. Candidiasis, probable:\ni. > 5 days of consecutive antifungal therapy\n2. Death prior to study day 49",
         ["Candidiasis, probable:\ni. > 5 days of consecutive antifungal therapy", "Death prior to study day 49"]),
        # NCT04431453: lettered items under a bullet keep their letters
        ("* Aged < 18 years who meet one of the following weight criteria:\na) Cohort 1: ≥ 12 years\n"
         "b) Cohorts 2-4: ≥ 28 days\n* Hospitalized",
         ["Aged < 18 years who meet one of the following weight criteria:\na) Cohort 1: ≥ 12 years\n"
          "b) Cohorts 2-4: ≥ 28 days", "Hospitalized"]),
        # NCT00023673: a nested list kept by its indentation
        ("  -  Histologically confirmed stage IIIB non-small cell lung cancer\n\n       -  Squamous cell carcinoma\n\n"
         "  -  Measurable disease",
         ["Histologically confirmed stage IIIB non-small cell lung cancer\n- Squamous cell carcinoma",
          "Measurable disease"]),
    ],
)
def test_bullets_of_every_kind(text, items):
    assert split_criteria(text) == items
