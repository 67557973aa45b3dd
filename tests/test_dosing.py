"""Dose regimens read from the seeds' arm and intervention descriptions, and from each sentence form they use."""

from __future__ import annotations

import pytest

from pipeline.registry import vocabularies as vocab
from pipeline.extract.free_text.dosing import extract_dosing
from pipeline.extract.layouts import ctgov_text, mirror_page, veeva_page
from pipeline.registry.tables import DOSING
from tests.conftest import read_seed

_LAYOUTS = {"000": mirror_page, "001": ctgov_text, "002": veeva_page, "003": mirror_page}


def _inputs(number: str) -> tuple[list[dict], list[dict], list[str]]:
    doc = _LAYOUTS[number].parse(read_seed(number))
    return (
        doc.rows.get("interventions", []),
        doc.rows.get("arm_groups", []),
        [doc.study.get("brief_summary"), doc.study.get("detailed_description")],
    )


def _seed(number: str):
    return extract_dosing(*_inputs(number))


def _step(drug, step, value, unit, route, timing, *, value_max=None, infusion=None, max_value=None,
          max_unit=None, adjustment=None) -> dict:
    return {
        "drug": drug,
        "step": step,
        "dose_value": value,
        "dose_value_max": value_max,
        "dose_unit": unit,
        "route": route,
        "timing": timing,
        "infusion_minutes": infusion,
        "max_dose_value": max_value,
        "max_dose_unit": max_unit,
        "dose_adjustment": adjustment,
    }


def _without_text(rows: list[dict]) -> list[dict]:
    return [{key: value for key, value in row.items() if key != "text"} for row in rows]


def _one(description: str, name: str = "Study drug", intervention_type: str = "DRUG") -> list[dict]:
    rows, _ = extract_dosing([{"intervention_type": intervention_type, "name": name, "description": description}],
                             [], [])
    return _without_text(rows)


# --- the seeds ------------------------------------------------------------------


def test_000_tarlatamab_step_up():
    rows, findings = _seed("000")
    assert _without_text(rows) == [
        _step("tarlatamab", 1, 1.0, "mg", "IV", "C1D1"),
        _step("tarlatamab", 2, 10.0, "mg", "IV", "C1D8"),
        _step("tarlatamab", 3, 10.0, "mg", "IV", "C1D15"),
        _step("tarlatamab", 4, 10.0, "mg", "IV", "Q2W"),
    ]
    assert rows[0]["text"].startswith("Protocol treatment consists of tarlatamab, administered as an intravenous")
    assert findings == []


def test_000_regimen_written_in_study_groups_and_interventions_gives_one_set_of_rows():
    interventions, arms, texts = _inputs("000")
    (intervention,) = interventions
    arms = [{**arms[0], "description": intervention["description"]}]
    rows, _ = extract_dosing(interventions, arms, texts)
    assert [(row["step"], row["dose_value"], row["timing"]) for row in rows] == [
        (1, 1.0, "C1D1"), (2, 10.0, "C1D8"), (3, 10.0, "C1D15"), (4, 10.0, "Q2W")
    ]


def test_001_schedule_read_from_the_detailed_description():
    rows, findings = _seed("001")
    assert _without_text(rows) == [
        _step("tarlatamab", 1, 1.0, "mg", "IV", "C1D1", infusion=60.0),
        _step("tarlatamab", 2, 10.0, "mg", "IV", "C1D8", infusion=60.0),
        _step("tarlatamab", 3, 10.0, "mg", "IV", "C1D15", infusion=60.0),
        _step("tarlatamab", 4, 10.0, "mg", "IV", "Q2W"),
    ]
    assert "Subsequent Cycles: 10 mg IV every two weeks" in rows[3]["text"]
    assert findings == []


def test_001_brief_summary_alone_states_no_dose():
    interventions, arms, (summary, _) = _inputs("001")
    assert "Day 8 (C1D8)" in summary
    assert extract_dosing(interventions, arms, [summary]) == ([], [])


