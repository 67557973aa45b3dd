"""The legacy ClinicalTrials.gov XML layout, checked against the values real records state.

The fixtures are records from the shared corpus, copied byte for byte
(see /work/shared/corpus/README.md); they are decoded the way the pipeline
decodes every file, so CRLF files reach the layout as they would in a run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.extract import parsing
from pipeline.extract.decoding import decode_document
from pipeline.extract.layouts import ctgov_xml
from pipeline.extract.fields.study_fields import build_study_row
from tests.conftest import read_seed

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ctgov_xml"
XML_FIXTURES = sorted(path.stem for path in FIXTURES.glob("*.xml"))


def _text(name: str) -> str:
    return decode_document((FIXTURES / name).read_bytes()).text


def _parse(nct_id: str):
    return ctgov_xml.parse(_text(f"{nct_id}.xml"))


def _study(doc):
    row, findings = build_study_row(doc.nct_id, doc.study)
    return row, [(finding.category, finding.field, finding.observed) for finding in findings]


def _findings(doc):
    return [(finding.category, finding.severity, finding.field, finding.observed) for finding in doc.findings]


def _criteria(doc, criterion_type):
    rows = [row for row in doc.rows.get("eligibility_criteria", []) if row["criterion_type"] == criterion_type]
    assert [row["ordinal"] for row in rows] == list(range(1, len(rows) + 1))
    return [row["text"] for row in rows]


@pytest.fixture(scope="module")
def lung():
    """NCT01642004, CheckMate 017: nivolumab versus docetaxel in squamous NSCLC."""
    return _parse("NCT01642004")


@pytest.fixture(scope="module")
def nodules():
    """NCT05389774, DOLCE: lung cancer prediction for pulmonary nodules."""
    return _parse("NCT05389774")


# --- detection -------------------------------------------------------------------


def test_format_name():
    assert ctgov_xml.FORMAT == "ctgov_xml"
    assert _parse("NCT02591810").format == "ctgov_xml"


@pytest.mark.parametrize("nct_id", XML_FIXTURES)
def test_matches_every_xml_record(nct_id):
    assert ctgov_xml.matches(_text(f"{nct_id}.xml"))


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_does_not_match_the_seeds(seed):
    assert not ctgov_xml.matches(read_seed(seed))


def test_does_not_match_a_json_study():
    text = _text("NCT00973089.json")
    assert '"nctId": "NCT00973089"' in text
    assert not ctgov_xml.matches(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "NCT01642004 Study of BMS-936558 (Nivolumab) Compared to Docetaxel",
        "The registry's XML puts each trial in a <clinical_study> element.",
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss><channel><title>Trials</title></channel></rss>',
    ],
)
def test_does_not_match_other_text(text):
    assert not ctgov_xml.matches(text)


# --- NCT03182660: withheld, redacted -----------------------------------------------


def test_withheld_record():
    doc = _parse("NCT03182660")
    row, study_findings = _study(doc)
    assert doc.nct_id == "NCT03182660"
    assert study_findings == []
    assert (row["overall_status"], row["overall_status_raw"]) == ("WITHHELD", "Withheld")
    assert row["enrollment"] is None and row["enrollment_type"] is None
    assert row["study_type"] is None  # the record says N/A
    assert row["start_date"] is None
    assert row["first_submitted_date"] == dt.date(2017, 6, 1)
    assert row["last_update_posted_date"] == dt.date(2017, 6, 22)
    assert row["brief_title"] == "[Trial of device that is not approved or cleared by the U.S. FDA]"
    assert row["lead_sponsor"] is None
    assert _findings(doc) == [("parse", "INFO", "lead_sponsor/agency", "[Redacted]")]
    assert doc.rows == {"identifiers": [{"identifier": "LUM-ABU-AP-17-02", "identifier_type": "ORG_STUDY_ID"}]}


# --- NCT03133988: expanded access ---------------------------------------------------


def test_expanded_access_record():
    doc = _parse("NCT03133988")
    row, study_findings = _study(doc)
    assert doc.nct_id == "NCT03133988"
    assert (row["study_type"], row["study_type_raw"]) == ("EXPANDED_ACCESS", "Expanded Access")
    assert (row["overall_status"], row["overall_status_raw"]) == ("AVAILABLE", "Available")
    assert study_findings == []
    for date in ("start", "primary_completion", "completion"):
        assert row[f"{date}_date"] is None
        assert row[f"{date}_date_raw"] is None
    assert row["enrollment"] is None and row["enrollment_type"] is None
    assert row["last_verified_date"] == dt.date(2017, 6, 1)
    assert row["last_verified_date_precision"] == "MONTH"
    assert row["min_age_years"] is None and row["max_age_years"] is None  # N/A: no limit
    assert row["lead_sponsor"] == "MacroGenics"
    assert doc.findings == []
    assert [row["condition"] for row in doc.rows["conditions"]] == [
        "HER2-positive Breast Cancer",
        "Neoplasm Metastasis",
        "HER2-positive Carcinoma",
    ]
    assert len(_criteria(doc, "INCLUSION")) == 2
    assert _criteria(doc, "INCLUSION")[0] == (
        "MacroGenics may consider requests on a case-by-case basis from treating physicians for patients "
        "not otherwise eligible for margetuximab clinical studies."
    )
    assert _criteria(doc, "EXCLUSION") == []
    assert doc.rows["contacts"] == [
        {"name": "Sutton Edlich", "role": "CONTACT", "phone": "(240) 552-8082",
         "email": "edlichs@macrogenics.com", "facility": None},
        {"name": "Emily Ashley", "role": "BACKUP", "phone": "(240) 552-8073",
         "email": "ashleye@macrogenics.com", "facility": None},
    ]


# --- NCT02591810: withdrawn with actual dates ------------------------------------------


def test_withdrawn_record_keeps_zero_enrollment_and_its_dates():
    doc = _parse("NCT02591810")
    row, study_findings = _study(doc)
    assert study_findings == []
    assert doc.findings == []
    assert row["overall_status"] == "WITHDRAWN"
    assert row["enrollment"] == 0
    assert row["enrollment_type"] == "ACTUAL"
    assert (row["start_date"], row["start_date_precision"]) == (dt.date(2015, 11, 5), "DAY")
    assert row["primary_completion_date"] == dt.date(2016, 11, 5)
    assert row["completion_date"] == dt.date(2016, 11, 9)
    assert row["first_posted_date"] == dt.date(2015, 10, 30)
    assert row["phase"] == "NA"
    assert row["masking"] == "SINGLE"  # "Single (Participant)"
    assert row["allocation"] == "RANDOMIZED"
    assert row["intervention_model"] == "PARALLEL"
    assert row["healthy_volunteers"] is False
    assert row["min_age_years"] == 18 and row["max_age_years"] is None


def test_withdrawn_record_child_rows():
    doc = _parse("NCT02591810")
    assert [(arm["label"], arm["group_type"], arm["intervention_names"]) for arm in doc.rows["arm_groups"]] == [
        ("Serial Casting", "ACTIVE_COMPARATOR", ["Serial casting/splinting"]),
        ("Kirschner wires", "ACTIVE_COMPARATOR", ["Percutaneous fixation"]),
        ("Foveal repair", "ACTIVE_COMPARATOR", ["Foveal repair"]),
    ]
    assert doc.rows["interventions"][2] == {
        "intervention_type": "PROCEDURE",
        "name": "Foveal repair",
        "description": (
            "Injury is treated by open anatomic foveal repair of the ligaments. This is a surgical procedure."
        ),
    }
    assert doc.rows["officials"] == [
        {"name": "Tara Roberts, BS", "role": "STUDY_CHAIR", "affiliation": "Orlando Health"}
    ]
    assert [(o["outcome_type"], o["ordinal"], o["measure"]) for o in doc.rows["outcomes"]] == [
        ("PRIMARY", 1, "Evaluation and assessment of DASH scores."),
        ("SECONDARY", 1, "Visual Analog Pain scale"),
        ("OTHER", 1, "Mayo wrist assessment scores"),
        ("OTHER", 2, "Patient satisfaction"),
    ]
    assert doc.rows["outcomes"][0]["time_frame"] == "Up to 5 years."
    assert _criteria(doc, "INCLUSION") == [
        "Patients treated at Orlando Regional Medical Center,",
        "18 years or older,",
        "Have an acute (less than 4 week old) injury with instability of the DRUJ.",
    ]
    assert len(_criteria(doc, "EXCLUSION")) == 5


# --- NCT00055354: enrollment without a type ---------------------------------------------


def test_enrollment_without_type():
    doc = _parse("NCT00055354")
    row, study_findings = _study(doc)
    assert study_findings == []
    assert doc.study["enrollment"] == "90"
    assert "enrollment_type" not in doc.study
    assert row["enrollment"] == 90
    assert row["enrollment_type"] is None
    assert row["overall_status"] == "COMPLETED"
    assert row["primary_completion_date"] is None  # completed, but the record gives none
    assert (row["completion_date"], row["completion_date_precision"]) == (dt.date(2004, 5, 1), "MONTH")
    assert row["max_age_years"] == 65


# --- NCT02958956: a very large observational cohort ------------------------------------------


def test_large_observational_cohort():
    doc = _parse("NCT02958956")
    row, study_findings = _study(doc)
    assert study_findings == []
    assert row["study_type"] == "OBSERVATIONAL"
    assert row["enrollment"] == 236507
    assert row["enrollment_type"] == "ACTUAL"
    assert row["phase"] is None
    assert row["start_date"] == dt.date(1997, 1, 1)
    assert row["start_date_precision"] == "DAY"
    assert row["min_age_years"] == 40
    assert [(arm["label"], arm["group_type"], arm["intervention_names"]) for arm in doc.rows["arm_groups"]] == [
        ("Ever User of Pioglitazone", None, ["Pioglitazone"]),
        ("Never User of Pioglitazone", None, []),
    ]


# --- NCT00002475: month-only dates and the pre-2018 date names -----------------------------


def test_month_only_dates_keep_their_precision():
    doc = _parse("NCT00002475")
    row, _ = _study(doc)
    assert doc.study["start_date"] == "April 1991"
    assert (row["start_date"], row["start_date_precision"], row["start_date_raw"]) == (
        dt.date(1991, 4, 1), "MONTH", "April 1991")
    assert (row["primary_completion_date"], row["primary_completion_date_precision"]) == (
        dt.date(2007, 12, 1), "MONTH")
    assert (row["completion_date"], row["completion_date_precision"]) == (dt.date(2009, 6, 1), "MONTH")


def test_old_date_names_are_read():
    doc = _parse("NCT00002475")
    row, _ = _study(doc)
    assert row["first_submitted_date"] == dt.date(1999, 11, 1)  # <firstreceived_date>
    assert row["last_update_posted_date"] == dt.date(2013, 7, 9)  # <lastchanged_date>
    assert row["first_posted_date"] is None
    assert ("parse", "INFO", "last_update_posted_date", "July 9, 2013") in _findings(doc)


def test_the_older_nci_criteria_layout_is_read_as_inclusion_lists():
    doc = _parse("NCT00002475")
    assert [finding for finding in doc.findings if finding.field == "eligibility_criteria"] == []
    inclusion = _criteria(doc, "INCLUSION")
    assert len(inclusion) == 29 and _criteria(doc, "EXCLUSION") == []
    assert inclusion[0].startswith("DISEASE CHARACTERISTICS: Histologically confirmed cancer not amenable to cure")
    assert "\n- Colon cancer\n- Lung cancer" in inclusion[0]
    assert inclusion[7] == "PATIENT CHARACTERISTICS: Performance status: ECOG 0-2 OR"
    assert inclusion[-1] == "PRIOR CONCURRENT THERAPY: Surgery: See Disease Characteristics"


def test_textblocks_are_unwrapped_and_keep_their_lists():
    doc = _parse("NCT00002475")
    assert doc.study["detailed_description"].startswith(
        "OBJECTIVES:\n\n- Determine the safety and clinical effects of autologous or allogeneic active-specific "
        "intralymphatic immunotherapy with a vaccine containing interferon alfa or interferon gamma-treated tumor "
        "cells followed by sargramostim (GM-CSF) in patients with advanced cancer.\n\nOUTLINE: This is a pilot study."
    )
    assert doc.study["brief_summary"].endswith(
        "PURPOSE: Phase II trial to study the effectiveness of combining cyclophosphamide with tumor cell vaccine "
        "in treating patients who have metastatic cancer or cancer at high risk of recurrence."
    )
    assert doc.rows["officials"] == [
        {"name": "Charles L. Wiseman, MD, FACP", "role": "STUDY_CHAIR", "affiliation": None}
    ]
    assert [row["identifier_type"] for row in doc.rows["identifiers"]] == [
        "ORG_STUDY_ID", "SECONDARY_ID", "SECONDARY_ID"]


def test_textblock_opening_with_a_list_item_keeps_its_shape():
    """NCT00055575's description opens with "1. Objective", its paragraphs indented under it."""
    doc = _parse("NCT00055575")
    assert doc.study["detailed_description"].startswith(
        "1. Objective\n\n  The goal of this research project is to evaluate the role of the cholinergic system in "
        "behavioral and cognitive symptoms observed in mood disorders in humans,"
    )
    # The criteria open with a bulleted heading, "-  INCLUSION CRITERIA:".
    inclusion = _criteria(doc, "INCLUSION")
    assert inclusion[:2] == ["Patients with Major Depressive Disorder (MDD):", "Age 18-55"]
    assert len(inclusion) == 16
    assert len(_criteria(doc, "EXCLUSION")) == 28


