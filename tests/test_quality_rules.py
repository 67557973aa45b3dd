"""Each quality check on small hand-made frames: one case that fires, one that must not."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.extract.parsing import parse_document
from pipeline.quality import rules
from pipeline.quality.models import to_frame, validate_frame
from pipeline.extract.fields.swaps import repair_child_rows
from pipeline.extract.fields.study_fields import build_study_row
from pipeline.store.warehouse import rows_to_arrow, schema_of


def frame(table: str, rows: list[dict]):
    defaults = {"source_file": "doc.txt", **({"position": 1} if "position" in schema_of(table).names else {})}
    return to_frame(rows_to_arrow(table, [{**defaults, **row} for row in rows]))


def study(**fields) -> dict:
    return {"nct_id": "NCT00000001", **fields}


# --- pandera models -----------------------------------------------------------------

def test_a_malformed_nct_id_is_an_identifier_error():
    (finding,) = validate_frame("studies", frame("studies", [study(nct_id="NCT123")]))
    assert (finding.category, finding.severity, finding.observed) == ("identifier", "ERROR", "NCT123")


def test_a_well_formed_study_passes_its_model():
    assert validate_frame("studies", frame("studies", [study(phase="PHASE2", sex="ALL", min_age_years=18.0)])) == []


def test_values_outside_the_vocabulary_or_bounds_are_domain_warnings():
    findings = validate_frame("studies", frame("studies", [study(phase="PHASE 5", min_age_years=130.0)]))
    assert sorted((f.field, f.category, f.severity) for f in findings) == [
        ("min_age_years", "domain", "WARNING"),
        ("phase", "domain", "WARNING"),
    ]


def test_two_rows_for_one_key_are_an_identifier_error():
    """A child row's key is its trial, document and position: one condition stated twice is two rows."""
    rows = [{"nct_id": "NCT00000001", "condition": "SCLC", "position": 1}] * 2
    (finding,) = validate_frame("conditions", frame("conditions", rows))
    assert (finding.category, finding.severity, finding.field) == ("identifier", "ERROR", "nct_id,source_file,position")
    assert finding.message == ("conditions holds more than one row for the key (nct_id, source_file, position): "
                               "NCT00000001, doc.txt, 1")
    stated_twice = [rows[0], {**rows[0], "position": 2}]
    assert validate_frame("conditions", frame("conditions", stated_twice)) == []


def test_a_row_without_its_place_in_the_document_is_an_identifier_error():
    (finding,) = validate_frame("sites", frame("sites", [{"nct_id": "NCT00000001", "position": None}]))
    assert (finding.category, finding.severity, finding.field) == ("identifier", "ERROR", "position")


def test_malformed_emails_and_phones_are_flagged():
    good = {"nct_id": "NCT00000001", "name": "A", "phone": "+82-2-3010-3266", "email": "ikpark@amc.seoul.kr"}
    assert validate_frame("contacts", frame("contacts", [good])) == []
    bad = {**good, "phone": "call the desk", "email": "ikpark at amc"}
    assert sorted(f.field for f in validate_frame("contacts", frame("contacts", [bad]))) == ["email", "phone"]


# --- date order ---------------------------------------------------------------------

def _dated(**dates) -> dict:
    row = study()
    for name, text in dates.items():
        row[f"{name}_date"] = dt.date.fromisoformat(text if len(text) == 10 else f"{text}-01")
        row[f"{name}_date_precision"] = "DAY" if len(text) == 10 else "MONTH"
        row[f"{name}_date_raw"] = text
    return row


def test_completion_before_start_is_a_date_order_error():
    (finding,) = rules.check_date_order(frame("studies", [_dated(start="2028-04-15", completion="2027-12-31")]))
    assert (finding.category, finding.severity) == ("date_order", "ERROR")
    assert finding.message == "completion date 2027-12-31 is before start date 2028-04-15"


def test_a_month_only_date_is_not_before_a_day_in_its_month():
    studies = frame("studies", [_dated(first_posted="2025-09-08", last_update_posted="2025-09")])
    assert rules.check_date_order(studies) == []
    studies = frame("studies", [_dated(start="2025-04-15", primary_completion="2029-04-30", completion="2029-04-30")])
    assert rules.check_date_order(studies) == []


# --- enrollment -----------------------------------------------------------------------

