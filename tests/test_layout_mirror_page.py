"""The mirror-page layout, checked against the values the seed pages state."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from pipeline.extract.layouts import mirror_page
from pipeline.extract.fields.study_fields import build_study_row
from tests.conftest import read_seed


@pytest.fixture(scope="module")
def tarlatamab():
    return mirror_page.parse(read_seed("000"))


@pytest.fixture(scope="module")
def benmelstobart():
    return mirror_page.parse(read_seed("003"))


def _study(doc):
    row, findings = build_study_row(doc.nct_id, doc.study)
    assert findings == []
    return row


def _criteria(doc, criterion_type):
    rows = [row for row in doc.rows["eligibility_criteria"] if row["criterion_type"] == criterion_type]
    assert [row["ordinal"] for row in rows] == list(range(1, len(rows) + 1))
    return [row["text"] for row in rows]


def _contacts(doc, role):
    return [row for row in doc.rows["contacts"] if row["role"] == role]


# --- detection -----------------------------------------------------------------


@pytest.mark.parametrize("seed", ["000", "003"])
def test_matches_mirror_pages(seed):
    assert mirror_page.matches(read_seed(seed))


@pytest.mark.parametrize("seed", ["001", "002", "004"])
def test_does_not_match_other_layouts(seed):
    assert not mirror_page.matches(read_seed(seed))


def test_does_not_match_arbitrary_text():
    assert not mirror_page.matches("Basic Information about our clinic.\nOpening hours: 9 to 5.")
    assert not mirror_page.matches("")


def test_format_name():
    assert mirror_page.FORMAT == "mirror_page"
    assert mirror_page.parse(read_seed("000")).format == "mirror_page"


# --- seed 000: NCT07203053 --------------------------------------------------------


def test_000_reads_without_findings(tarlatamab):
    assert tarlatamab.findings == []


def test_000_header(tarlatamab):
    assert tarlatamab.nct_id == "NCT07203053"
    assert tarlatamab.study["brief_title"] == (
        "A Trial of Tarlatamab in Patients With Pretreated Extensive-stage Small Cell Lung Cancer "
        "(ES-SCLC) and ECOG PS 2"
    )
    assert tarlatamab.study["last_update_posted_date"] == "2026-01-22"


def test_000_raw_fields_are_kept_as_written(tarlatamab):
    assert tarlatamab.study["enrollment"] == "48 participants"
    assert tarlatamab.study["min_age"] == "18 Years"
    assert "max_age" not in tarlatamab.study
    assert tarlatamab.study["healthy_volunteers"] == "No"


def test_000_typed_study_row(tarlatamab):
    row = _study(tarlatamab)
    assert row["overall_status"] == "NOT_YET_RECRUITING"
    assert row["phase"] == "PHASE2"
    assert row["enrollment"] == 48
    assert row["study_type"] == "INTERVENTIONAL"
    assert row["start_date"] == dt.date(2026, 5, 31)
    assert row["completion_date"] == dt.date(2029, 10, 31)
    assert row["primary_completion_date"] is None
    assert row["last_update_posted_date"] == dt.date(2026, 1, 22)
    assert row["min_age_years"] == 18
    assert row["max_age_years"] is None
    assert row["sex"] == "ALL"
    assert row["healthy_volunteers"] is False
    assert row["intervention_model"] == "SINGLE_GROUP"
    assert row["primary_purpose"] == "TREATMENT"
    assert row["masking"] == "NONE"
    assert row["allocation"] == "NA"
    assert row["lead_sponsor"] == "ETOP IBCSG Partners Foundation"


def test_000_summary_without_boilerplate(tarlatamab):
    summary = tarlatamab.study["brief_summary"]
    assert summary.startswith("START-lung is an international, multicentre, single-arm phase II trial.")
    assert summary.endswith("whose disease has progressed.")
    assert "Review the sponsor-provided synopsis" not in summary
    assert "detailed_description" not in tarlatamab.study


def test_000_no_boilerplate_in_any_row(tarlatamab):
    for rows in tarlatamab.rows.values():
        for row in rows:
            for value in row.values():
                assert "Get a concise snapshot" not in str(value)
                assert "Learn about the drugs" not in str(value)
                assert "Find local site contact details" not in str(value)


def test_000_condition(tarlatamab):
    assert tarlatamab.rows["conditions"] == [{"condition": "Extensive Stage Lung Small Cell Cancer"}]


def test_000_intervention_listed_twice_is_one_row(tarlatamab):
    (intervention,) = tarlatamab.rows["interventions"]
    assert intervention["name"] == "Tarlatamab"
    assert intervention["intervention_type"] == "DRUG"
    assert intervention["description"].startswith(
        "Protocol treatment consists of tarlatamab, administered as an intravenous (i.v.) infusion:"
    )
    assert "* 1 mg on day 1 (C1D1),\n* 10 mg on day 8 (C1D8) and" in intervention["description"]
    assert intervention["description"].endswith("or patient decision, whichever comes first.")


def test_000_arm(tarlatamab):
    assert tarlatamab.rows["arm_groups"] == [
        {"label": "Tarlatamab", "group_type": "EXPERIMENTAL", "description": None,
         "intervention_names": ["Tarlatamab"]}
    ]


def test_000_eligibility_criteria(tarlatamab):
    inclusion = _criteria(tarlatamab, "INCLUSION")
    exclusion = _criteria(tarlatamab, "EXCLUSION")
    assert len(inclusion) == 11
    assert len(exclusion) == 19
    assert inclusion[0] == "Histologically or cytologically confirmed ES-SCLC."
    assert inclusion[-1].startswith("Written Informed Consent must be signed")
    assert exclusion[0].startswith("Symptomatic CNS metastases")
    assert exclusion[-1].startswith("Sexually active men and women of childbearing potential")
    assert not any("Minimum Eligible Age" in text for text in inclusion + exclusion)


def test_000_sponsors(tarlatamab):
    assert tarlatamab.rows["sponsors"] == [
        {"name": "Amgen", "role": "COLLABORATOR", "agency_class": "INDUSTRY"},
        {"name": "ETOP IBCSG Partners Foundation", "role": "LEAD", "agency_class": "NETWORK"},
    ]


def test_000_officials_exclude_responsible_party(tarlatamab):
    assert tarlatamab.rows["officials"] == [
        {"name": "Maurice Pérol, MD", "role": "STUDY_CHAIR", "affiliation": "Centre Léon Bérard, Lyon, France"},
        {"name": "Federico Capuzzo, MD", "role": "STUDY_CHAIR", "affiliation": "IRCCS Regina Elena, Rome, Italy"},
    ]


def test_000_sites(tarlatamab):
    sites = tarlatamab.rows["sites"]
    assert len(sites) == 19
    assert Counter(site["country"] for site in sites) == {
        "France": 4, "Greece": 1, "Italy": 5, "Spain": 5, "Switzerland": 4,
    }
    assert sites[0] == {"facility": "CHU Angers", "city": "Angers", "state": None, "zip": None, "country": "France",
                        "status": None}
    assert sites[-1] == {"facility": "Kantonsspital St.Gallen", "city": "Sankt Gallen", "state": None,
                         "zip": None, "country": "Switzerland", "status": None}
    assert all(site["state"] is None and site["status"] is None for site in sites)


def test_000_central_contacts(tarlatamab):
    assert _contacts(tarlatamab, "CONTACT") == [
        {"name": "Heidi Roschitzki, PhD", "role": "CONTACT", "phone": "+41 31 511 94 00", "email": None,
         "facility": None},
        {"name": "Susanne Roux", "role": "CONTACT", "phone": "+41 31 511 94 00", "email": None,
         "facility": None},
    ]


def test_000_facility_contacts_matched_to_sites_by_position(tarlatamab):
    contacts = _contacts(tarlatamab, "PRIMARY")
    assert len(contacts) == 19
    facilities = {contact["name"]: contact["facility"] for contact in contacts}
    assert facilities["Youssef Oulkhouir"] == "CHU Angers"
    assert facilities["Giannis Mountzios"] == "Henry Dunant Hospital Center"
    assert facilities["Miguel Ángel Mosteiro Lamas"] == "ICO Hospitalet H. Duran I Reynals / H. Bellvitge"
    assert facilities["Kira-Lee Koster"] == "Kantonsspital St.Gallen"
    assert [contact["facility"] for contact in contacts] == [site["facility"] for site in tarlatamab.rows["sites"]]
    assert all(contact["phone"] is None for contact in contacts)


def test_000_identifier(tarlatamab):
    assert tarlatamab.rows["identifiers"] == [{"identifier": "ETOP 29-25", "identifier_type": "ORG_STUDY_ID"}]


# --- seed 003: NCT06931145 --------------------------------------------------------


def test_003_reads_without_findings(benmelstobart):
    assert benmelstobart.findings == []


def test_003_typed_study_row(benmelstobart):
    assert benmelstobart.nct_id == "NCT06931145"
    row = _study(benmelstobart)
    assert row["brief_title"] == (
        "Benmelstobart, Anlotinib and Chemotherapy as First-line Treatment for Extensive-stage "
        "Small-cell Lung Cancer"
    )
    assert row["overall_status"] == "NOT_YET_RECRUITING"
    assert row["phase"] == "PHASE4"
    assert row["enrollment"] == 50
    assert row["start_date"] == dt.date(2025, 4, 15)
    assert row["completion_date"] == dt.date(2027, 12, 31)
    assert row["last_update_posted_date"] == dt.date(2025, 4, 23)
    assert row["min_age_years"] == 18
    assert row["max_age_years"] == 75
    assert row["lead_sponsor"] == "Peking Union Medical College Hospital"
    assert row["detailed_description"] is None


def test_003_condition(benmelstobart):
    assert benmelstobart.rows["conditions"] == [{"condition": "Extensive-stage Small Cell Lung Cancer"}]


def test_003_interventions_once_each_with_all_paragraphs(benmelstobart):
    interventions = {row["name"]: row for row in benmelstobart.rows["interventions"]}
    assert list(interventions) == ["Benmelstobart", "Anlotinib", "Carboplatin or cisplatin", "Etoposide"]
    assert all(row["intervention_type"] == "DRUG" for row in interventions.values())
    assert interventions["Benmelstobart"]["description"] == (
        "Benmelstobart injection, 1200 mg/dose, given once every 21 days, intravenously."
    )
    anlotinib = interventions["Anlotinib"]["description"].split("\n\n")
    assert anlotinib[0].startswith("Anlotinib hydrochloride capsules, 8 mg/dose")
    assert anlotinib[1].startswith("During the course of the study, subjects may be adjusted upward")
    assert len(anlotinib) == 2
    assert interventions["Carboplatin or cisplatin"]["description"].startswith("Carboplatin for injection")
    assert interventions["Etoposide"]["description"] == "Etoposide injection, 100mg/m2 on days 1, 2 and 3, IV."


def test_003_arm(benmelstobart):
    (arm,) = benmelstobart.rows["arm_groups"]
    assert arm["label"] == "Benmelstobart in combination with anlotinib and chemotherapy"
    assert arm["group_type"] == "EXPERIMENTAL"
    assert arm["description"].startswith("Patients who met the enrollment criteria were first treated")
    assert arm["intervention_names"] == ["Benmelstobart", "Anlotinib", "Carboplatin or cisplatin", "Etoposide"]


def test_003_eligibility_criteria(benmelstobart):
    inclusion = _criteria(benmelstobart, "INCLUSION")
    exclusion = _criteria(benmelstobart, "EXCLUSION")
    assert len(inclusion) == 7
    assert len(exclusion) == 10
    assert inclusion[5].startswith("Adequate hematology and organ function")
    for letter in "abcde":
        assert f"\n{letter}) " in inclusion[5]
    assert inclusion[6].startswith("Subjects voluntarily enrolled in this study")
    assert exclusion[0].startswith("Patients with symptomatic brain metastases.")
    assert exclusion[9].startswith("Increased risk associated with participation")


def test_003_sponsors(benmelstobart):
    assert benmelstobart.rows["sponsors"] == [
        {"name": "Chia Tai Tianqing Pharmaceutical Group Co., Ltd.", "role": "COLLABORATOR",
         "agency_class": "INDUSTRY"},
        {"name": "Peking Union Medical College Hospital", "role": "LEAD", "agency_class": "OTHER"},
    ]


def test_003_responsible_party_is_not_an_official(benmelstobart):
    assert "officials" not in benmelstobart.rows


def test_003_site_and_its_contact(benmelstobart):
    assert benmelstobart.rows["sites"] == [
        {"facility": "Peking Union Medical College Hospital", "city": "Beijing", "state": "Beijing Municipality",
         "zip": None, "country": "China", "status": None}
    ]
    assert benmelstobart.rows["contacts"] == [
        {"name": "Minjiang Chen", "role": "PRIMARY", "phone": "+8601069155154", "email": None,
         "facility": "Peking Union Medical College Hospital"}
    ]


def test_003_identifier(benmelstobart):
    assert benmelstobart.rows["identifiers"] == [{"identifier": "K7820", "identifier_type": "ORG_STUDY_ID"}]


# --- pages that differ from the seeds ---------------------------------------------

_PAGE_HEAD = """Some Trial

