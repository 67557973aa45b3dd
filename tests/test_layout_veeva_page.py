"""The ClinicalTrials.Veeva layout, read from seed 002 (NCT07358676) and from pages in the
portal's other variants (tests/fixtures/veeva/, written from real registry records)."""

from __future__ import annotations

import pytest

from pipeline.extract.layouts import veeva_page
from pipeline.extract.fields.study_fields import build_study_row
from tests.conftest import PROJECT_ROOT, read_seed
from tests.pipeline_helpers import assert_survives, materialize_all, published, settings_in

VARIANTS = PROJECT_ROOT / "tests" / "fixtures" / "veeva"

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


def test_the_identifier_after_the_nct_id_is_the_sponsors_own(doc):
    assert doc.rows["identifiers"] == [{"identifier": "E20260033", "identifier_type": "ORG_STUDY_ID"}]


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


# --- the portal's variants, each a page written from a real registry record ---------------


def _variant(name: str):
    doc = veeva_page.parse((VARIANTS / name).read_text(encoding="utf-8"))
    row, findings = build_study_row(doc.nct_id, doc.study)
    assert findings == []
    return doc, row


def _criteria_counts(doc) -> tuple[int, int]:
    return len(_criteria(doc, "INCLUSION")), len(_criteria(doc, "EXCLUSION"))


def test_every_variant_is_recognised_as_a_veeva_page():
    assert sorted(path.name for path in VARIANTS.glob("*.txt") if veeva_page.matches(path.read_text())) == [
        "logo_numbered_NCT01642004.txt",
        "no_enrollment_funders_NCT00734539.txt",
        "observational_bullets_NCT05594173.txt",
        "observational_logo_registry_NCT02958956.txt",
    ]


def test_observational_page_with_a_status_block_and_bullets():
    doc, study = _variant("observational_bullets_NCT05594173.txt")
    assert doc.nct_id == "NCT05594173"
    assert study["brief_title"] == "Chewing and Oral Processing of Solid Food"
    assert study["lead_sponsor"] == "University Health Network, Toronto"
    assert (study["overall_status"], study["phase"], study["study_type"]) == ("COMPLETED", None, "OBSERVATIONAL")
    assert study["healthy_volunteers"] is True
    assert (study["min_age_years"], study["max_age_years"]) == (18, 60)
    assert _criteria_counts(doc) == (1, 7)
    assert _criteria(doc, "INCLUSION")[0]["text"] == "Healthy adults under age 60"
    assert _criteria(doc, "EXCLUSION")[3]["text"] == "Current use of dentures"
    assert doc.rows["identifiers"] == [
        {"identifier": "15-9431.10", "identifier_type": "ORG_STUDY_ID"},
        {"identifier": "R01DC011020", "identifier_type": "NIH"},
    ]
    # Two funder types (Other, NIH): the page does not say which is the lead sponsor's.
    assert doc.rows["sponsors"] == [
        {"name": "University Health Network, Toronto", "role": "LEAD", "agency_class": None}
    ]
    assert [(f.field, f.observed) for f in doc.findings if f.field == "agency_class"] == [("agency_class", "Other | NIH")]


def test_observational_groups_without_a_type_line_are_each_an_arm():
    doc, _ = _variant("observational_logo_registry_NCT02958956.txt")
    assert [(arm["label"], arm["group_type"], arm["intervention_names"]) for arm in doc.rows["arm_groups"]] == [
        ("Ever User of Pioglitazone", None, ["Pioglitazone"]),
        ("Never User of Pioglitazone", None, []),
    ]
    assert not [finding for finding in doc.findings if finding.field == "arm_groups"]


def test_a_logo_line_above_the_sponsor_name_separates_title_and_sponsor():
    doc, study = _variant("observational_logo_registry_NCT02958956.txt")
    assert study["brief_title"] == "Cohort Study of Pioglitazone and Cancer Incidence in Participants With Diabetes Mellitus."
    assert study["lead_sponsor"] == "Takeda"
    assert doc.rows["sponsors"] == [{"name": "Takeda", "role": "LEAD", "agency_class": "INDUSTRY"}]
    assert (study["overall_status"], study["phase"], study["study_type"]) == ("COMPLETED", None, "OBSERVATIONAL")
    assert study["enrollment"] == 236507
    assert study["healthy_volunteers"] is False
    assert (study["min_age_years"], study["max_age_years"]) == (40, None)
    assert _criteria_counts(doc) == (3, 6)
    assert doc.rows["identifiers"] == [
        {"identifier": "AD-4833_403A", "identifier_type": "ORG_STUDY_ID"},
        {"identifier": "EUPAS10335", "identifier_type": "REGISTRY"},
    ]


def test_a_logo_alone_names_the_sponsor_and_numbered_criteria_are_read():
    doc, study = _variant("logo_numbered_NCT01642004.txt")
    assert study["brief_title"].startswith("Study of BMS-936558 (Nivolumab) Compared to Docetaxel")
    assert study["brief_title"].endswith("(CheckMate 017)")
    assert study["lead_sponsor"] == "Bristol-Myers Squibb"
    assert doc.rows["sponsors"] == [{"name": "Bristol-Myers Squibb", "role": "LEAD", "agency_class": "INDUSTRY"}]
    assert (study["overall_status"], study["phase"]) == ("ACTIVE_NOT_RECRUITING", "PHASE3")
    assert study["healthy_volunteers"] is False
    assert study["masking"] == "NONE"
    assert _criteria_counts(doc) == (6, 9)
    assert _criteria(doc, "INCLUSION")[4]["text"] == "Eastern Cooperative Oncology Group (ECOG) performance status ≤1"
    assert _criteria(doc, "EXCLUSION")[8]["text"] == (
        "Treatment with any investigational agent within 14 days of first administration of study treatment"
    )
    assert doc.rows["identifiers"] == [
        {"identifier": "CA209-017", "identifier_type": "ORG_STUDY_ID"},
        {"identifier": "2011-004792-36", "identifier_type": "EUDRACT_NUMBER"},
    ]
    assert [row["intervention_type"] for row in doc.rows["interventions"]] == ["BIOLOGICAL", "DRUG"]


