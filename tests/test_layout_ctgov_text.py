"""The ClinicalTrials.gov text export layout, checked against seed 001 (NCT06893783)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.extract.layouts import ctgov_text
from pipeline.extract.fields.study_fields import build_study_row

SEED = "001"


@pytest.fixture
def text(seed_text):
    return seed_text(SEED)


@pytest.fixture
def doc(text):
    return ctgov_text.parse(text)


@pytest.fixture
def typed(doc):
    return build_study_row(doc.nct_id, doc.study)


def _without_line(text: str, line: str) -> str:
    lines = text.splitlines()
    lines.remove(line)
    return "\n".join(lines)


def _parse_findings(parsed) -> list:
    return [finding for finding in parsed.findings if finding.category == "parse"]


# --- detection ----------------------------------------------------------------


def test_matches_its_seed(text):
    assert ctgov_text.matches(text)


@pytest.mark.parametrize("other", ["000", "002", "003", "004"])
def test_does_not_match_other_layouts(seed_text, other):
    assert not ctgov_text.matches(seed_text(other))


def test_does_not_match_non_trial_text():
    assert not ctgov_text.matches("2025-01-01\n2025-02-01\nShopping list\nMilk\nEggs\n")
    assert not ctgov_text.matches("")


def test_matches_without_the_registration_table(text):
    assert ctgov_text.matches(text.split("These dates track")[0])


def test_format_name(doc):
    assert ctgov_text.FORMAT == "ctgov_text"
    assert doc.format == "ctgov_text"


# --- header -------------------------------------------------------------------


def test_identity_and_titles(doc, typed):
    row, _ = typed
    assert doc.nct_id == "NCT06893783"
    assert row["brief_title"] == (
        "Efficacy and Safety Evaluation of Tarlatamab in Advanced Extrapulmonary "
        "Neuroendocrine Carcinoma Patients"
    )
    assert row["official_title"] is None
    assert row["brief_summary"].startswith("This is a phase 2 single-arm, open-label clinical trial")
    assert row["brief_summary"].endswith("No placebo control is included in this study.")
    assert row["detailed_description"].startswith("1. study rationale Extrapulmonary neuroendocrine carcinomas")
    assert row["detailed_description"].endswith("There is no placebo in this study.")


def test_header_dates_enrollment_and_type(doc, typed):
    row, _ = typed
    assert doc.study["enrollment"] == "60"
    assert row["start_date"] == dt.date(2025, 9, 2)
    assert row["start_date_precision"] == "DAY"
    assert row["primary_completion_date"] == dt.date(2029, 4, 30)
    assert row["completion_date"] == dt.date(2029, 4, 30)
    assert row["enrollment"] == 60
    assert row["enrollment_type"] is None
    assert row["study_type"] == "INTERVENTIONAL"
    assert row["phase"] is None
    assert row["overall_status"] is None


def test_lead_sponsor(doc, typed):
    row, _ = typed
    assert row["lead_sponsor"] == "Asan Medical Center"
    assert doc.rows["sponsors"] == [{"name": "Asan Medical Center", "role": "LEAD", "agency_class": None}]


# --- body ---------------------------------------------------------------------


def test_registration_dates(typed):
    row, _ = typed
    assert row["first_submitted_date"] == dt.date(2025, 2, 21)
    assert row["first_posted_date"] == dt.date(2025, 3, 25)
    assert row["last_update_posted_date"] == dt.date(2025, 9, 8)
    assert row["last_verified_date"] == dt.date(2025, 9, 1)
    assert row["last_verified_date_precision"] == "MONTH"
    assert row["last_verified_date_raw"] == "2025-09"


def test_design(typed):
    row, _ = typed
    assert row["primary_purpose"] == "TREATMENT"
    assert row["allocation"] == "NA"
    assert row["intervention_model"] == "SINGLE_GROUP"
    assert row["masking"] == "NONE"


def test_swapped_ages_and_sex_are_handed_over_as_written_and_repaired(doc, typed):
    row, findings = typed
    assert doc.study["age_range"] == "ALL"
    assert doc.study["sex"] == "19 Years"
    assert row["sex"] == "ALL"
    assert row["min_age_years"] == 19
    assert row["max_age_years"] is None
    swaps = [finding for finding in findings if finding.category == "field_swap"]
    assert len(swaps) == 1
    assert swaps[0].observed == "age_range='ALL'; sex='19 Years'"


def test_healthy_volunteers_not_stated(doc, typed):
    row, _ = typed
    assert "healthy_volunteers" not in doc.study
    assert row["healthy_volunteers"] is None


def test_outcomes(doc):
    outcomes = doc.rows["outcomes"]
    primary = [o for o in outcomes if o["outcome_type"] == "PRIMARY"]
    secondary = [o for o in outcomes if o["outcome_type"] == "SECONDARY"]
    assert len(outcomes) == 4
    assert primary == [
        {
            "outcome_type": "PRIMARY",
            "ordinal": 1,
            "measure": "Objective response rate (ORR)",
            "description": (
                "defined as the percentage of participants who have a partial response or complete "
                "response based on investigator assessment per Response Evaluation Criteria in Solid "
                "Tumors Version 1.1 (RECIST 1.1)"
            ),
            "time_frame": (
                "From the date of first dose until the date of the first confirmed objective response "
                "(PR or CR) per RECIST v1.1, assessed up to 36 months"
            ),
        }
    ]
    assert [(o["ordinal"], o["measure"]) for o in secondary] == [
        (1, "Progression free survival (PFS)"),
        (2, "Overall Survival(OS)"),
        (3, "Duration of response (DOR)"),
    ]
    assert secondary[0]["time_frame"].startswith("From date of randomization")
    assert secondary[1]["description"] == "defined as time from treatment initiation until death from any cause"
    assert secondary[2]["time_frame"].endswith("whichever occurs first.")


def test_contacts(doc):
    assert doc.rows["contacts"] == [
        {
            "name": "Inkeun Park, M.D, Ph D",
            "role": "CONTACT",
            "phone": "+82-2-3010-3266",
            "email": "ikpark@amc.seoul.kr",
            "facility": None,
        },
        {
            "name": "Hung-Don Kim, M.D, Ph D",
            "role": "BACKUP",
            "phone": "+82-2-3010-0236",
            "email": "kimhdmd@amc.seoul.kr",
            "facility": None,
        },
    ]


def test_arm_and_intervention(doc):
    assert doc.rows["arm_groups"] == [
        {
            "label": "All patient",
            "group_type": "EXPERIMENTAL",
            "description": (
                "The study will be divided into a gastrointestinal and pancreatic-biliary cohort and a "
                "genitourinary cohort; however, the dosage, frequency, duration, and administration route "
                "of the investigational drug will remain the same as outlined below."
            ),
            "intervention_names": ["Tarlatamab"],
        }
    ]
    assert doc.rows["interventions"] == [
        {"intervention_type": "DRUG", "name": "Tarlatamab", "description": None}
    ]


def test_nothing_the_record_does_not_state(doc):
    assert "eligibility_criteria" not in doc.rows
    assert "sites" not in doc.rows
    assert "officials" not in doc.rows
    assert "conditions" not in doc.rows


def test_seed_reads_without_parse_findings(doc):
    assert doc.findings == []


# --- robustness ---------------------------------------------------------------


def test_missing_enrollment_line_leaves_other_header_fields_in_place(text):
    parsed = ctgov_text.parse(_without_line(text, "60"))
    assert parsed.nct_id == "NCT06893783"
    assert "enrollment" not in parsed.study
    assert parsed.study["start_date"] == "2025-09-02"
    assert parsed.study["lead_sponsor"] == "Asan Medical Center"
    assert parsed.study["study_type"] == "INTERVENTIONAL"
    assert parsed.study["brief_title"].startswith("Efficacy and Safety Evaluation of Tarlatamab")


def test_missing_date_line_leaves_the_unlabelled_dates_unplaced(text):
    parsed = ctgov_text.parse(_without_line(text, "2025-09-02"))
    for field in ("start_date", "primary_completion_date", "completion_date"):
        assert field not in parsed.study
    findings = _parse_findings(parsed)
    assert [finding.observed for finding in findings] == ["2029-04-30", "2029-04-30"]
    assert parsed.study["enrollment"] == "60"
    # The registration table's own 2025-09-02 is not a header date.
    assert parsed.study["last_update_posted_date"] == "2025-09-08"


def test_missing_study_type_places_texts_by_position_and_says_so(text):
    parsed = ctgov_text.parse(_without_line(text, "INTERVENTIONAL"))
    assert "study_type" not in parsed.study
    assert parsed.study["lead_sponsor"] == "Asan Medical Center"
    assert parsed.study["brief_title"].startswith("Efficacy and Safety Evaluation of Tarlatamab")
    assert parsed.study["brief_summary"].startswith("This is a phase 2 single-arm")
    assert [finding.field for finding in _parse_findings(parsed)] == ["study_type"]


def test_unrecognized_lines_and_labels_are_reported(text):
    changed = text.replace(
        "Masking:\nNone\n", "Masking:\nNone\nTime Perspective:\nProspective\nSomething unexpected\n"
    )
    parsed = ctgov_text.parse(changed)
    observed = [finding.observed for finding in _parse_findings(parsed)]
    assert observed == ["Time Perspective: Prospective", "Something unexpected"]
    assert parsed.study["masking"] == "None"


def test_contact_straight_after_a_table_is_still_a_contact(text):
    changed = text.replace(
        "This section provides the contact details for those conducting the study, "
        "and information on where this study is being conducted.\n",
        "",
    )
    parsed = ctgov_text.parse(changed)
    assert len(parsed.rows["outcomes"]) == 4
    assert [contact["role"] for contact in parsed.rows["contacts"]] == ["CONTACT", "BACKUP"]


def test_empty_text_reports_missing_nct_id():
    parsed = ctgov_text.parse("")
    assert parsed.nct_id is None
    assert [(finding.severity, finding.field) for finding in parsed.findings] == [("ERROR", "nct_id")]


# --- real exports (tests/fixtures/rendered: real registry records in this layout) ---------


_REAL_EXPORTS = Path(__file__).parent / "fixtures" / "rendered" / "docs" / "ctgov_classic"


def _real(prefix: str):
    return ctgov_text.parse(next(_REAL_EXPORTS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8"))


def _interventions(parsed) -> list[tuple[str | None, str]]:
    return [(row["intervention_type"], row["name"]) for row in parsed.rows.get("interventions", [])]


def _arm_interventions(parsed) -> list[tuple[str | None, list[str]]]:
    return [(row["group_type"], row["intervention_names"]) for row in parsed.rows["arm_groups"]]


def test_one_arm_per_line_with_several_interventions_per_cell():
    # NCT05381948: eight arms, one per line, the table closed by a lone "|";
    # the last two cells each name two interventions on one line.
    parsed = _real("004")
    assert _arm_interventions(parsed) == [
        ("EXPERIMENTAL", ["TQH3821 tablets"]),
        ("PLACEBO_COMPARATOR", ["TQH3821 tablets (Placebo)"]),
        ("EXPERIMENTAL", ["TQH3821 tablets"]),
        ("PLACEBO_COMPARATOR", ["TQH3821 tablets (Placebo)"]),
        ("EXPERIMENTAL", ["TQH3821 tablets"]),
        ("PLACEBO_COMPARATOR", ["TQH3821 tablets (Placebo)"]),
        ("EXPERIMENTAL", ["TQH3821 tablets", "Methotrexate tablets"]),
        ("PLACEBO_COMPARATOR", ["TQH3821 tablets (Placebo)", "Methotrexate tablets"]),
    ]
    assert _interventions(parsed) == [
        ("DRUG", "TQH3821 tablets"),
        ("DRUG", "TQH3821 tablets (Placebo)"),
        ("DRUG", "Methotrexate tablets"),
    ]
    assert _parse_findings(parsed) == []
    # The outcome table after the lone "|" is still read.
    assert len(parsed.rows["outcomes"]) == 5


def test_interventions_of_several_types_in_one_cell():
    parsed = _real("005")  # NCT04372602
    assert _arm_interventions(parsed) == [
        ("EXPERIMENTAL", ["Duvelisib", "Peripheral blood draw"]),
        ("SHAM_COMPARATOR", ["Peripheral blood draw", "Placebo"]),
    ]
    assert _interventions(parsed) == [("DRUG", "Duvelisib"), ("PROCEDURE", "Peripheral blood draw"), ("DRUG", "Placebo")]


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("010", [("RADIATION", "PET-MRI")]),
        ("026", [("BIOLOGICAL", "MV-CHIK"), ("BIOLOGICAL", "MMR-vaccine")]),
        ("003", [
            ("DIETARY_SUPPLEMENT",
             "Standardized extract of Chamomilla L., Melissa Officinalis L. and tyndallized L. Acidophilus (H122)"),
            ("DIETARY_SUPPLEMENT", "Lactobacillus reuteri DSM 17938 (108 CFU)"),
            ("DRUG", "Simethicone"),
        ]),
    ],
)
def test_intervention_types_other_than_drug(prefix, expected):
    assert _interventions(_real(prefix)) == expected


def test_a_name_holding_a_colon_is_not_cut():
    # NCT00492778 names its drug interventions after the arms: "DRUG: Arm A: ABC+3TC+NNRTI".
    names = [name for _, name in _interventions(_real("065"))]
    assert names[2:5] == [
        "Arm A: ABC+3TC+NNRTI",
        "Arm B: ZDV+ABC+3TC+NNRTI->ABC+3TC+NNRTI maintenance",
        "Arm C: ZDV+ABC+3TC+NNRTI->ZDV+ABC+3TC maintenance",
    ]
    assert len(names) == 9


def test_untyped_cohort_arm():
    # NCT02567188, observational: the cohort carries no arm type.
    parsed = _real("006")
    assert _arm_interventions(parsed) == [(None, ["MIRCERA"])]
    assert parsed.rows["arm_groups"][0]["label"].startswith("Cohort of CKD Participants")
    assert _interventions(parsed) == [("OTHER", "MIRCERA")]
    assert [finding for finding in parsed.findings if finding.category == "domain"] == []


def test_arms_with_an_empty_intervention_cell():
    # NCT05381714 writes "Patients <description> | " and "Control <description> | ".
    parsed = _real("011")
    assert _arm_interventions(parsed) == [(None, []), (None, [])]
    assert parsed.rows["arm_groups"][1]["label"] == "Control"
    assert "interventions" not in parsed.rows
    assert len(parsed.rows["outcomes"]) == 12


def test_interventions_written_on_separate_lines_of_one_cell(text):
    changed = text.replace("| DRUG: Tarlatamab\n|", "| DRUG: Tarlatamab\nPROCEDURE: Blood draw\n|")
    parsed = ctgov_text.parse(changed)
    assert _interventions(parsed) == [("DRUG", "Tarlatamab"), ("PROCEDURE", "Blood draw")]
    assert parsed.rows["arm_groups"][0]["intervention_names"] == ["Tarlatamab", "Blood draw"]
    assert len(parsed.rows["outcomes"]) == 4


@pytest.mark.parametrize(
    ("prefix", "dates", "enrollment"),
    [
        # NCT00001177 states only its start date: the two empty lines keep the places.
        ("036", ("1981-08-24", None, None), "1600"),
        ("047", ("2002-09", None, "2004-05"), "90"),
        ("009", ("2005-01", "2005-12", None), "20"),
    ],
)
def test_empty_header_lines_keep_each_date_in_its_place(prefix, dates, enrollment):
    parsed = _real(prefix)
    fields = ("start_date", "primary_completion_date", "completion_date")
    assert tuple(parsed.study.get(field) for field in fields) == dates
    assert parsed.study["enrollment"] == enrollment
    assert [finding.field for finding in _parse_findings(parsed) if finding.field] == []


def test_every_real_export_gives_the_expected_interventions():
    """The 75 real exports with an arms table give the registry's distinct interventions."""
    expected = json.loads((_REAL_EXPORTS.parent.parent / "expected.json").read_text(encoding="utf-8"))["ctgov_classic"]
    wrong = {}
    for name, record in expected.items():
        want = record["counts"].get("interventions")
        parsed = ctgov_text.parse((_REAL_EXPORTS / name).read_text(encoding="utf-8"))
        got = len(set(_interventions(parsed)))
        if want is not None and got != want:
            wrong[name] = (want, got)
    assert wrong == {}