# --- NCT01642004: lung, CheckMate 017 --------------------------------------------------------


def test_lung_study_fields(lung):
    row, study_findings = _study(lung)
    assert study_findings == []
    assert lung.nct_id == "NCT01642004"
    assert row["brief_title"] == (
        "Study of BMS-936558 (Nivolumab) Compared to Docetaxel in Previously Treated Advanced or Metastatic "
        "Squamous Cell Non-small Cell Lung Cancer (NSCLC) (CheckMate 017)"
    )
    assert row["overall_status"] == "ACTIVE_NOT_RECRUITING"
    assert row["phase"] == "PHASE3"
    assert row["enrollment"] == 352 and row["enrollment_type"] == "ACTUAL"
    assert row["masking"] == "NONE"  # "None (Open Label)"
    assert row["last_verified_date_precision"] == "MONTH"
    assert row["lead_sponsor"] == "Bristol-Myers Squibb"
    assert row["detailed_description"] is None


def test_lung_every_location_is_a_site_told_apart_by_its_zip(lung):
    assert len(lung.rows["sites"]) == 106  # 106 <location> elements
    assert lung.rows["sites"][0] == {
        "facility": "Mayo Clinic Arizona", "city": "Scottsdale", "state": "Arizona", "zip": "85259",
        "country": "United States", "status": None,
    }
    buenos_aires = [site["zip"] for site in lung.rows["sites"]
                    if (site["facility"], site["city"]) == ("Local Institution", "Buenos Aires")]
    assert buenos_aires == ["1417", "C1280AEB"]
    (finding,) = lung.findings
    assert finding.message == "eligibility text above the first Inclusion or Exclusion heading was not loaded as criteria"
    assert finding.observed.startswith("For more information regarding BMS clinical trial participation")