NCT ID: NCT01234567

Last Updated: 2025-01-02

Basic Information

Get a concise snapshot of the trial.

Recruitment Status

RECRUITING
"""


def test_unknown_section_is_reported_and_not_read():
    doc = mirror_page.parse(_PAGE_HEAD + """
Outcome Measures

Review the measures the study uses.

Overall survival
""")
    assert doc.study["overall_status"] == "RECRUITING"
    (finding,) = doc.findings
    assert finding.category == "parse"
    assert finding.field == "Outcome Measures"
    assert "Outcome Measures" in finding.message
    assert finding.observed == "Overall survival"


def test_facility_contacts_not_matching_sites_keep_no_facility():
    doc = mirror_page.parse(_PAGE_HEAD + """
Locations

Explore where the study is taking place.

Site A

Boston, Massachusetts, United States

Site Status RECRUITING

Site B

Lyon, , France

Site Status

Facility Contacts

Find local site contact details.

Ann Lee

Role: primary

ann@example.org
""")
    assert [site["status"] for site in doc.rows["sites"]] == ["RECRUITING", None]
    assert doc.rows["sites"][0]["state"] == "Massachusetts"
    assert doc.rows["contacts"] == [
        {"name": "Ann Lee", "role": "PRIMARY", "phone": None, "email": "ann@example.org", "facility": None}
    ]
    (finding,) = doc.findings
    assert finding.field == "contacts.facility"
    assert finding.observed == "1 contacts, 2 sites"


def test_two_arms_are_told_apart():
    doc = mirror_page.parse(_PAGE_HEAD + """
