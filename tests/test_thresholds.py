"""Numeric thresholds read from the seeds' eligibility criteria, and from hand-written criteria."""

from __future__ import annotations

import pytest

from pipeline.extract.layouts import mirror_page, veeva_page
from pipeline.registry.tables import ELIGIBILITY_THRESHOLDS
from pipeline.extract.free_text.thresholds import extract_thresholds
from tests.conftest import read_seed


@pytest.fixture(scope="module")
def tarlatamab():
    """Seed 000, NCT07203053."""
    return extract_thresholds(mirror_page.parse(read_seed("000")).rows["eligibility_criteria"])


@pytest.fixture(scope="module")
def veeva():
    """Seed 002, the Veeva page."""
    return extract_thresholds(veeva_page.parse(read_seed("002")).rows["eligibility_criteria"])


@pytest.fixture(scope="module")
def benmelstobart():
    """Seed 003, the mirror page with sub-items a) to e)."""
    return extract_thresholds(mirror_page.parse(read_seed("003")).rows["eligibility_criteria"])


def _reading(rows, criterion_type, ordinal):
    """(analyte, comparator, value, unit) of one criterion's rows, in order."""
    return [
        (row["analyte"], row["comparator"], row["value"], row["unit"])
        for row in rows
        if row["criterion_type"] == criterion_type and row["criterion_ordinal"] == ordinal
    ]


def _one(text, criterion_type="INCLUSION"):
    return _reading(extract_thresholds([{"criterion_type": criterion_type, "ordinal": 1, "text": text}]),
                    criterion_type, 1)


# --- shape -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", ["000", "002", "003"])
def test_rows_have_the_table_columns_and_unique_keys(seed, tarlatamab, veeva, benmelstobart):
    rows = {"000": tarlatamab, "002": veeva, "003": benmelstobart}[seed]
    columns = [name for name in ELIGIBILITY_THRESHOLDS.column_names
               if name not in ("nct_id", "source_file", "position")]
    assert rows
    for row in rows:
        assert sorted(row) == sorted(columns)
    keys = [(row["criterion_type"], row["criterion_ordinal"], row["analyte"], row["comparator"]) for row in rows]
    assert len(keys) == len(set(keys))


# --- seed 003 ----------------------------------------------------------------------


def test_003_item_6_hematology_one_row_per_analyte_despite_the_mm3_form(benmelstobart):
    rows = _reading(benmelstobart, "INCLUSION", 6)
    assert rows[0] == ("ANC", ">=", 1.5, "x10^9/L")
    assert rows[1] == ("PLATELETS", ">=", 100.0, "x10^9/L")
    assert rows[2] == ("HEMOGLOBIN", ">=", 80.0, "g/L")
    assert [row[0] for row in rows].count("ANC") == 1
    assert [row[0] for row in rows].count("PLATELETS") == 1


def test_003_item_6_renal(benmelstobart):
    rows = _reading(benmelstobart, "INCLUSION", 6)
    assert rows[3] == ("CREATININE_CLEARANCE", ">=", 50.0, "mL/min")
    # Dipstick grade and 24-hour quantity are two analytes, so each keeps its row.
    assert rows[4] == ("URINE_PROTEIN", "<", 2.0, "+")
    assert rows[5] == ("URINE_PROTEIN_24H", "<", 1.0, "g/24h")


def test_003_item_6_liver_coagulation_and_heart(benmelstobart):
    rows = _reading(benmelstobart, "INCLUSION", 6)
    assert rows[6] == ("BILIRUBIN", "<=", 1.5, "ULN")
    assert rows[7] == ("AST", "<=", 2.5, "ULN")
    assert rows[8] == ("ALT", "<=", 2.5, "ULN")
    assert rows[9] == ("ALBUMIN", ">=", 28.0, "g/L")
    assert rows[10] == ("INR", "<=", 1.5, "ULN")
    assert rows[11] == ("APTT", "<=", 1.5, "ULN")
    assert rows[12] == ("LVEF", ">=", 50.0, "%")
    assert len(rows) == 13


