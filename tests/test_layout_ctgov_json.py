"""The ClinicalTrials.gov API v2 JSON layout, checked against real study records.

The records in tests/fixtures/ctgov_json are byte-for-byte copies of public
API v2 responses (sources in MANIFEST.tsv there). Tests that need a damaged or
unusual record derive it in memory from one of them and say so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from pipeline.extract import formats
from pipeline.extract.layouts import ctgov_json
from pipeline.extract.parsing import parse_document
from pipeline.quality.models import to_frame, validate_frame
from pipeline.extract.fields.study_fields import build_study_row
from pipeline.registry.tables import PHONE_PATTERN
from pipeline.store.warehouse import rows_to_arrow
from tests.conftest import SEED_FILES, read_seed

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ctgov_json"
RECORDS = sorted(path.stem for path in FIXTURES.glob("NCT*.json"))

# The head of a real legacy XML record (NCT03182660), as downloaded, line endings made uniform.
XML_RECORD_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<clinical_study>\n"
    "  <!-- This xml conforms to an XML Schema at:\n"
    "    https://clinicaltrials.gov/ct2/html/images/info/public.xsd -->\n"
    "  <required_header>\n"
    "    <download_date>ClinicalTrials.gov processed this data on May 11, 2018</download_date>\n"
    "    <link_text>Link to the current ClinicalTrials.gov record.</link_text>\n"
    "    <url>https://clinicaltrials.gov/show/NCT03182660</url>\n"
    "  </required_header>\n"
    "  <id_info>\n"
    "    <org_study_id>LUM-ABU-AP-17-02</org_study_id>\n"
    "    <nct_id>NCT03182660</nct_id>\n"
    "  </id_info>\n"
)


def _text(nct_id: str) -> str:
    return (FIXTURES / f"{nct_id}.json").read_text(encoding="utf-8")


def _record(nct_id: str) -> dict:
    return json.loads(_text(nct_id))


def _parse(nct_id: str):
    return ctgov_json.parse(_text(nct_id))


def _typed(doc):
    row, findings = build_study_row(doc.nct_id, doc.study)
    assert findings == []
    return row


def _criteria(doc, criterion_type):
    rows = [row for row in doc.rows.get("eligibility_criteria", []) if row["criterion_type"] == criterion_type]
    assert [row["ordinal"] for row in rows] == list(range(1, len(rows) + 1))
    return [row["text"] for row in rows]


def _rows(doc, table, **where):
    return [row for row in doc.rows.get(table, []) if all(row[key] == value for key, value in where.items())]


def _messages(doc):
    return [(finding.severity, finding.category, finding.message) for finding in doc.findings]


@pytest.fixture(scope="module")
def withdrawn():
    return _parse("NCT00973089")


@pytest.fixture(scope="module")
def lung():
    return _parse("NCT04267848")


@pytest.fixture(scope="module")
def chewing():
    return _parse("NCT05594173")


@pytest.fixture(scope="module")
def remdesivir():
    return _parse("NCT04431453")


@pytest.fixture(scope="module")
def melanoma():
    return _parse("NCT00184067")


@pytest.fixture(scope="module")
def endometrial():
    return _parse("NCT06388018")


# --- detection -----------------------------------------------------------------


@pytest.mark.parametrize("nct_id", RECORDS)
def test_matches_every_record(nct_id):
    assert ctgov_json.matches(_text(nct_id))


@pytest.mark.parametrize("seed", sorted(SEED_FILES))
def test_does_not_match_the_seeds(seed):
    assert not ctgov_json.matches(read_seed(seed))


def test_does_not_match_a_legacy_xml_record():
    assert not ctgov_json.matches(XML_RECORD_HEAD)


def test_does_not_match_other_text_or_json():
    assert not ctgov_json.matches("")
    assert not ctgov_json.matches("NCT00973089\nAlternative Treatment of Deep Carious Lesions")
    assert not ctgov_json.matches('[{"protocolSection": {}}]')
    assert not ctgov_json.matches('{"nctId": "NCT00973089", "briefTitle": "Alternative Treatment"}')
    # The classic API's FullStudiesResponse spells its sections with a capital letter.
    assert not ctgov_json.matches('{"FullStudiesResponse": {"FullStudies": [{"Study": {"ProtocolSection": {}}}]}}')


def test_every_record_is_recognised_as_json_and_by_no_other_layout():
    for nct_id in RECORDS:
        assert formats.detect_layout(_text(nct_id)) is ctgov_json
        assert [layout for layout in formats.LAYOUTS if layout.matches(_text(nct_id))] == [ctgov_json]


def test_format_name(withdrawn):
    assert ctgov_json.FORMAT == "ctgov_json"
    assert withdrawn.format == "ctgov_json"


# --- NCT00973089: withdrawn, 0 enrolled, month-only dates ---------------------------


def test_00973089_reads_without_findings(withdrawn):
    assert withdrawn.nct_id == "NCT00973089"
    assert withdrawn.findings == []


def test_00973089_raw_fields_as_handed_over(withdrawn):
    assert withdrawn.study["enrollment"] == "0"
    assert withdrawn.study["enrollment_type"] == "ACTUAL"
    assert withdrawn.study["start_date"] == "2010-05"
    assert withdrawn.study["healthy_volunteers"] == "Yes"
    assert withdrawn.study["phase"] == "NA"


def test_00973089_typed_study_row(withdrawn):
    row = _typed(withdrawn)
    assert row["brief_title"] == "Alternative Treatment of Deep Carious Lesions Based on Biological Evidences"
    assert row["overall_status"] == "WITHDRAWN"
    assert row["enrollment"] == 0
    assert row["enrollment_type"] == "ACTUAL"
    assert row["start_date"] == dt.date(2010, 5, 1)
    assert row["start_date_precision"] == "MONTH"
    assert row["start_date_raw"] == "2010-05"
    assert row["primary_completion_date"] == dt.date(2015, 3, 1)
    assert row["primary_completion_date_precision"] == "MONTH"
    assert row["completion_date"] == dt.date(2015, 3, 1)
    assert row["completion_date_precision"] == "MONTH"
    assert row["first_submitted_date"] == dt.date(2009, 9, 6)
    assert row["first_submitted_date_precision"] == "DAY"
    assert row["first_posted_date"] == dt.date(2009, 9, 9)
    assert row["last_update_posted_date"] == dt.date(2015, 8, 19)
    assert row["last_verified_date"] == dt.date(2015, 8, 1)
    assert row["last_verified_date_precision"] == "MONTH"
    assert row["phase"] == "NA"
    assert row["study_type"] == "INTERVENTIONAL"
    assert row["min_age_years"] == 5
    assert row["max_age_years"] == 8
    assert row["sex"] == "ALL"
    assert row["healthy_volunteers"] is True
    assert row["allocation"] == "RANDOMIZED"
    assert row["intervention_model"] == "PARALLEL"
    assert row["primary_purpose"] == "TREATMENT"
    assert row["masking"] == "SINGLE"
    assert row["lead_sponsor"] == "Hadassah Medical Organization"
    assert row["brief_summary"].startswith("The purpose of this study is to evaluate the success rate")
    assert row["detailed_description"].startswith("The treatment provided today for deep carious lesions")


def test_00973089_arms_name_interventions_without_their_type(withdrawn):
    assert withdrawn.rows["arm_groups"] == [
        {"label": "Complete caries removal", "group_type": "NO_INTERVENTION", "description": "Control group",
         "intervention_names": []},
        {"label": "Incomplete caries removal", "group_type": "OTHER", "description": "Test group",
         "intervention_names": ["Incomplete caries removal in primary teeth"]},
    ]
    (intervention,) = withdrawn.rows["interventions"]
    assert intervention["intervention_type"] == "OTHER"
    assert intervention["name"] == "Incomplete caries removal in primary teeth"
    assert intervention["description"].startswith("Comparison between the success rate and cost-effectiveness")


def test_00973089_criteria(withdrawn):
    inclusion = _criteria(withdrawn, "INCLUSION")
    exclusion = _criteria(withdrawn, "EXCLUSION")
    assert len(inclusion) == 5
    assert inclusion[0] == "Healthy children"
    assert inclusion[1] == "Patient's age is 5-8 years old at the time of the treatment"
    assert len(exclusion) == 3
    assert exclusion[2] == "Clinical or radiographic signs of pathology"


def test_00973089_other_rows(withdrawn):
    assert withdrawn.rows["conditions"] == [{"condition": "Caries, Dental"}]
    assert withdrawn.rows["sponsors"] == [{"name": "Hadassah Medical Organization", "role": "LEAD",
                                           "agency_class": "OTHER"}]
    assert withdrawn.rows["identifiers"] == [{"identifier": "LSA001-HMO-CTIL", "identifier_type": "ORG_STUDY_ID"}]
    assert withdrawn.rows["sites"] == [{"facility": "Hadassah Medical Organization", "city": "Jerusalem",
                                        "state": None, "zip": None, "country": "Israel", "status": None}]
    assert withdrawn.rows["outcomes"] == [{
        "outcome_type": "PRIMARY", "ordinal": 1,
        "measure": "The success of the alternative treatment of the deep carious lesion.",
        "description": None, "time_frame": "Half annually for three years",
    }]
    assert "officials" not in withdrawn.rows
    assert "contacts" not in withdrawn.rows


# --- NCT04267848: lung cancer, 1,148 locations -----------------------------------------


def test_04267848_study(lung):
    row = _typed(lung)
    assert lung.nct_id == "NCT04267848"
    assert row["official_title"] == (
        "Integration of Immunotherapy Into Adjuvant Therapy for Resected NSCLC: ALCHEMIST Chemo-IO (ACCIO)"
    )
    assert row["phase"] == "PHASE3"
    assert row["overall_status"] == "RECRUITING"
    assert row["enrollment"] == 1210
    assert row["enrollment_type"] == "ESTIMATED"
    assert row["start_date"] == dt.date(2020, 6, 16)
    assert row["primary_completion_date"] == dt.date(2025, 12, 15)
    assert row["last_update_posted_date"] == dt.date(2025, 9, 10)
    assert row["lead_sponsor"] == "National Cancer Institute (NCI)"
    assert row["min_age_years"] == 18
    assert row["max_age_years"] is None


def test_04267848_conditions(lung):
    assert [row["condition"] for row in lung.rows["conditions"]] == [
        "Lung Non-Small Cell Carcinoma",
        "Lung Non-Small Cell Squamous Carcinoma",
        "Lung Non-Squamous Non-Small Cell Carcinoma",
        "Stage II Lung Cancer AJCC v8",
        "Stage IIIA Lung Cancer AJCC v8",
        "Stage IIIB Lung Cancer AJCC v8",
    ]


def test_04267848_every_location_is_a_site(lung):
    sites = lung.rows["sites"]
    assert len(sites) == 1148
    assert sites[0] == {"facility": "Anchorage Associates in Radiation Medicine", "city": "Anchorage",
                        "state": "Alaska", "zip": "98508", "country": "United States", "status": "SUSPENDED"}
    assert sites[-1] == {"facility": "FHP Health Center-Guam", "city": "Tamuning", "state": None,
                         "zip": "96913", "country": "Guam", "status": "SUSPENDED"}
    assert Counter(site["country"] for site in sites) == {"United States": 1147, "Guam": 1}
    assert Counter(site["status"] for site in sites) == {"RECRUITING": 659, "SUSPENDED": 393,
                                                         "ACTIVE_NOT_RECRUITING": 96}


def test_04267848_site_contacts_carry_their_facility_and_extension(lung):
    # 1,318 location contacts in the record, every one read (the pipeline keeps an exact repeat once).
    assert len(lung.rows["contacts"]) == 1318
    beverly = _rows(lung, "contacts", facility="Beverly Hospital", role="CONTACT")
    assert beverly == [{"name": "Site Public Contact", "role": "CONTACT", "phone": "978-922-3000 ext. 2405",
                        "email": None, "facility": "Beverly Hospital"}]
    beverly = beverly[0]
    assert re.match(PHONE_PATTERN, beverly["phone"])
    assert all(contact["facility"] is not None for contact in lung.rows["contacts"])
    assert Counter(contact["role"] for contact in lung.rows["contacts"]) == {"CONTACT": 659,
                                                                             "PRINCIPAL_INVESTIGATOR": 659}
    assert lung.findings == []


@pytest.fixture(scope="module")
def lung_in_the_pipeline():
    data = (FIXTURES / "NCT04267848.json").read_bytes()
    return parse_document("NCT04267848.json", data, hashlib.sha256(data).hexdigest(), time_budget=None)


def test_04267848_rows_sharing_a_name_are_all_kept_exact_repeats_once(lung_in_the_pipeline):
    """Two "Mercy Hospital" sites each have a "Site Public Contact": both kept, as every row differing in a column.

    The record lists investigator Dan Sotirescu twice at one site and A081801
    twice as an OTHER id, word for word: those are kept once, with a note.
    """
    rows = lung_in_the_pipeline.rows
    mercy = [(c["phone"], c["email"]) for c in rows["parsed_contacts"]
             if (c["facility"], c["role"]) == ("Mercy Hospital", "CONTACT")]
    assert mercy == [("319-365-4673", None), ("952-993-1517", "mmcorc@healthpartners.com")]
    assert len(rows["parsed_contacts"]) == 1317
    assert [c["position"] for c in rows["parsed_contacts"]] == list(range(1, 1318))
    assert len(rows["parsed_sites"]) == 1148
    repeats = [(f.check_name, f.severity, f.field, f.message) for f in lung_in_the_pipeline.findings
               if f.check_name == "check_repeated_rows"]
    assert repeats == [
        ("check_repeated_rows", "INFO", "identifiers",
         "1 of the 5 identifiers rows the document lists repeat an earlier row in every column; "
         "each is kept once, leaving 4"),
        ("check_repeated_rows", "INFO", "contacts",
         "1 of the 1318 contacts rows the document lists repeat an earlier row in every column; "
         "each is kept once, leaving 1317"),
    ]


def test_04267848_identifiers_as_listed(lung_in_the_pipeline):
    """NCI-2020-00751 is the protocol number and a registry id: two statements, two rows."""
    assert [(r["position"], r["identifier"], r["identifier_type"])
            for r in lung_in_the_pipeline.rows["parsed_identifiers"]] == [
        (1, "NCI-2020-00751", "ORG_STUDY_ID"),
        (2, "NCI-2020-00751", "REGISTRY"),
        (3, "A081801", "OTHER"),
        (4, "U10CA180821", "NIH"),
    ]


def test_04267848_arms_and_interventions(lung):
    interventions = {row["name"]: row["intervention_type"] for row in lung.rows["interventions"]}
    assert len(interventions) == 12
    assert interventions["Pembrolizumab"] == "BIOLOGICAL"
    assert interventions["Carboplatin"] == "DRUG"
    arms = {row["label"]: row for row in lung.rows["arm_groups"]}
    assert list(arms) == [
        "Arm A (platinum doublet, observation)",
        "Arm B (platinum doublet, sequential pembrolizumab)",
        "Arm C (platinum doublet, combination pembrolizumab)",
    ]
    assert arms["Arm A (platinum doublet, observation)"]["group_type"] == "ACTIVE_COMPARATOR"
    assert "Pembrolizumab" not in arms["Arm A (platinum doublet, observation)"]["intervention_names"]
    assert "Pembrolizumab" in arms["Arm B (platinum doublet, sequential pembrolizumab)"]["intervention_names"]
    for arm in arms.values():
        assert set(arm["intervention_names"]) <= set(interventions)


def test_04267848_official_and_outcomes(lung):
    assert lung.rows["officials"] == [{"name": "Jacob M Sands", "role": "PRINCIPAL_INVESTIGATOR",
                                       "affiliation": "Alliance for Clinical Trials in Oncology"}]
    outcomes = lung.rows["outcomes"]
    assert Counter(row["outcome_type"] for row in outcomes) == {"PRIMARY": 1, "SECONDARY": 4, "OTHER": 3}
    assert outcomes[0]["measure"] == "Disease free survival (DFS)"
    assert [row["ordinal"] for row in outcomes if row["outcome_type"] == "OTHER"] == [1, 2, 3]


def test_04267848_has_inclusion_criteria_only(lung):
    assert _criteria(lung, "EXCLUSION") == []
    inclusion = _criteria(lung, "INCLUSION")
    assert inclusion[0].startswith("A female of childbearing potential is a sexually mature female who:")
    assert inclusion[-1] == (
        "Aspartate aminotransferase (AST) / alanine aminotransferase (ALT) =< 2.5 x upper limit of normal (ULN)"
    )


# --- NCT05594173: observational, no phases ----------------------------------------------


def test_05594173_observational_without_phase(chewing):
    assert chewing.findings == []
    assert "phase" not in chewing.study
    row = _typed(chewing)
    assert row["study_type"] == "OBSERVATIONAL"
    assert row["phase"] is None
    assert row["allocation"] is None
    assert row["masking"] is None
    assert row["brief_title"] == "Chewing and Oral Processing of Solid Food"
    assert row["enrollment"] == 20
    assert row["completion_date"] == dt.date(2020, 12, 20)
    assert row["first_submitted_date"] == dt.date(2022, 10, 21)
    assert row["min_age_years"] == 18
    assert row["max_age_years"] == 60
    assert row["healthy_volunteers"] is True
    assert "arm_groups" not in chewing.rows


def test_05594173_rows(chewing):
    assert chewing.rows["sponsors"] == [
        {"name": "University Health Network, Toronto", "role": "LEAD", "agency_class": "OTHER"},
        {"name": "National Institute on Deafness and Other Communication Disorders (NIDCD)",
         "role": "COLLABORATOR", "agency_class": "NIH"},
    ]
    assert chewing.rows["identifiers"] == [
        {"identifier": "15-9431.10", "identifier_type": "ORG_STUDY_ID"},
        {"identifier": "R01DC011020", "identifier_type": "NIH"},
    ]
    assert _criteria(chewing, "INCLUSION") == ["Healthy adults under age 60"]
    exclusion = _criteria(chewing, "EXCLUSION")
    assert len(exclusion) == 7
    assert exclusion[-1] == "known allergies to ingredients of the food products used in the experiment ."
    assert [row["measure"] for row in chewing.rows["outcomes"]] == [
        "Number of Chewing Cycles Per Bolus", "Total Chewing Duration Per Bolus",
    ]


# --- NCT04431453: no minimum age --------------------------------------------------------


def test_04431453_ages(remdesivir):
    assert "min_age" not in remdesivir.study
    assert remdesivir.study["max_age"] == "18 Years"
    row = _typed(remdesivir)
    assert row["min_age_years"] is None
    assert row["max_age_years"] == 18


def test_04431453_study(remdesivir):
    row = _typed(remdesivir)
    assert row["brief_title"] == "Study of Remdesivir in Participants Below 18 Years Old With COVID-19"
    assert row["phase"] == "PHASE2/PHASE3"
    assert row["enrollment"] == 59
    assert row["allocation"] == "NON_RANDOMIZED"
    assert row["lead_sponsor"] == "Gilead Sciences"
    assert row["healthy_volunteers"] is False
    assert len(remdesivir.rows["arm_groups"]) == 8
    assert {tuple(arm["intervention_names"]) for arm in remdesivir.rows["arm_groups"]} == {("Remdesivir",)}
    assert remdesivir.rows["identifiers"][1] == {"identifier": "2020-001803-17", "identifier_type": "EUDRACT_NUMBER"}
    assert len(remdesivir.rows["sites"]) == 32


def test_04431453_key_criteria_headings_are_split(remdesivir):
    assert remdesivir.findings == []
    kinds = [row["criterion_type"] for row in remdesivir.rows["eligibility_criteria"]]
    assert (kinds.count("INCLUSION"), kinds.count("EXCLUSION")) == (3, 6)


# --- NCT00184067: no outcomes module ----------------------------------------------------


def test_00184067_has_no_outcomes(melanoma):
    assert melanoma.findings == []
    assert "outcomes" not in melanoma.rows


def test_00184067_study(melanoma):
    row = _typed(melanoma)
    assert row["overall_status"] == "TERMINATED"
    assert row["phase"] == "PHASE2"
    assert row["start_date"] == dt.date(2004, 5, 1)
    assert row["start_date_precision"] == "MONTH"
    assert row["completion_date"] == dt.date(2009, 9, 1)
    assert row["enrollment"] == 23
    assert row["max_age_years"] is None
    assert row["lead_sponsor"] == "University of Southern California"
    assert melanoma.rows["officials"] == [{"name": "Jeffrey Weber", "role": "PRINCIPAL_INVESTIGATOR",
                                           "affiliation": "University of Southern California"}]
    assert melanoma.rows["interventions"] == [{"intervention_type": "BIOLOGICAL", "name": "Montanide ISA 51",
                                               "description": None}]


# --- NCT06388018: endometrial cancer, repeated protocol number -----------------------------


def test_06388018_study(endometrial):
    row = _typed(endometrial)
    assert row["brief_title"] == "Tailoring Therapy in Post-surgical Patients With Low-risk Endometrial Cancer"
    assert row["sex"] == "FEMALE"
    assert row["enrollment"] == 325
    assert row["enrollment_type"] == "ESTIMATED"
    assert row["start_date"] == dt.date(2025, 1, 16)
    assert row["last_verified_date"] == dt.date(2024, 7, 1)
    assert row["allocation"] == "NON_RANDOMIZED"


def test_06388018_sponsors_and_identifiers(endometrial):
    assert endometrial.rows["sponsors"] == [
        {"name": "NRG Oncology", "role": "LEAD", "agency_class": "OTHER"},
        {"name": "National Cancer Institute (NCI)", "role": "COLLABORATOR", "agency_class": "NIH"},
        {"name": "Canadian Cancer Trials Group (CCTG)", "role": "COLLABORATOR", "agency_class": "UNKNOWN"},
    ]
    # NRG-GY032 is listed twice more as a secondary id (OTHER), word for word: the
    # pipeline keeps that repeat once, with an INFO finding (pipeline/extract/repeated_rows.py).
    assert endometrial.rows["identifiers"] == [
        {"identifier": "NRG-GY032", "identifier_type": "ORG_STUDY_ID"},
        {"identifier": "NCI-2023-09355", "identifier_type": "REGISTRY"},
        {"identifier": "NRG-GY032", "identifier_type": "OTHER"},
        {"identifier": "NRG-GY032", "identifier_type": "OTHER"},
        {"identifier": "U10CA180868", "identifier_type": "NIH"},
    ]
    assert endometrial.findings == []


def test_06388018_site_contacts(endometrial):
    assert endometrial.rows["sites"] == [{"facility": "Women and Infants Hospital", "city": "Providence",
                                          "state": "Rhode Island", "zip": "02905", "country": "United States",
                                          "status": "RECRUITING"}]
    assert endometrial.rows["contacts"] == [
        {"name": "Site Public Contact", "role": "CONTACT", "phone": "401-274-1122", "email": None,
         "facility": "Women and Infants Hospital"},
        {"name": "Matthew T. Oliver", "role": "PRINCIPAL_INVESTIGATOR", "phone": None, "email": None,
         "facility": "Women and Infants Hospital"},
    ]


def test_06388018_outcomes_and_arms(endometrial):
    outcomes = endometrial.rows["outcomes"]
    assert len(outcomes) == 13
    assert {row["outcome_type"] for row in outcomes} == {"PRIMARY"}
    assert outcomes[0]["measure"] == "Time to pelvic recurrence"
    assert outcomes[12]["ordinal"] == 13
    assert outcomes[12]["measure"] == "Variability in adjuvant treatment"
    arms = {row["label"]: row for row in endometrial.rows["arm_groups"]}
    assert arms["Cohort A2"]["group_type"] == "EXPERIMENTAL"
    assert "External Beam Radiation Therapy" in arms["Cohort A2"]["intervention_names"]
    assert "External Beam Radiation Therapy" not in arms["Cohort A1"]["intervention_names"]


# --- criteria counts: the registry's top-level items ---------------------------------------

# API v2 keeps the indentation that marks nested items, and the shared
# splitter reads it: nested items, numbered or not, stay inside their parent.
@pytest.mark.parametrize(
    ("nct_id", "inclusion", "exclusion"),
    [
        ("NCT00973089", 5, 3),
        ("NCT05594173", 1, 7),
        ("NCT03281889", 5, 5),
        ("NCT02299791", 1, 1),
        ("NCT00184067", 7, 7),
        ("NCT06388018", 14, 9),
        ("NCT04267848", 25, 0),
    ],
)
def test_criteria_counts(nct_id, inclusion, exclusion):
    doc = _parse(nct_id)
    assert len(_criteria(doc, "INCLUSION")) == inclusion
    assert len(_criteria(doc, "EXCLUSION")) == exclusion


def test_an_eligibility_criteria_heading_opens_the_inclusion_list():
    doc = _parse("NCT03630471")
    assert doc.findings == []
    assert _criteria(doc, "INCLUSION")[0] == ("For adolescent participants: Enrolled as a student in Grades 9-12 "
                                              "(corresponding to 13-20 years of age)")
    assert len(_criteria(doc, "INCLUSION")) == 9
    assert _criteria(doc, "EXCLUSION")[-1] == "For parent participants: Intoxicated at the point of consent or assessment"


def test_key_criteria_headings_are_split():
    doc = _parse("NCT02210780")
    assert doc.findings == []
    assert _criteria(doc, "INCLUSION")[2] == "Eczema Area and Severity Index (EASI) score ≥16 at the screening visit and the baseline visit"
    assert (len(_criteria(doc, "INCLUSION")), len(_criteria(doc, "EXCLUSION"))) == (5, 7)


# --- other records --------------------------------------------------------------------


def test_02299791_an_intervention_named_twice_keeps_both_descriptions():
    doc = _parse("NCT02299791")
    first, second = doc.rows["interventions"]
    assert (first["name"], second["name"]) == ("ALL", "ALL")
    assert first["description"].startswith("This clinic-level intervention involves a toolkit")
    assert second["description"].startswith("These clinics got the same exact intervention")
    assert doc.findings == []
    assert [arm["intervention_names"] for arm in doc.rows["arm_groups"]] == [["ALL"], ["ALL"]]
    assert "sites" not in doc.rows
    assert _typed(doc)["primary_purpose"] == "HEALTH_SERVICES_RESEARCH"


def test_03281889_central_and_site_contacts():
    doc = _parse("NCT03281889")
    assert _rows(doc, "contacts", facility=None) == [
        {"name": "Shannon MacDonald, MD", "role": "CONTACT", "phone": "617-643-7250",
         "email": "smacdonald@mgh.harvard.edu", "facility": None},
    ]
    assert _rows(doc, "contacts", facility="MD Anderson Cancer Center") == [
        {"name": "Susan McGovern, MD", "role": "CONTACT", "phone": None, "email": "slmcgove@mdanderson.org",
         "facility": "MD Anderson Cancer Center"},
        {"name": "Susan McGovern, MD", "role": "PRINCIPAL_INVESTIGATOR", "phone": None, "email": None,
         "facility": "MD Anderson Cancer Center"},
    ]
    assert len(doc.rows["contacts"]) == 5
    assert _typed(doc)["min_age_years"] == 3


def test_every_record_fits_the_table_declarations():
    """No key repeats, no vocabulary misses, no malformed phone or email in any record's rows."""
    for nct_id in RECORDS:
        data = (FIXTURES / f"{nct_id}.json").read_bytes()
        result = parse_document(f"{nct_id}.json", data, hashlib.sha256(data).hexdigest(), time_budget=None)
        for table, rows in result.rows.items():
            model = table if table == "parsed_studies" else table.removeprefix("parsed_")
            assert validate_frame(model, to_frame(rows_to_arrow(table, rows))) == [], (nct_id, table)