Study Groups

Review each arm or cohort in the study.

Arm A

Group Type EXPERIMENTAL

Drug X

Intervention Type DRUG

Drug X 10 mg daily.

Arm B

Patients receive placebo.

Group Type PLACEBO_COMPARATOR

Placebo

Intervention Type DRUG

Matching placebo.

Interventions

Learn about the drugs.

Drug X

Drug X 10 mg daily.

Intervention Type DRUG

Placebo

Matching placebo.

Intervention Type DRUG
""")
    assert doc.rows["arm_groups"] == [
        {"label": "Arm A", "group_type": "EXPERIMENTAL", "description": None, "intervention_names": ["Drug X"]},
        {"label": "Arm B", "group_type": "PLACEBO_COMPARATOR", "description": "Patients receive placebo.",
         "intervention_names": ["Placebo"]},
    ]
    assert doc.rows["interventions"] == [
        {"intervention_type": "DRUG", "name": "Drug X", "description": "Drug X 10 mg daily."},
        {"intervention_type": "DRUG", "name": "Placebo", "description": "Matching placebo."},
    ]
    assert doc.findings == []


def test_malformed_nct_id_is_reported():
    doc = mirror_page.parse(_PAGE_HEAD.replace("NCT01234567", "NCT123"))
    assert doc.nct_id is None
    assert [(f.category, f.observed) for f in doc.findings] == [("identifier", "NCT123")]


@pytest.mark.parametrize("text", ["", "NCT ID:\n\nBasic Information", "Locations\n\nSite Status\n\nRole: x"])
def test_odd_input_does_not_raise(text):
    mirror_page.parse(text)


def test_a_postal_code_between_state_and_country_tells_sites_apart():
    doc = mirror_page.parse(_PAGE_HEAD + """