def test_003_item_6_texts_are_the_clauses(benmelstobart):
    texts = [row["text"] for row in benmelstobart if row["criterion_ordinal"] == 6]
    assert texts[0] == "Absolute neutrophil count (ANC) ≥ 1.5 × 109/L (1,500/mm3)"
    assert texts[3] == "Creatinine clearance* (CrCl) calculated ≥ 50 mL/min"
    assert texts[5] == "24 hour (h) urine protein quantification < 1.0 g"
    assert texts[10] == texts[11] == (
        "International Normalized Ratio (INR) and Activated Partial Thromboplastin Time (APTT) ≤ 1.5 × ULN"
    )


def test_003_item_5_age_range_ecog_and_survival(benmelstobart):
    assert _reading(benmelstobart, "INCLUSION", 5) == [
        ("AGE", ">=", 18.0, "years"),
        ("AGE", "<=", 75.0, "years"),
        ("ECOG", "<=", 1.0, None),
        ("LIFE_EXPECTANCY", ">=", 3.0, "months"),
    ]


def test_003_durations_and_other_items_give_nothing(benmelstobart):
    # Item 3's "at least 6 months" is a treatment-free interval, not an analyte.
    assert {row["criterion_ordinal"] for row in benmelstobart if row["criterion_type"] == "INCLUSION"} == {5, 6}
    assert [row for row in benmelstobart if row["criterion_type"] == "EXCLUSION"] == []


# --- seed 002 ----------------------------------------------------------------------


def test_002_item_7_nine_bullets(veeva):
    assert _reading(veeva, "INCLUSION", 7) == [
        ("ANC", ">=", 1.5, "x10^9/L"),
        ("PLATELETS", ">=", 100.0, "x10^9/L"),
        ("HEMOGLOBIN", ">=", 80.0, "g/L"),
        ("CREATININE_CLEARANCE", ">=", 50.0, "mL/min"),
        ("BILIRUBIN", "<=", 1.5, "ULN"),
        ("AST", "<=", 2.5, "ULN"),
        ("ALT", "<=", 2.5, "ULN"),
        ("ALBUMIN", ">=", 28.0, "g/L"),
        ("INR", "<=", 1.5, "ULN"),
        ("APTT", "<=", 1.5, "ULN"),
        ("LVEF", ">=", 50.0, "%"),
    ]


def test_002_item_7_upper_limit_of_normal_spelled_out(veeva):
    bilirubin = next(row for row in veeva if row["analyte"] == "BILIRUBIN")
    assert bilirubin["text"] == "Total bilirubin ≤ 1.5 × upper limit of normal (ULN)"
    assert bilirubin["unit"] == "ULN"


def test_002_age_ecog_and_life_expectancy(veeva):
    assert _reading(veeva, "INCLUSION", 4) == [("AGE", ">=", 18.0, "years"), ("AGE", "<=", 75.0, "years")]
    assert _reading(veeva, "INCLUSION", 5) == [("ECOG", "<=", 2.0, None)]
    assert _reading(veeva, "INCLUSION", 6) == [("LIFE_EXPECTANCY", ">=", 3.0, "months")]


def test_002_exclusions_give_nothing(veeva):
    # "≥1 month without steroids", "(>1 tablespoon daily within 3 months)" are not analytes.
    assert [row for row in veeva if row["criterion_type"] == "EXCLUSION"] == []
    assert {row["criterion_ordinal"] for row in veeva} == {4, 5, 6, 7}


# --- seed 000 ----------------------------------------------------------------------


def test_000_bare_ecog_value_is_an_equality(tarlatamab):
    assert _reading(tarlatamab, "INCLUSION", 4) == [("ECOG", "=", 2.0, None)]


def test_000_age(tarlatamab):
    assert _reading(tarlatamab, "INCLUSION", 5) == [("AGE", ">=", 18.0, "years")]


def test_000_coagulation_pt_inr_and_aptt(tarlatamab):
    # PTT and aPTT are one analyte (APTT); the anticoagulation "6 weeks" gives nothing.
    assert _reading(tarlatamab, "INCLUSION", 7) == [
        ("PT", "<=", 1.5, "ULN"),
        ("INR", "<=", 1.5, "ULN"),
        ("APTT", "<=", 1.5, "ULN"),
    ]


def test_000_oxygen_saturation_and_lvef(tarlatamab):
    assert _reading(tarlatamab, "INCLUSION", 8) == [("SPO2", ">", 90.0, "%")]
    assert _reading(tarlatamab, "INCLUSION", 9) == [("LVEF", ">=", 50.0, "%")]
    spo2 = next(row for row in tarlatamab if row["analyte"] == "SPO2")
    assert spo2["text"] == "Baseline oxygen saturation >90%"