# --- records that cannot be read (derived in memory from real ones) --------------------------


def test_truncated_record_is_reported_not_raised():
    text = _text("NCT00973089")
    cut = text[: len(text) // 2]
    assert ctgov_json.matches(cut)
    doc = ctgov_json.parse(cut)
    assert doc.nct_id is None
    assert doc.study == {}
    assert doc.rows == {}
    (finding,) = doc.findings
    assert (finding.severity, finding.category, finding.field) == ("ERROR", "parse", "document")
    assert "the file was probably cut short" in finding.message


def test_damaged_record_says_where():
    text = _text("NCT00973089").replace('"overallStatus": "WITHDRAWN",', '"overallStatus": "WITHDRAWN"', 1)
    (finding,) = ctgov_json.parse(text).findings
    assert finding.message.startswith("the document is not valid JSON: Expecting ',' delimiter at line ")
    assert "cut short" not in finding.message


def test_truncated_record_is_quarantined_by_the_pipeline():
    data = _text("NCT00973089")[:3000].encode("utf-8")
    result = parse_document("NCT00973089.json", data, hashlib.sha256(data).hexdigest())
    assert result.status == "QUARANTINED"
    assert result.document["format"] == "ctgov_json"
    assert result.document["error"].startswith("ctgov_json: ")
    assert "cut short" in result.document["error"]
    assert [(f.check_name, f.severity, f.source_file) for f in result.findings] == [
        ("parse_ctgov_json", "ERROR", "NCT00973089.json"),
        ("check_document_readable", "ERROR", "NCT00973089.json"),
    ]


def test_record_is_parsed_by_the_pipeline():
    data = (FIXTURES / "NCT00973089.json").read_bytes()
    result = parse_document("NCT00973089.json", data, hashlib.sha256(data).hexdigest())
    assert result.status == "PARSED"
    assert result.document["nct_id"] == "NCT00973089"
    assert result.rows["parsed_sites"] == [{"nct_id": "NCT00973089", "source_file": "NCT00973089.json",
                                            "facility": "Hadassah Medical Organization", "city": "Jerusalem",
                                            "state": None, "zip": None, "country": "Israel", "status": None,
                                            "status_raw": None, "position": 1}]


def test_search_response_with_one_study_is_read_as_the_study():
    wrapped = '{"studies": [' + _text("NCT05594173") + '], "totalCount": 1}'
    doc = ctgov_json.parse(wrapped)
    assert doc.nct_id == "NCT05594173"
    assert doc.rows == _parse("NCT05594173").rows


def test_search_response_with_two_studies_is_not_read():
    wrapped = '{"studies": [' + _text("NCT05594173") + "," + _text("NCT00973089") + "]}"
    doc = ctgov_json.parse(wrapped)
    assert doc.nct_id is None
    assert doc.rows == {}
    (finding,) = doc.findings
    assert finding.message == ("the document is a search response holding 2 studies; trialflow reads one study "
                               "per file, so nothing was read")


def test_values_of_an_unexpected_type_are_findings():
    record = _record("NCT00973089")
    protocol = record["protocolSection"]
    protocol["designModule"]["enrollmentInfo"]["count"] = "0"
    protocol["eligibilityModule"]["healthyVolunteers"] = "yes"
    protocol["conditionsModule"]["conditions"] = "Caries, Dental"
    protocol["statusModule"]["startDateStruct"] = "2010-05"
    protocol["designModule"]["phases"] = [2]
    protocol["contactsLocationsModule"]["locations"] = {"facility": "Hadassah Medical Organization"}
    doc = ctgov_json.parse(json.dumps(record))
    assert doc.nct_id == "NCT00973089"
    assert [(finding.severity, finding.field, finding.observed) for finding in doc.findings] == [
        ("WARNING", "protocolSection.statusModule.startDateStruct", '"2010-05"'),
        ("WARNING", "protocolSection.conditionsModule.conditions", '"Caries, Dental"'),
        ("WARNING", "protocolSection.designModule.phases[0]", "2"),
        ("WARNING", "protocolSection.designModule.enrollmentInfo.count", '"0"'),
        ("WARNING", "protocolSection.eligibilityModule.healthyVolunteers", '"yes"'),
        ("WARNING", "protocolSection.contactsLocationsModule.locations",
         '{"facility": "Hadassah Medical Organization"}'),
    ]
    assert doc.findings[3].message == ("protocolSection.designModule.enrollmentInfo.count should be a whole number "
                                       "but is text; it was not loaded")
    for field in ("enrollment", "healthy_volunteers", "start_date", "phase"):
        assert field not in doc.study
    assert "conditions" not in doc.rows
    assert "sites" not in doc.rows
    assert doc.study["overall_status"] == "WITHDRAWN"


def test_malformed_nct_id_is_an_identifier_error():
    record = _record("NCT00973089")
    record["protocolSection"]["identificationModule"]["nctId"] = "NCT973089"
    doc = ctgov_json.parse(json.dumps(record))
    assert doc.nct_id is None
    assert _messages(doc) == [("ERROR", "identifier", 'protocolSection.identificationModule.nctId "NCT973089" '
                               "is not NCT followed by 8 digits")]


def test_expanded_access_record_parses():
    """An expanded-access record: no phases, design info or enrollment, and an availability status."""
    record = _record("NCT00973089")
    protocol = record["protocolSection"]
    protocol["statusModule"]["overallStatus"] = "AVAILABLE"
    protocol["designModule"] = {"studyType": "EXPANDED_ACCESS",
                                "expandedAccessTypes": {"individual": True, "treatment": True}}
    doc = ctgov_json.parse(json.dumps(record))
    assert doc.findings == []
    assert doc.study["study_type"] == "EXPANDED_ACCESS"
    assert doc.study["overall_status"] == "AVAILABLE"
    for field in ("phase", "enrollment", "enrollment_type", "allocation", "masking"):
        assert field not in doc.study
    row, _ = build_study_row(doc.nct_id, doc.study)
    assert row["study_type"] == "EXPANDED_ACCESS"
    assert row["enrollment"] is None


def test_withheld_record_parses():
    """A withheld record keeps little more than its id, status and redacted titles."""
    record = {"protocolSection": {
        "identificationModule": {"nctId": "NCT00973089", "briefTitle": "[Redacted]"},
        "statusModule": {"overallStatus": "WITHHELD"},
    }}
    doc = ctgov_json.parse(json.dumps(record))
    assert doc.findings == []
    assert doc.nct_id == "NCT00973089"
    assert doc.study == {"brief_title": "[Redacted]", "overall_status": "WITHHELD"}
    assert doc.rows == {}


def test_json_that_is_not_a_study_is_reported():
    doc = ctgov_json.parse('{"protocolSection": ["NCT00973089"]}')
    assert doc.nct_id is None
    assert [finding.field for finding in doc.findings] == ["protocolSection", "protocolSection"]
    assert doc.findings[-1].message == "the JSON object has no protocolSection: it is not a study record"


def test_type_prefix_is_only_taken_off_known_intervention_types():
    record = _record("NCT00973089")
    arm = record["protocolSection"]["armsInterventionsModule"]["armGroups"][1]
    arm["interventionNames"] = ["Dietary Supplement: Vitamin D", "Phase A: induction", "Drug:Cisplatin"]
    doc = ctgov_json.parse(json.dumps(record))
    assert doc.rows["arm_groups"][1]["intervention_names"] == ["Vitamin D", "Phase A: induction", "Drug:Cisplatin"]