@pytest.mark.parametrize(
    "fields, severity, words",
    [
        ({"study_type": "INTERVENTIONAL"}, "WARNING", "no enrollment"),
        ({"enrollment": 0, "overall_status": "RECRUITING"}, "ERROR", "not a number of participants"),
        ({"enrollment": 1500, "phase": "PHASE1"}, "WARNING", "implausible for a PHASE1"),
        ({"enrollment": 236_507, "phase": "NA"}, "WARNING", "more than 100,000"),
        ({"enrollment": 48, "enrollment_type": "ACTUAL", "overall_status": "NOT_YET_RECRUITING"}, "WARNING", "ACTUAL"),
    ],
)
def test_enrollment_rules_fire(fields, severity, words):
    (finding,) = rules.check_enrollment(frame("studies", [study(**fields)]))
    assert (finding.category, finding.severity) == ("enrollment", severity)
    assert words in finding.message


def test_plausible_enrollments_and_withdrawn_zero_pass():
    rows = [
        study(nct_id="NCT00000001", study_type="INTERVENTIONAL", enrollment=48, phase="PHASE2",
              enrollment_type="ESTIMATED", overall_status="NOT_YET_RECRUITING"),
        study(nct_id="NCT00000002", enrollment=0, enrollment_type="ACTUAL", overall_status="WITHDRAWN"),
    ]
    assert rules.check_enrollment(frame("studies", rows)) == []


# --- field swaps -----------------------------------------------------------------------

def test_phone_and_email_swapped_are_put_back():
    rows, findings = repair_child_rows("contacts", [{"name": "A", "phone": "a@b.org", "email": "+41 31 511 94 00"}])
    assert (rows[0]["phone"], rows[0]["email"]) == ("+41 31 511 94 00", "a@b.org")
    assert findings[0].category == "field_swap"
    rows, findings = repair_child_rows("contacts", [{"name": "A", "phone": "+41 31 511 94 00", "email": "a@b.org"}])
    assert findings == []


def test_city_and_country_swapped_are_put_back_but_one_odd_value_is_not():
    rows, findings = repair_child_rows("sites", [{"facility": "CHU", "city": "France", "country": "Angers"}])
    assert (rows[0]["city"], rows[0]["country"]) == ("Angers", "France")
    assert findings[0].observed == "city='France'; country='Angers'"
    rows, findings = repair_child_rows("sites", [{"facility": "CHU", "city": "France", "country": "France"}])
    assert findings == [] and rows[0]["city"] == "France"


def test_minimum_above_maximum_age_is_put_back():
    row, findings = build_study_row("NCT00000001", {"min_age": "75 Years", "max_age": "18 Years"})
    assert (row["min_age_years"], row["max_age_years"]) == (18.0, 75.0)
    assert findings[0].field == "min_age_years,max_age_years"


# --- consistency ------------------------------------------------------------------------

def _criteria(nct_id: str, *texts: str):
    return frame("eligibility_criteria", [
        {"nct_id": nct_id, "criterion_type": "INCLUSION", "ordinal": i, "text": t} for i, t in enumerate(texts, 1)
    ])


def test_criteria_ages_against_structured_ages():
    studies = frame("studies", [study(min_age_years=18.0, max_age_years=75.0)])
    assert rules.check_criteria_ages(studies, _criteria("NCT00000001", "18-75 years of age or older; ECOG score: 0-1")) == []
    (finding,) = rules.check_criteria_ages(studies, _criteria("NCT00000001", "Age 18-65 years."))
    assert (finding.category, finding.severity) == ("consistency", "WARNING")
    assert "states ages 18 to 65" in finding.message


def test_ecog_in_the_title_against_the_criteria():
    studies = frame("studies", [study(brief_title="Tarlatamab in ES-SCLC and ECOG PS 2")])
    assert rules.check_title_ecog(studies, _criteria("NCT00000001", "ECOG Performance Status 2.")) == []
    (finding,) = rules.check_title_ecog(studies, _criteria("NCT00000001", "ECOG performance status of 0-1."))
    assert finding.observed == "title ECOG [2]; criteria ECOG [0, 1]"


def test_randomization_wording_in_a_single_group_study():
    outcomes = frame("outcomes", [{"nct_id": "NCT00000001", "outcome_type": "SECONDARY", "ordinal": 1,
                                   "measure": "PFS", "time_frame": "From date of randomization until progression"}])
    single = frame("studies", [study(allocation="NA", intervention_model="SINGLE_GROUP")])
    (finding,) = rules.check_randomization_wording(single, outcomes)
    assert finding.category == "consistency" and "'PFS' is timed from randomization" in finding.message
    randomized = frame("studies", [study(allocation="RANDOMIZED", intervention_model="PARALLEL")])
    assert rules.check_randomization_wording(randomized, outcomes) == []