def test_000_exclusions_give_nothing(tarlatamab):
    # Grade ≥2 pneumonitis, NYHA >class II, prednisone ≤10 mg, ≥1 year, within 14 days, 60 days.
    assert [row for row in tarlatamab if row["criterion_type"] == "EXCLUSION"] == []
    assert {row["criterion_ordinal"] for row in tarlatamab} == {4, 5, 7, 8, 9}


# --- comparator forms ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hemoglobin >= 9 g/dL", ("HEMOGLOBIN", ">=", 9.0, "g/dL")),
        ("Hemoglobin ≥ 9 g/dL", ("HEMOGLOBIN", ">=", 9.0, "g/dL")),
        ("Hemoglobin \\>= 9 g/dL", ("HEMOGLOBIN", ">=", 9.0, "g/dL")),
        ("Hemoglobin of at least 9 g/dL", ("HEMOGLOBIN", ">=", 9.0, "g/dL")),
        ("Hemoglobin no less than 9 g/dL", ("HEMOGLOBIN", ">=", 9.0, "g/dL")),
        ("Hemoglobin greater than or equal to 9 g/dL", ("HEMOGLOBIN", ">=", 9.0, "g/dL")),
        ("Serum creatinine no more than 1.5 mg/dL", ("CREATININE", "<=", 1.5, "mg/dL")),
        ("Serum creatinine not exceeding 1.5 mg/dL", ("CREATININE", "<=", 1.5, "mg/dL")),
        ("Serum creatinine less than or equal to 1.5 mg/dL", ("CREATININE", "<=", 1.5, "mg/dL")),
        ("Serum creatinine ≤ 1.5 mg/dL", ("CREATININE", "<=", 1.5, "mg/dL")),
        ("Platelets > 75 x10^9/L", ("PLATELETS", ">", 75.0, "x10^9/L")),
        ("Platelets greater than 75 x10^9/L", ("PLATELETS", ">", 75.0, "x10^9/L")),
        ("Platelets above 75 x10^9/L", ("PLATELETS", ">", 75.0, "x10^9/L")),
        ("QTcF < 470 ms", ("QTC", "<", 470.0, "ms")),
        ("QTcF \\< 470 ms", ("QTC", "<", 470.0, "ms")),
        ("QTcF less than 470 msec", ("QTC", "<", 470.0, "ms")),
        ("Bilirubin below 1.5x ULN", ("BILIRUBIN", "<", 1.5, "ULN")),
    ],
)
def test_comparator_forms(text, expected):
    assert _one(text) == [expected]


# --- units and names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ANC ≥ 1.5 × 109/L", [("ANC", ">=", 1.5, "x10^9/L")]),
        ("Neutrophils ≥ 1.5 × 10^9/L", [("ANC", ">=", 1.5, "x10^9/L")]),
        ("absolute neutrophil count ≥ 1.5 x10^9/L", [("ANC", ">=", 1.5, "x10^9/L")]),
        ("platelets ≥ 75 x 10⁹/L", [("PLATELETS", ">=", 75.0, "x10^9/L")]),
        ("Neutrophils ≥ 1.5 G/L", [("ANC", ">=", 1.5, "x10^9/L")]),
        ("Platelets at least 100,000/mm3", [("PLATELETS", ">=", 100000.0, "/mm3")]),
        ("Haemoglobin (Hgb) ≥ 90 g/L", [("HEMOGLOBIN", ">=", 90.0, "g/L")]),
        ("TBil ≤ 1.5 times the upper limit of normal", [("BILIRUBIN", "<=", 1.5, "ULN")]),
        ("INR ≤ 1.5", [("INR", "<=", 1.5, None)]),
        ("Creatinine clearance ≥ 60 mL/min/1.73 m2 by Cockcroft-Gault formula",
         [("CREATININE_CLEARANCE", ">=", 60.0, "mL/min/1.73m2")]),
        ("Proteinuria ≥ 2 g/24 hours", [("URINE_PROTEIN_24H", ">=", 2.0, "g/24h")]),
        ("Systolic blood pressure > 160 mmHg or diastolic blood pressure > 100 mmHg",
         [("SYSTOLIC_BP", ">", 160.0, "mmHg"), ("DIASTOLIC_BP", ">", 100.0, "mmHg")]),
        ("AST (SGOT) and ALT (SGPT) ≤ 3 × ULN (≤ 5 × ULN for patients with liver metastases)",
         [("AST", "<=", 3.0, "ULN"), ("ALT", "<=", 3.0, "ULN")]),
        ("ANC ≥ 1.5 × 10^9/L, platelets ≥ 100 × 10^9/L and hemoglobin ≥ 9 g/dL",
         [("ANC", ">=", 1.5, "x10^9/L"), ("PLATELETS", ">=", 100.0, "x10^9/L"),
          ("HEMOGLOBIN", ">=", 9.0, "g/dL")]),
    ],
)
def test_units_and_analyte_names(text, expected):
    assert _one(text) == expected