def test_lung_criteria(lung):
    inclusion, exclusion = _criteria(lung, "INCLUSION"), _criteria(lung, "EXCLUSION")
    assert (len(inclusion), len(exclusion)) == (6, 9)
    assert inclusion[0] == "Men and women ≥18 years of age"
    assert inclusion[5] == (
        "A formalin fixed, paraffin-embedded (FFPE) tumor tissue block or unstained slides of tumor sample "
        "(archival or recent) must be available for biomarker evaluation. Specimens must be received by the "
        "central lab prior to randomization. Biopsy should be excisional, incisional or core needle. "
        "Fine needle aspiration is insufficient"
    )
    assert exclusion[-1] == (
        "Treatment with any investigational agent within 14 days of first administration of study treatment"
    )


def test_lung_sponsors_arms_and_outcomes(lung):
    assert lung.rows["sponsors"] == [{"name": "Bristol-Myers Squibb", "role": "LEAD", "agency_class": "INDUSTRY"}]
    assert lung.rows["interventions"] == [
        {"intervention_type": "BIOLOGICAL", "name": "Nivolumab", "description": None},
        {"intervention_type": "DRUG", "name": "Docetaxel", "description": None},
    ]
    assert [(arm["label"], arm["intervention_names"]) for arm in lung.rows["arm_groups"]] == [
        ("Arm A: Nivolumab", ["Nivolumab"]),
        ("Arm B: Docetaxel", ["Docetaxel"]),
    ]
    assert [o["outcome_type"] for o in lung.rows["outcomes"]].count("SECONDARY") == 9
    assert lung.rows["identifiers"] == [
        {"identifier": "CA209-017", "identifier_type": "ORG_STUDY_ID"},
        {"identifier": "2011-004792-36", "identifier_type": "SECONDARY_ID"},
    ]
    assert "contacts" not in lung.rows