def _figures(*rows):
    return frame("evidence_findings", [
        {"cohort": "no prophylaxis", "n": n, "measure": m, "percent": p, "count": round(p * n / 100)} for n, m, p in rows
    ])


def test_evidence_percentages_must_be_whole_patients():
    assert rules.check_evidence_percentages(_figures((30, "CRS", 53.3), (40, "male", 55.0), (40, "ECOG 0-1", 87.5))) == []
    (finding,) = rules.check_evidence_percentages(_figures((30, "CRS", 52.0)))
    assert finding.message == "CRS 52% of 30 (no prophylaxis) is 15.60 patients, not a whole number"


def test_two_figures_for_one_measure_in_one_article():
    (finding,) = rules.check_evidence_percentages(_figures((30, "CRS", 53.3), (30, "CRS", 50.0)))
    assert finding.observed == "50% vs 53.3%"


# --- duplicate conflicts ------------------------------------------------------------------

def test_two_documents_disagreeing_on_enrollment():
    parsed = frame("parsed_studies", [
        {"nct_id": "NCT06931145", "enrollment": 60, "phase": "PHASE4", "source_file": "new.txt"},
        {"nct_id": "NCT06931145", "enrollment": 50, "phase": "PHASE4", "source_file": "old.txt"},
    ])
    sources = frame("study_sources", [
        {"nct_id": "NCT06931145", "source_file": "new.txt", "rank": 1},
        {"nct_id": "NCT06931145", "source_file": "old.txt", "rank": 2},
    ])
    (finding,) = rules.check_duplicate_conflicts(parsed, sources)
    assert (finding.category, finding.field, finding.source_file) == ("duplicate_conflict", "enrollment", "old.txt")
    assert finding.message == ("NCT06931145 enrollment: new.txt says 60, old.txt says 50; "
                               "studies keeps 60 from new.txt, the most recently updated document")


def test_documents_that_agree_raise_no_conflict():
    parsed = frame("parsed_studies", [
        {"nct_id": "NCT06931145", "enrollment": 50, "source_file": "a.txt"},
        {"nct_id": "NCT06931145", "enrollment": 50, "source_file": "b.txt"},
    ])
    sources = frame("study_sources", [
        {"nct_id": "NCT06931145", "source_file": "a.txt", "rank": 1},
        {"nct_id": "NCT06931145", "source_file": "b.txt", "rank": 2},
    ])
    assert rules.check_duplicate_conflicts(parsed, sources) == []


# --- parse --------------------------------------------------------------------------------

def test_an_unparseable_date_in_a_real_page_is_a_parse_finding(seed_text):
    text = seed_text("003").replace("Study Start Date\n\n2025-04-15", "Study Start Date\n\nspring 2025")
    result = parse_document("003.txt", text.encode(), "0" * 64)
    assert result.status == "PARSED"
    assert result.rows["parsed_studies"][0]["start_date"] is None
    (finding,) = [f for f in result.findings if f.field == "start_date"]
    assert (finding.category, finding.observed, finding.source_file) == ("parse", "spring 2025", "003.txt")


# --- dosing -------------------------------------------------------------------------------

def _steps(*rows):
    return frame("dosing", [{"nct_id": "NCT07203053", "drug": "tarlatamab", "dose_unit": "mg", **row} for row in rows])


def test_tarlatamab_step_up_in_order_passes():
    assert rules.check_dose_steps(_steps({"step": 1, "dose_value": 1.0}, {"step": 2, "dose_value": 10.0})) == []


def test_a_gap_in_the_steps_a_zero_dose_and_a_reversed_range_are_flagged():
    findings = rules.check_dose_steps(_steps(
        {"step": 1, "dose_value": 0.0}, {"step": 3, "dose_value": 80.0, "dose_value_max": 75.0}))
    assert sorted(f.message for f in findings) == [
        "tarlatamab dose steps are numbered [1, 3], not 1 to 2",
        "tarlatamab step 1 has dose 0: a dose must be above zero",
        "tarlatamab step 3 ranges from 80 down to 75",
    ]


def test_thresholds_outside_their_vocabularies_are_domain_warnings():
    row = {"nct_id": "NCT06931145", "criterion_type": "INCLUSION", "criterion_ordinal": 6, "analyte": "ANC",
           "comparator": ">=", "value": 1.5, "unit": "x10^9/L"}
    assert validate_frame("eligibility_thresholds", frame("eligibility_thresholds", [row])) == []
    bad = {**row, "comparator": "=>", "unit": "cells"}
    findings = validate_frame("eligibility_thresholds", frame("eligibility_thresholds", [bad]))
    assert sorted(f.field for f in findings) == ["comparator", "unit"]