def test_a_page_without_an_enrollment_block_and_with_three_funder_types():
    doc, study = _variant("no_enrollment_funders_NCT00734539.txt")
    assert study["lead_sponsor"] == "Daniel Benjamin"
    assert (study["enrollment"], study["enrollment_type"]) == (None, None)
    assert (study["overall_status"], study["phase"]) == ("COMPLETED", "PHASE3")
    assert study["healthy_volunteers"] is False
    assert study["masking"] == "QUADRUPLE"
    assert study["primary_purpose"] == "PREVENTION"
    # "Up to 5 days old": a newborn's limit in days, not years.
    assert (study["min_age_years"], study["max_age_years"]) == (None, round(5 / 365.25, 4))
    assert _criteria_counts(doc) == (4, 8)
    assert _criteria(doc, "INCLUSION")[1]["text"] == "> 48 hours of age and < 120 hours old at time of first drug administration"
    assert doc.rows["identifiers"] == [
        {"identifier": "Pro00001538", "identifier_type": "ORG_STUDY_ID"},
        {"identifier": "1R01HD057956-01", "identifier_type": "NIH"},
        {"identifier": "Pro00017720", "identifier_type": "SECONDARY_ID"},
    ]
    assert doc.rows["sponsors"] == [{"name": "Daniel Benjamin", "role": "LEAD", "agency_class": None}]
    assert [(arm["label"], arm["group_type"]) for arm in doc.rows["arm_groups"]] == [
        ("1", "EXPERIMENTAL"),
        ("2", "PLACEBO_COMPARATOR"),
    ]


@pytest.mark.parametrize(
    ("written", "level"),
    [
        ("Double (Participant, Investigator)", "DOUBLE"),
        ("Single (Outcomes Assessor)", "SINGLE"),
        ("Triple (Participant, Care Provider, Outcomes Assessor)", "TRIPLE"),
        ("Single", "SINGLE"),
        ("None (Open label)", "NONE"),
    ],
)
def test_masking_keeps_its_level_whoever_is_masked(written, level):
    page = read_seed("002").replace("Masking\n\nNone (Open label)\n", f"Masking\n\n{written}\n")
    doc = veeva_page.parse(page)
    study, findings = build_study_row(doc.nct_id, doc.study)
    assert (study["masking"], findings) == (level, [])


def test_a_masking_label_outside_the_vocabulary_is_handed_over_whole():
    page = read_seed("002").replace("Masking\n\nNone (Open label)\n", "Masking\n\nPartial (Participant)\n")
    assert veeva_page.parse(page).study["masking"] == "Partial (Participant)"


@pytest.mark.parametrize(
    ("identifier", "kind"),
    [
        ("NCT00980226", "NCT_ALIAS"),
        ("2017-002038-21", "EUDRACT_NUMBER"),
        ("2023-503456-12-00", "CTIS"),
        ("U10CA180820", "NIH"),
        ("5K12HD043494-09", "NIH"),
        ("ISRCTN12345678", "REGISTRY"),
        ("NCI-2015-00054", "REGISTRY"),
        ("TMC114-C215", "SECONDARY_ID"),
    ],
)
def test_secondary_ids_are_typed_by_their_shape(identifier, kind):
    page = read_seed("002").replace("NCT07358676\nE20260033\n", f"NCT07358676\nE20260033\n{identifier}\n")
    assert veeva_page.parse(page).rows["identifiers"][1] == {"identifier": identifier, "identifier_type": kind}


def test_the_variants_publish_through_the_whole_graph(tmp_path):
    settings = settings_in(tmp_path)
    for page in VARIANTS.glob("*.txt"):
        (settings.source_dir / page.name).write_bytes(page.read_bytes())
    documents = assert_survives(settings, materialize_all(settings))
    assert {documents[page.name]["status"] for page in VARIANTS.glob("*.txt")} == {"PARSED"}
    studies = {row["nct_id"]: row for row in published(settings, "studies")}
    assert {nct_id: (studies[nct_id]["lead_sponsor"], studies[nct_id]["phase"]) for nct_id in (
        "NCT05594173", "NCT02958956", "NCT01642004", "NCT00734539")} == {
        "NCT05594173": ("University Health Network, Toronto", None),
        "NCT02958956": ("Takeda", None),
        "NCT01642004": ("Bristol-Myers Squibb", "PHASE3"),
        "NCT00734539": ("Daniel Benjamin", "PHASE3"),
    }
    identifiers = {(row["nct_id"], row["identifier"]): row["identifier_type"] for row in published(settings, "identifiers")}
    assert identifiers[("NCT00734539", "1R01HD057956-01")] == "NIH"
    assert identifiers[("NCT02958956", "EUPAS10335")] == "REGISTRY"
    criteria = published(settings, "eligibility_criteria")
    assert sum(row["nct_id"] == "NCT01642004" for row in criteria) == 15