def test_002_whole_regimen_in_one_arm_description():
    rows, findings = _seed("002")
    assert _without_text(rows) == [
        _step("bemotuzumab", 1, 1200.0, "mg", "IV", "D1 Q3W"),
        # "Induction (4 cycles, q3w):" sets the cycle of every drug given on days of it.
        _step("carboplatin", 1, 5.0, "AUC", None, "D1 Q3W"),
        _step("cisplatin", 1, 75.0, "mg/m2", None, "D1 Q3W", value_max=80.0),
        _step("etoposide", 1, 100.0, "mg/m2", "IV", "D1-3 Q3W"),
        _step("anlotinib", 1, 12.0, "mg", "PO", "D1-14 Q3W (7 days off)", adjustment="reduce 12 -> 10 -> 8 mg"),
        _step("radiotherapy", 1, 5.0, "Gy", "RADIOTHERAPY", "5 fractions"),
    ]
    assert rows[-1]["text"].startswith("Consolidation (2 cycles, q3w): Bemotuzumab (same dose)")
    assert findings == []


def test_002_same_dose_and_same_schedule_add_no_rows():
    rows, _ = _seed("002")
    assert [row["drug"] for row in rows].count("bemotuzumab") == 1
    assert [row["drug"] for row in rows].count("anlotinib") == 1


def test_003_one_intervention_per_drug():
    rows, findings = _seed("003")
    assert _without_text(rows) == [
        _step("benmelstobart", 1, 1200.0, "mg", "IV", "Q3W"),
        _step("anlotinib", 1, 8.0, "mg", "PO", "D1-14 Q3W (7 days off)", max_value=12.0, max_unit="mg",
              adjustment="up to 12 mg if tolerated; down for adverse events"),
        _step("carboplatin", 1, 5.0, "AUC", "IV", "D1", max_value=750.0, max_unit="mg"),
        _step("cisplatin", 1, 75.0, "mg/m2", "IV", "D1", value_max=80.0),
        _step("etoposide", 1, 100.0, "mg/m2", "IV", "D1-3"),
    ]
    assert rows[1]["text"] == (
        "Anlotinib hydrochloride capsules, 8 mg/dose, administered orally for 2 consecutive weeks and stopped for "
        "1 week."
    )
    assert findings == []


def test_seed_rows_fit_the_dosing_table():
    for number in _LAYOUTS:
        rows, _ = _seed(number)
        for row in rows:
            assert set(row) | {"nct_id", "source_file", "position"} == set(DOSING.column_names)
            assert row["dose_unit"] in vocab.DOSE_UNIT
            assert row["route"] is None or row["route"] in vocab.ROUTE
            assert row["max_dose_unit"] is None or row["max_dose_unit"] in vocab.DOSE_UNIT


def test_news_article_has_nothing_to_dose():
    assert extract_dosing([], [], [None, None]) == ([], [])


# --- sentence forms ------------------------------------------------------------------


def test_dose_on_day_with_cycle_day_code():
    assert _one("Tarlatamab IV infusion: 10 mg on day 8 (C1D8)", "Tarlatamab") == [
        _step("tarlatamab", 1, 10.0, "mg", "IV", "C1D8")
    ]


def test_day_without_code():
    assert _one("Tarlatamab 10 mg IV on day 8.", "Tarlatamab")[0]["timing"] == "D8"


def test_dose_per_dose_once_every_21_days_intravenously():
    assert _one("Benmelstobart injection, 1200 mg/dose, given once every 21 days, intravenously.",
                "Benmelstobart") == [_step("benmelstobart", 1, 1200.0, "mg", "IV", "Q3W")]


def test_day_before_auc():
    assert _one("Carboplatin for injection, administered on day 1, AUC 5 mg/mL/min, intravenously.",
                "Carboplatin") == [_step("carboplatin", 1, 5.0, "AUC", "IV", "D1")]


