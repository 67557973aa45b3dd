"""The ClinicalTrials.Veeva layout, read from seed 002 (NCT07358676)."""

from __future__ import annotations

import pytest

from pipeline.extract.layouts import veeva_page
from pipeline.extract.fields.study_fields import build_study_row
from tests.conftest import read_seed

TITLE = (
    "A Study of Bemotuzumab Plus Chemotherapy and Anlotinib Induction Followed by Bemotuzumab, "
    "Anlotinib and Consolidative Thoracic Radiotherapy in Extensive-Stage Small Cell Lung Cancer"
)
REGIMEN = "Bemotuzumab + Anlotinib + Chemotherapy + Radiotherapy"


@pytest.fixture(scope="module")
def doc():
    return veeva_page.parse(read_seed("002"))


@pytest.fixture(scope="module")
def study(doc):
    row, findings = build_study_row(doc.nct_id, doc.study)
    assert findings == []
    return row


def _criteria(doc, criterion_type):
    return [row for row in doc.rows["eligibility_criteria"] if row["criterion_type"] == criterion_type]


def test_matches_the_veeva_seed_only():
    assert veeva_page.matches(read_seed("002"))
    for other in ("000", "001", "003", "004"):
        assert not veeva_page.matches(read_seed(other)), other
    assert not veeva_page.matches("Minutes of the board meeting.\nTrial design was discussed.\n")
    assert not veeva_page.matches("We searched ClinicalTrials.Veeva\nfor trials.\n")


def test_format_and_nct_id(doc):
    assert doc.format == "veeva_page"
    assert doc.nct_id == "NCT07358676"


def test_raw_study_fields_are_kept_as_written(doc):
    assert doc.study["overall_status"] == "Not yet enrolling"
    assert doc.study["phase"] == "Phase 2"
    assert doc.study["enrollment"] == "25 estimated patients"
    assert doc.study["age_range"] == "18 to 75 years old"
    assert doc.study["healthy_volunteers"] == "No Healthy Volunteers"
    assert doc.study["masking"] == "None (Open label)"
    assert "official_title" not in doc.study


def test_typed_study_row(study):
    assert study["brief_title"] == TITLE
    assert study["official_title"] is None
    assert study["overall_status"] == "NOT_YET_RECRUITING"
    assert study["phase"] == "PHASE2"
    assert study["study_type"] == "INTERVENTIONAL"
    assert study["enrollment"] == 25
    assert study["enrollment_type"] == "ESTIMATED"
    assert study["min_age_years"] == 18
    assert study["max_age_years"] == 75
    assert study["sex"] == "ALL"
    assert study["healthy_volunteers"] is False
    assert study["primary_purpose"] == "TREATMENT"
    assert study["allocation"] == "NA"
    assert study["intervention_model"] == "SINGLE_GROUP"
    assert study["masking"] == "NONE"
    assert study["lead_sponsor"] == "Tianjin Medical University"


def test_the_page_states_no_dates(study):
    date_columns = [name for name in study if "_date" in name]
    assert len(date_columns) == 21
    assert all(study[name] is None for name in date_columns)


def test_summary_and_description(study):
    assert study["brief_summary"].startswith("This is a phase II study")
    assert study["brief_summary"].endswith("in approximately 25 patients.")
    assert study["detailed_description"].startswith("This is an exploratory Phase II clinical trial")
    assert study["detailed_description"].endswith("The study plans to enroll approximately 25 patients.")


def test_conditions_keep_their_commas(doc):
    assert doc.rows["conditions"] == [
        {"condition": "SCLC, Extensive Stage"},
        {"condition": "Small Cell Lung Cancer (SCLC)"},
    ]


def test_combination_product_intervention(doc):
    assert doc.rows["interventions"] == [
        {"intervention_type": "COMBINATION_PRODUCT", "name": REGIMEN, "description": None}
    ]


def test_other_identifier_has_no_type(doc):
    assert doc.rows["identifiers"] == [{"identifier": "E20260033", "identifier_type": None}]


def test_lead_sponsor_takes_the_funder_type(doc):
    assert doc.rows["sponsors"] == [
        {"name": "Tianjin Medical University", "role": "LEAD", "agency_class": "OTHER"}
    ]