# --- ages, scores, ranges ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Aged between 18 and 75 years", [("AGE", ">=", 18.0, "years"), ("AGE", "<=", 75.0, "years")]),
        ("Patients ≥ 18 years old", [("AGE", ">=", 18.0, "years")]),
        ("18 years or older", [("AGE", ">=", 18.0, "years")]),
        ("Age ≥ 18", [("AGE", ">=", 18.0, "years")]),
        ("Male or female, 18 years of age or older, ECOG 0 or 1",
         [("AGE", ">=", 18.0, "years"), ("ECOG", "<=", 1.0, None)]),
        ("ECOG performance status 0, 1, or 2", [("ECOG", "<=", 2.0, None)]),
        ("ECOG 1-2", [("ECOG", ">=", 1.0, None), ("ECOG", "<=", 2.0, None)]),
        ("Eastern Cooperative Oncology Group (ECOG) performance status ≤ 1", [("ECOG", "<=", 1.0, None)]),
        ("Karnofsky performance status ≥ 70%", [("KARNOFSKY", ">=", 70.0, "%")]),
        ("Life expectancy > 12 weeks", [("LIFE_EXPECTANCY", ">", 12.0, "weeks")]),
    ],
)
def test_ages_scores_and_ranges(text, expected):
    assert _one(text) == expected


# --- what must not fire ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Written informed consent signed before any trial-related procedure.",
        "Treatment-free interval of at least 6 months before the diagnosis of extensive-stage SCLC",
        "Low-dose corticosteroids (prednisone ≤10 mg per day or equivalent) is permitted during the trial.",
        "- grade ≥2 immune-mediated recurrent pneumonitis,",
        "Myocardial infarction (New York Heart Association >class II) within 12 months prior to enrolment.",
        "No transfusion of blood or blood products within 14 days",
        "Asymptomatic brain metastases stable for ≥1 month without steroids are allowed.",
        "Measurable disease per RECIST 1.1",
        "COVID-19 vaccine within 28 days",
        # A bare lab value is ambiguous; a unit foreign to the analyte is not its level.
        "Hemoglobin 9 g/dL",
        "Hemoglobin ≥ 9 days after transfusion",
        "Urine protein 2+",
    ],
)
def test_no_threshold_gives_no_row(text):
    assert _one(text) == []
    assert _one(text, "EXCLUSION") == []


def test_first_threshold_for_an_analyte_and_comparator_wins():
    text = "ANC ≥ 1.5 × 10^9/L\n- ANC ≥ 1.0 × 10^9/L in patients with bone marrow involvement"
    assert _one(text) == [("ANC", ">=", 1.5, "x10^9/L")]


def test_rows_carry_the_criterion_they_came_from():
    rows = extract_thresholds([
        {"criterion_type": "INCLUSION", "ordinal": 3, "text": "LVEF ≥ 50%"},
        {"criterion_type": "EXCLUSION", "ordinal": 8, "text": "QTcF > 470 ms"},
    ])
    assert rows == [
        {"criterion_type": "INCLUSION", "criterion_ordinal": 3, "analyte": "LVEF", "comparator": ">=",
         "value": 50.0, "unit": "%", "text": "LVEF ≥ 50%"},
        {"criterion_type": "EXCLUSION", "criterion_ordinal": 8, "analyte": "QTC", "comparator": ">",
         "value": 470.0, "unit": "ms", "text": "QTcF > 470 ms"},
    ]