def test_auc_with_equals_sign():
    assert _one("Carboplatin AUC=5 on Day 1", "Carboplatin") == [_step("carboplatin", 1, 5.0, "AUC", None, "D1")]


def test_range_without_space():
    assert _one("cisplatin administered on day 1, 75-80mg/m2, IV.", "Cisplatin") == [
        _step("cisplatin", 1, 75.0, "mg/m2", "IV", "D1", value_max=80.0)
    ]


def test_range_with_to_and_superscript():
    (row,) = _one("Cisplatin 75 to 80 mg/m² on Day 1", "Cisplatin")
    assert (row["dose_value"], row["dose_value_max"], row["dose_unit"]) == (75.0, 80.0, "mg/m2")


def test_days_listed_one_by_one():
    assert _one("Etoposide injection, 100mg/m2 on days 1, 2 and 3, IV.", "Etoposide") == [
        _step("etoposide", 1, 100.0, "mg/m2", "IV", "D1-3")
    ]


def test_days_not_in_a_row_stay_a_list():
    assert _one("Irinotecan 65 mg/m2 IV on days 1 and 8.", "Irinotecan")[0]["timing"] == "D1,8"


def test_dose_route_and_day_in_parentheses():
    assert _one("Bemotuzumab (1200 mg IV, Day 1)", "Bemotuzumab") == [
        _step("bemotuzumab", 1, 1200.0, "mg", "IV", "D1")
    ]


def test_days_on_then_days_off():
    assert _one("oral Anlotinib (12 mg once daily on Days 1-14, then 7 days off).", "Anlotinib") == [
        _step("anlotinib", 1, 12.0, "mg", "PO", "D1-14 Q3W (7 days off)")
    ]


def test_weeks_on_then_weeks_off():
    assert _one("Anlotinib 10 mg orally for 2 consecutive weeks and stopped for 1 week.", "Anlotinib")[0][
        "timing"] == "D1-14 Q3W (7 days off)"


def test_gy_per_fraction_for_fractions():
    assert _one("thoracic radiotherapy (5 Gy per fraction for 5 fractions)", "Radiotherapy", "RADIATION") == [
        _step("radiotherapy", 1, 5.0, "Gy", "RADIOTHERAPY", "5 fractions")
    ]


def test_label_before_dose_belongs_to_the_next_dose():
    rows = _one("Day 1 (C1D1): 1 mg IV over 60 minutes Day 8 (C1D8): 10 mg IV over 1 hour", "Tarlatamab")
    assert [(row["timing"], row["infusion_minutes"]) for row in rows] == [("C1D1", 60.0), ("C1D8", 60.0)]


def test_route_of_the_lead_in_holds_for_every_listed_dose():
    rows = _one("Drug given as an oral solution:\n\n* 5 mg on day 1,\n* 10 mg on day 2", "Dexamethasone")
    assert [(row["route"], row["timing"]) for row in rows] == [("PO", "D1"), ("PO", "D2")]


def test_alternatives_share_the_day():
    rows = _one("Carboplatin AUC=5 or Cisplatin 75 mg/m2 IV on Day 1", "Chemotherapy")
    assert [(row["drug"], row["route"], row["timing"]) for row in rows] == [
        ("carboplatin", "IV", "D1"), ("cisplatin", "IV", "D1")
    ]


def test_dose_named_before_its_drug():
    assert _one("Patients receive 1.5 mg/m2 of topotecan IV over 30 minutes on days 1-5 every 21 days.",
                "Chemotherapy") == [_step("topotecan", 1, 1.5, "mg/m2", "IV", "D1-5 Q3W", infusion=30.0)]


def test_frequency_codes_and_words():
    assert _one("Durvalumab 1500 mg IV every 4 weeks", "Durvalumab")[0]["timing"] == "Q4W"
    assert _one("Nivolumab 240 mg IV q2w", "Nivolumab")[0]["timing"] == "Q2W"
    assert _one("Dexamethasone 4 mg orally twice daily", "Dexamethasone")[0]["timing"] == "BID"
    assert _one("Dexamethasone 8 mg/day", "Dexamethasone")[0]["timing"] == "QD"