def test_inclusion_criteria(doc):
    inclusion = _criteria(doc, "INCLUSION")
    assert [row["ordinal"] for row in inclusion] == list(range(1, 11))
    assert inclusion[0]["text"] == (
        "Histologically or cytologically confirmed extensive-stage small cell lung cancer (ES-SCLC) per VALG staging."
    )
    assert inclusion[3]["text"] == "Age 18-75 years."
    assert inclusion[9]["text"] == "Willing and able to provide written informed consent and comply with study procedures."


def test_nested_lab_values_stay_in_their_criterion(doc):
    organ_function = _criteria(doc, "INCLUSION")[6]["text"].splitlines()
    assert organ_function[0] == "Adequate hematologic and organ function:"
    assert len(organ_function) == 10
    assert organ_function[1] == "- Absolute neutrophil count (ANC) ≥ 1.5 × 10^9/L."
    assert organ_function[9] == "- Left ventricular ejection fraction (LVEF) ≥ 50%."
    assert _criteria(doc, "INCLUSION")[7]["text"].startswith("For females of childbearing potential:")


def test_exclusion_criteria(doc):
    exclusion = _criteria(doc, "EXCLUSION")
    assert [row["ordinal"] for row in exclusion] == list(range(1, 12))
    assert exclusion[0]["text"] == (
        "Symptomatic brain metastases. (Asymptomatic, treated, and stable brain metastases "
        "for ≥1 month without steroids are allowed)."
    )
    assert exclusion[10]["text"].startswith("Any other condition that, in the investigator's judgment")


def test_arm(doc):
    [arm] = doc.rows["arm_groups"]
    assert arm["label"] == "Experimental Group"
    assert arm["group_type"] == "EXPERIMENTAL"
    assert arm["description"].startswith("Participants receive a multi-phase experimental regimen.")
    assert arm["description"].endswith("for managing toxicity.")
    assert arm["intervention_names"] == [REGIMEN]


def test_central_contacts_keep_their_titles(doc):
    assert doc.rows["contacts"] == [
        {"name": "Dingzhi Huang, Doctor", "role": "CONTACT", "phone": None, "email": None, "facility": None},
        {"name": "Ningbo Liu, Doctor", "role": "CONTACT", "phone": None, "email": None, "facility": None},
    ]


def test_unloaded_locations_are_reported_not_invented(doc):
    assert "sites" not in doc.rows
    [finding] = doc.findings
    assert (finding.category, finding.severity, finding.field) == ("parse", "INFO", "sites")
    assert finding.message == "1 location listed but not in the page"


def test_footer_is_not_data(doc):
    everything = repr(doc.rows) + repr(doc.study)
    assert "Veeva Systems" not in everything
    assert "Data sourced from" not in everything
    assert "Find clinical trials" not in everything


def test_several_arms_and_interventions_on_one_line():
    page = read_seed("002").replace(
        "25 participants in 1 patient group\n",
        "25 participants in 2 patient groups\n",
    ).replace(
        f"Treatment:\nCombination Product: {REGIMEN}\n",
        "Treatment:\nDrug: Anlotinib, Drug: Carboplatin, Etoposide\n"
        "Standard Care\nActive Comparator group\nDescription:\nChemotherapy alone.\nTreatment:\nDrug: Etoposide\n",
    )
    arms = veeva_page.parse(page).rows["arm_groups"]
    assert [arm["label"] for arm in arms] == ["Experimental Group", "Standard Care"]
    assert arms[0]["intervention_names"] == ["Anlotinib", "Carboplatin, Etoposide"]
    assert arms[1] == {
        "label": "Standard Care",
        "group_type": "ACTIVE_COMPARATOR",
        "description": "Chemotherapy alone.",
        "intervention_names": ["Etoposide"],
    }


def test_odd_input_is_reported_not_raised():
    doc = veeva_page.parse("ClinicalTrials.Veeva\n\nMenu\n\nSome title\n\nIdentifiers\n\nABC-1\n")
    assert doc.nct_id is None
    assert doc.study == {"brief_title": "Some title"}
    assert {(finding.category, finding.field) for finding in doc.findings} == {
        ("parse", "lead_sponsor"),
        ("identifier", "nct_id"),
    }
    assert veeva_page.parse("").rows == {}