Locations

Explore where the study is taking place.

GSK Investigational Site

Amsterdam, , 1105 AZ, Netherlands

Site Status RECRUITING

GSK Investigational Site

Amsterdam, , 1081 HV, Netherlands

Site Status RECRUITING

Seoul National University Hospital

Seoul, Songpa-gu, Korea, Republic of

Site Status
""")
    places = [(site["facility"], site["city"], site["state"], site["zip"], site["country"]) for site in doc.rows["sites"]]
    assert places == [
        ("GSK Investigational Site", "Amsterdam", None, "1105 AZ", "Netherlands"),
        ("GSK Investigational Site", "Amsterdam", None, "1081 HV", "Netherlands"),
        # "Korea" is no postal code: the place has one part too many, as before.
        ("Seoul National University Hospital", "Seoul", "Songpa-gu", None, "Republic of"),
    ]
    (finding,) = doc.findings
    assert finding.observed == "Seoul, Songpa-gu, Korea, Republic of"


# --- real pages (tests/fixtures/rendered: real registry records in this layout) ----------------


_REAL_PAGES = Path(__file__).parent / "fixtures" / "rendered" / "docs" / "portal"


def _real(prefix: str):
    return mirror_page.parse(next(_REAL_PAGES.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8"))


def _arms(doc) -> list[tuple[str | None, str, list[str]]]:
    return [(row["group_type"], row["label"], row["intervention_names"]) for row in doc.rows.get("arm_groups", [])]


def test_an_arm_with_interventions_of_several_types():
    doc = _real("023")  # NCT04372602
    assert _arms(doc) == [
        ("EXPERIMENTAL", "Duvelisib", ["Duvelisib", "Peripheral blood draw"]),
        ("SHAM_COMPARATOR", "Placebo", ["Peripheral blood draw", "Placebo"]),
    ]
    assert [(row["intervention_type"], row["name"]) for row in doc.rows["interventions"]] == [
        ("DRUG", "Duvelisib"), ("PROCEDURE", "Peripheral blood draw"), ("DRUG", "Placebo"),
    ]


def test_untyped_cohorts_sharing_an_intervention():
    # NCT05380804, observational: two cohorts without a "Group Type" line, each
    # followed by the same DIAGNOSTIC_TEST and its description.
    doc = _real("074")
    measurement = "cutaneous silent period (CSP) measurement"
    assert _arms(doc) == [
        (None, "Patients with primary Sjögren's syndrome", [measurement]),
        (None, "Healthy population", [measurement]),
    ]
    assert doc.rows["arm_groups"][1]["description"] == (
        "Cutaneous silent period measurement was also performed in healthy population."
    )
    (intervention,) = doc.rows["interventions"]
    assert (intervention["intervention_type"], intervention["name"]) == ("DIAGNOSTIC_TEST", measurement)
    assert intervention["description"].startswith("CSP recordings are performed in the upper extremities")
    assert [finding for finding in doc.findings if finding.field == "Study Groups"] == []


def test_untyped_cohorts_without_interventions():
    doc = _real("015")  # NCT05381714
    assert [(group_type, label, names) for group_type, label, names in _arms(doc)] == [
        (None, "Patients", []),
        (None, "Control", []),
    ]
    assert doc.rows["arm_groups"][1]["description"].startswith("Respiratory functions (spirometer)")
    assert "interventions" not in doc.rows
    assert [finding for finding in doc.findings if finding.field == "Study Groups"] == []


def test_untyped_cohorts_whose_interventions_have_no_listed_description():
    doc = mirror_page.parse(_PAGE_HEAD + """
Study Groups

Review each arm or cohort in the study.

Exposed

Workers exposed to solvents.

Questionnaire

Intervention Type BEHAVIORAL

A survey of symptoms.

Unexposed

Office workers.

Questionnaire

Intervention Type BEHAVIORAL

A survey of symptoms.
""")
    assert _arms(doc) == [
        (None, "Exposed", ["Questionnaire"]),
        (None, "Unexposed", ["Questionnaire"]),
    ]
    assert [(row["intervention_type"], row["name"], row["description"]) for row in doc.rows["interventions"]] == [
        ("BEHAVIORAL", "Questionnaire", "A survey of symptoms."),
    ]
