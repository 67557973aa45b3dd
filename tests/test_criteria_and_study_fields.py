"""Criteria splitting and study-field typing, on the seeds' own text."""

from __future__ import annotations

import datetime as dt

from pipeline.extract.fields.criteria import split_criteria, split_inclusion_exclusion, unescape_markdown
from pipeline.extract.fields.study_fields import build_study_row, repair_swapped_fields
from tests.conftest import read_seed


def _mirror_criteria(number: str) -> dict[str, list[str]]:
    text = read_seed(number).split("Eligibility Criteria", 1)[1].split("Minimum Eligible Age")[0]
    return {kind: split_criteria(block) for kind, block in split_inclusion_exclusion(text).items()}


def test_000_nested_bullets_stay_with_the_item_that_opens_them():
    criteria = _mirror_criteria("000")
    assert len(criteria["INCLUSION"]) == 11
    assert len(criteria["EXCLUSION"]) == 19
    pulmonary = criteria["INCLUSION"][7]
    assert pulmonary.startswith("Pulmonary function:")
    assert "- Baseline oxygen saturation >90% on room air." in pulmonary
    assert criteria["INCLUSION"][8].startswith("Cardiac function: Left ventricular ejection fraction")
    checkpoint = criteria["EXCLUSION"][2]
    assert checkpoint.count("\n- ") == 4
    assert checkpoint.endswith("Exception: patients with a history of immune-checkpoint inhibitor-induced "
                               "endocrinopathy which is clinically stable on replacement therapy.")


def test_000_a_paragraph_continues_the_item_above_it():
    previous_treatment = _mirror_criteria("000")["INCLUSION"][1]
    assert previous_treatment.startswith("Previous treatment with only one line")
    assert "\nPatients treated with a platinum-etoposide doublet" in previous_treatment


def test_003_sub_items_a_to_e_stay_inside_item_6():
    criteria = _mirror_criteria("003")
    assert (len(criteria["INCLUSION"]), len(criteria["EXCLUSION"])) == (7, 10)
    item6 = criteria["INCLUSION"][5]
    assert item6.startswith("Adequate hematology and organ function")
    for letter in "abcde":
        assert f"\n{letter}) " in item6
    assert criteria["INCLUSION"][6].startswith("Subjects voluntarily enrolled")
    assert criteria["EXCLUSION"][0].startswith("Patients with symptomatic brain metastases.")


def test_markdown_escapes_are_removed():
    assert unescape_markdown(r"saturation \>90% \[HCV Ab\] 1\.") == "saturation >90% [HCV Ab] 1."


def test_001_ages_and_sex_swap_is_repaired_with_the_originals_kept():
    row, findings = build_study_row("NCT06893783", {"age_range": "ALL", "sex": "19 Years"})
    assert (row["sex"], row["min_age_years"], row["max_age_years"]) == ("ALL", 19.0, None)
    (swap,) = findings
    assert (swap.category, swap.severity, swap.field) == ("field_swap", "WARNING", "age_range,sex")
    assert swap.observed == "age_range='ALL'; sex='19 Years'"


def test_ages_and_sex_the_right_way_round_are_left_alone():
    row, findings = build_study_row("NCT06893783", {"age_range": "19 Years", "sex": "ALL"})
    assert (row["sex"], row["min_age_years"]) == ("ALL", 19.0)
    assert findings == []


def test_one_odd_value_is_reported_not_swapped():
    fields, findings = repair_swapped_fields({"age_range": "ALL", "sex": "Female"})
    assert fields == {"age_range": "ALL", "sex": "Female"} and findings == []
    row, findings = build_study_row("NCT00000001", {"age_range": "ALL", "sex": "Female"})
    assert row["sex"] == "FEMALE" and row["min_age_years"] is None
    assert [(f.category, f.field, f.observed) for f in findings] == [("domain", "age_range", "ALL")]


def test_enrollment_texts_become_count_and_type():
    row, _ = build_study_row("NCT07358676", {"enrollment": "25 estimated patients"})
    assert (row["enrollment"], row["enrollment_type"]) == (25, "ESTIMATED")
    row, _ = build_study_row("NCT07203053", {"enrollment": "48 participants"})
    assert (row["enrollment"], row["enrollment_type"]) == (48, None)


def test_an_unreadable_date_is_null_with_a_parse_finding():
    row, findings = build_study_row("NCT07203053", {"start_date": "sometime in spring", "completion_date": "2029-10-31"})
    assert row["start_date"] is None and row["start_date_raw"] == "sometime in spring"
    assert row["completion_date"] == dt.date(2029, 10, 31)
    assert [(f.category, f.field) for f in findings] == [("parse", "start_date")]