# --- NCT05389774: nested criteria, site statuses and contacts -----------------------------------


def test_nested_criteria_stay_with_their_parent(nodules):
    inclusion = _criteria(nodules, "INCLUSION")
    assert len(inclusion) == 4
    assert inclusion[2] == (
        "Have baseline CT study with at least one incidentally detected solid or part-solid pulmonary nodule that:"
        "\n- is not fully calcified"
        "\n- Is 5-30mm inclusive in maximum axial diameter for the whole lesion measured using manual electronic "
        "callipers"
    )
    exclusion = _criteria(nodules, "EXCLUSION")
    assert len(exclusion) == 5
    assert exclusion[4].startswith("Have one or more additional nodules where any of the following applies:\n- ")
    assert exclusion[4].count("\n- ") == 3


def test_sites_with_status_and_site_contacts(nodules):
    assert nodules.findings == []
    assert len(nodules.rows["sites"]) == 10
    assert nodules.rows["sites"][1] == {
        "facility": "Leeds Teaching Hospitals NHS Trust", "city": "Leeds", "state": None, "zip": None,
        "country": "United Kingdom", "status": "RECRUITING",
    }
    leeds = [row for row in nodules.rows["contacts"] if row["facility"] == "Leeds Teaching Hospitals NHS Trust"]
    assert leeds == [
        {"name": "Research & Innovation Department", "role": "CONTACT", "phone": "0113 206 0469",
         "email": "ltht.researchoffice@nhs.net", "facility": "Leeds Teaching Hospitals NHS Trust"},
        {"name": "Andrew Scarsbrook", "role": "PRINCIPAL_INVESTIGATOR", "phone": None, "email": None,
         "facility": "Leeds Teaching Hospitals NHS Trust"},
    ]
    assert nodules.rows["sponsors"] == [
        {"name": "Nottingham University Hospitals NHS Trust", "role": "LEAD", "agency_class": "OTHER"},
        {"name": "Optellum Ltd.", "role": "COLLABORATOR", "agency_class": "OTHER"},
    ]