# --- caps and adjustments ----------------------------------------------------------


def test_maximal_dose_is_a_cap_not_a_dose():
    rows = _one("Carboplatin AUC 5 IV on day 1 (maximal dose used is 750 mg).", "Carboplatin")
    assert [(row["dose_value"], row["dose_unit"], row["max_dose_value"], row["max_dose_unit"]) for row in rows] == [
        (5.0, "AUC", 750.0, "mg")
    ]


def test_not_to_exceed_is_a_cap():
    (row,) = _one("Dexamethasone 4 mg orally, total daily dose not to exceed 16 mg.", "Dexamethasone")
    assert (row["max_dose_value"], row["dose_adjustment"]) == (16.0, None)


def test_upward_adjustment_sets_the_maximum():
    (row,) = _one("Anlotinib 8 mg orally.\n\nSubjects may be adjusted upward to a dose of 12 mg if well "
                  "tolerated, and the dose may be adjusted downward due to drug-related adverse events.", "Anlotinib")
    assert (row["dose_value"], row["max_dose_value"], row["max_dose_unit"]) == (8.0, 12.0, "mg")
    assert row["dose_adjustment"] == "up to 12 mg if tolerated; down for adverse events"


def test_reduction_chain():
    (row,) = _one("Anlotinib 12 mg once daily. Anlotinib dose may be reduced (12mg → 10mg → 8mg) for managing "
                  "toxicity.", "Anlotinib")
    assert (row["dose_value"], row["max_dose_value"], row["dose_adjustment"]) == (12.0, None, "reduce 12 -> 10 -> 8 mg")


def test_single_reduction_with_reason():
    (row,) = _one("Lurbinectedin 3.2 mg/m2 IV every 3 weeks. Dose may be reduced to 2.6 mg/m2 for toxicity.",
                  "Lurbinectedin")
    assert row["dose_adjustment"] == "reduce to 2.6 mg/m2 for toxicity"


def test_increase_without_dose_words_is_not_an_adjustment():
    (row,) = _one("Tarlatamab 10 mg IV every two weeks; CRS risk increased with liver metastases.", "Tarlatamab")
    assert row["dose_adjustment"] is None


def test_adjustment_of_a_drug_without_dose_is_reported():
    rows, findings = extract_dosing(
        [{"intervention_type": "DRUG", "name": "Anlotinib", "description": "The dose may be reduced to 8 mg."}], [], [])
    assert rows == []
    (finding,) = findings
    assert (finding.category, finding.severity, finding.field) == ("parse", "INFO", "dosing")
    assert finding.message == ("a dose limit or adjustment (reduce to 8 mg) is stated for 'anlotinib' but no dose "
                               "of it; not loaded")
    assert finding.observed == "The dose may be reduced to 8 mg."


# --- drug names --------------------------------------------------------------------


def test_unknown_drug_is_kept_in_lower_case_and_reported():
    rows, findings = extract_dosing(
        [{"intervention_type": "DRUG", "name": "Drug X", "description": "Drug X 10 mg daily."}], [], [])
    assert _without_text(rows) == [_step("drug x", 1, 10.0, "mg", None, "QD")]
    (finding,) = findings
    assert (finding.check_name, finding.category, finding.severity, finding.field, finding.observed) == (
        "check_drug_names", "domain", "INFO", "drug", "drug x"
    )


def test_placebo_without_dose_is_reported_and_gives_no_row():
    rows, findings = extract_dosing(
        [{"intervention_type": "DRUG", "name": "Placebo", "description": "Matching placebo."}], [], [])
    assert rows == []
    assert [(f.check_name, f.observed) for f in findings] == [("check_drug_names", "placebo")]