# --- NCT02260193: one intervention listed once per arm --------------------------------------------


def test_repeated_intervention_is_merged_with_every_description():
    doc = _parse("NCT02260193")
    [intervention] = doc.rows["interventions"]
    assert intervention["name"] == "AKB-6548"
    assert intervention["description"].split("\n\n") == [
        "Starting dose 1. Oral dose administered once daily for 16 weeks. Dose adjustment based on hemoglobin "
        "level as defined in the protocol.",
        "Starting dose 2. Oral dose administered once daily for 16 weeks. Dose adjustment based on hemoglobin "
        "level as defined in the protocol.",
        "Starting dose 3. Oral dose administered three times weekly for 16 weeks. Dose adjustment based on "
        "hemoglobin levels as defined in the protocol.",
    ]
    assert [arm["intervention_names"] for arm in doc.rows["arm_groups"]] == [["AKB-6548"]] * 3
    assert len(doc.rows["sites"]) == 16
    assert all(site["facility"] is None for site in doc.rows["sites"])
    assert ("parse", "INFO", "sites.facility", "16") in _findings(doc)


# --- files that are not whole records --------------------------------------------------------------


def test_truncated_file_matches_and_gives_only_an_error():
    truncated = _text("NCT01642004.xml")[:3000]
    assert ctgov_xml.matches(truncated)
    doc = ctgov_xml.parse(truncated)
    assert doc.nct_id is None
    assert doc.study == {} and doc.rows == {}
    [finding] = doc.findings
    assert (finding.category, finding.severity, finding.field) == ("parse", "ERROR", "xml")
    assert "not well-formed XML" in finding.message


def test_truncated_file_is_quarantined():
    data = (FIXTURES / "NCT01642004.xml").read_bytes()[:3000]
    result = parsing.parse_document("NCT01642004.xml", data, "0" * 64)
    assert result.status == "QUARANTINED"
    assert result.document["format"] == "ctgov_xml"
    assert [finding.severity for finding in result.findings] == ["ERROR", "ERROR"]


def test_whole_record_goes_through_the_pipeline():
    data = (FIXTURES / "NCT05389774.xml").read_bytes()
    result = parsing.parse_document("NCT05389774.xml", data, "0" * 64)
    assert result.status == "PARSED"
    assert result.document["nct_id"] == "NCT05389774"
    assert len(result.rows["parsed_sites"]) == 10
    assert result.rows["parsed_studies"][0]["brief_title"] == (
        "DOLCE: Determining the Impact of Optellum's Lung Cancer Prediction Solution")


def test_unknown_element_is_reported():
    doc = ctgov_xml.parse(
        "<clinical_study><id_info><nct_id>NCT05389774</nct_id></id_info>"
        "<study_rating>5</study_rating><study_rating>4</study_rating></clinical_study>"
    )
    assert doc.nct_id == "NCT05389774"
    assert _findings(doc) == [("parse", "WARNING", "clinical_study/study_rating", None)]
    assert "2 occurrence(s)" in doc.findings[0].message


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("<clinical_study/>", "nct_id"),
        ("<clinical_study><id_info><nct_id>NCT123</nct_id></id_info></clinical_study>", "nct_id"),
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]><clinical_study>&a;</clinical_study>', "xml"),
        ("<clinical_study><location><facility/></location><condition/></clinical_study>", "nct_id"),
    ],
)
def test_odd_records_give_a_finding_and_no_nct_id(text, field):
    doc = ctgov_xml.parse(text)
    assert doc.nct_id is None
    assert doc.findings[0].severity == "ERROR"
    assert doc.findings[0].field == field