def test_non_drug_interventions_are_not_reported():
    _, findings = extract_dosing(
        [{"intervention_type": "PROCEDURE", "name": "Tumour biopsy", "description": "One biopsy at baseline."}], [], [])
    assert findings == []


def test_dose_with_no_drug_is_reported_not_loaded():
    rows, findings = extract_dosing(
        [{"intervention_type": "DRUG", "name": "Carboplatin or cisplatin", "description": "Given 10 mg on day 1."}],
        [], [])
    assert rows == []
    (finding,) = findings
    assert (finding.category, finding.severity) == ("parse", "INFO")
    assert "10 mg" in finding.message
    assert finding.observed == "Given 10 mg on day 1."


def test_arm_with_one_intervention_is_about_that_drug():
    rows, _ = extract_dosing(
        [{"intervention_type": "DRUG", "name": "Imdelltra", "description": None}],
        [{"label": "Arm A", "group_type": "EXPERIMENTAL", "description": "10 mg IV every two weeks.",
          "intervention_names": ["Imdelltra"]}],
        [])
    assert _without_text(rows) == [_step("tarlatamab", 1, 10.0, "mg", "IV", "Q2W")]


# --- what is not a dose -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "salvage options offer limited benefit (response rates 10-30%, overall survival 5-7 months).",
        "The primary objective is the 12-month OS rate of tarlatamab in ECOG PS 2 patients.",
        "Tarlatamab was given for a 21-day screening period, RECIST v1.1.",
        "Tarlatamab on Cycle 1 Day 1 (C1D1), Day 8 (C1D8), followed by administration every two weeks.",
    ],
)
def test_numbers_without_a_dose_unit_are_not_doses(text):
    assert _one(text, "Tarlatamab") == []


def test_stage_iv_is_not_a_route():
    (row,) = _one("Patients with stage IV disease receive tarlatamab 10 mg every two weeks.", "Tarlatamab")
    assert row["route"] is None


def test_auc_units_are_not_a_second_mg_dose():
    rows = _one("Carboplatin AUC 5 mg/mL/min IV on day 1", "Carboplatin")
    assert [(row["dose_value"], row["dose_unit"]) for row in rows] == [(5.0, "AUC")]


def test_study_texts_are_read_only_when_descriptions_state_no_dose():
    interventions = [{"intervention_type": "DRUG", "name": "Tarlatamab", "description": "Tarlatamab 10 mg IV Q2W."}]
    rows, _ = extract_dosing(interventions, [], ["Tarlatamab 1 mg IV on C1D1."])
    assert [(row["dose_value"], row["timing"]) for row in rows] == [(10.0, "Q2W")]
    rows, _ = extract_dosing([{**interventions[0], "description": None}], [], ["Tarlatamab 1 mg IV on C1D1."])
    assert [(row["dose_value"], row["timing"]) for row in rows] == [(1.0, "C1D1")]


def test_a_total_in_parentheses_restates_the_doses_before_it():
    # NCT02210780, arm "Dupilumab 300 mg qw"
    rows = _one("Two subcutaneous injections of Dupilumab 300 mg (for a total of 600 mg) as a loading dose on Day 1, "
                "followed by a single 300 mg injection qw from Week 1 to Week 15.", "Dupilumab")
    assert [(row["dose_value"], row["route"], row["timing"]) for row in rows] == [
        (300.0, "SC", "D1"), (300.0, "SC", "QW")
    ]


def test_loading_then_daily_dose_with_a_duration_that_is_not_a_cap():
    # NCT04431453, cohort 1
    rows = _one("Participants will receive RDV 200 mg, intravenous (IV) infusion on Day 1 followed by RDV 100 mg, "
                "IV infusion, daily, up to 10 days.", "Remdesivir")
    assert [(row["drug"], row["dose_value"], row["route"], row["timing"], row["max_dose_value"]) for row in rows] == [
        ("remdesivir", 200.0, "IV", "D1", None), ("remdesivir", 100.0, "IV", "QD", None)
    ]
