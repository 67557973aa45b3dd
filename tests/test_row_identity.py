"""Row identity that real records satisfy, and what may block publication, through the whole Dagster graph.

Real records of large sponsors list several sites under one name in one
city ("GSK Investigational Site", Amsterdam, told apart by their postal
codes) and give one contact twice. Each child row is what its document
states, in its order, identified by (trial, document, position): every
such site is published, a row repeated word for word is kept once with an
INFO finding, and nothing a document holds can keep the other trials from
being published. One run holds the seeds plus one document per case.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.pipeline_helpers import SEED_TRIALS, assert_survives, materialize_all, published, settings_in

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"

MIRROR, MIRROR_FILE = "NCT09000001", "mirror_gsk_sites.txt"
VEEVA, VEEVA_FILE = "NCT09000002", "veeva_contact_twice.txt"
JSON, JSON_FILE = "NCT09000003", "json_gsk_sites.json"
XML, XML_FILE = "NCT01642004", "NCT01642004.xml"  # a real record, as downloaded
BAD, BAD_FILE = "NCT09000005", "mirror_odd_values.txt"

AMSTERDAM_ZIPS = ["1105 AZ", "1081 HV", "1066 CX"]


def _seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def _replaced(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


def _mirror_page() -> str:
    """Seed 003 as another trial, its one site replaced by three GSK sites in Amsterdam, the first listed twice.

    Facility contacts are matched to sites by position: the first site's
    contact, listed again with the repeated site, is one contact listed twice.
    """
    text = _replaced(_seed("003"), "NCT06931145", MIRROR)
    place = "Peking Union Medical College Hospital\n\nBeijing, Beijing Municipality, China\n\nSite Status\n"
    sites = [(zip_code, "RECRUITING") for zip_code in [*AMSTERDAM_ZIPS, AMSTERDAM_ZIPS[0]]]
    text = _replaced(text, place, "\n".join(
        f"GSK Investigational Site\n\nAmsterdam, , {zip_code}, Netherlands\n\nSite Status {status}\n"
        for zip_code, status in sites))
    contact = "Minjiang Chen\n\nRole: primary\n\n+8601069155154\n"
    people = ["Anna de Vries", "Bram Jansen", "Cora Bakker", "Anna de Vries"]
    return _replaced(text, contact, "\n".join(f"{name}\n\nRole: primary\n\n+31 20 566 9111\n" for name in people))


def _veeva_page() -> str:
    """Seed 002 as another trial, its first central contact listed twice."""
    text = _replaced(_seed("002"), "NCT07358676", VEEVA)
    return _replaced(text, "Dingzhi Huang, Doctor; Ningbo Liu, Doctor",
                     "Dingzhi Huang, Doctor; Ningbo Liu, Doctor; Dingzhi Huang, Doctor")


def _json_record() -> str:
    """A real API v2 record (NCT04431453, 32 sites) as another trial, with three GSK sites in Amsterdam, the first twice."""
    record = json.loads((FIXTURES / "ctgov_json" / "NCT04431453.json").read_text(encoding="utf-8"))
    record["protocolSection"]["identificationModule"]["nctId"] = JSON
    gsk = [{"facility": "GSK Investigational Site", "city": "Amsterdam", "zip": zip_code, "country": "Netherlands"}
           for zip_code in [*AMSTERDAM_ZIPS, AMSTERDAM_ZIPS[0]]]
    record["protocolSection"]["contactsLocationsModule"]["locations"].extend(gsk)
    return json.dumps(record, indent=2)


def _odd_page() -> str:
    """Seed 000 as another trial, with values that break rules that must never block: no one enrolled,
    a start after the completion, a site status outside the vocabulary."""
    text = _replaced(_seed("000"), "NCT07203053", BAD)
    text = _replaced(text, "48 participants", "0 participants")
    text = _replaced(text, "Study Start Date\n\n2026-05-31", "Study Start Date\n\n2030-05-31")
    return _replaced(text, "Angers, , France\n\nSite Status", "Angers, , France\n\nSite Status Paused indefinitely")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    settings = settings_in(tmp_path_factory.mktemp("row_identity"))
    source = settings.source_dir
    (source / MIRROR_FILE).write_text(_mirror_page(), encoding="utf-8")
    (source / VEEVA_FILE).write_text(_veeva_page(), encoding="utf-8")
    (source / JSON_FILE).write_text(_json_record(), encoding="utf-8")
    (source / XML_FILE).write_bytes((FIXTURES / "ctgov_xml" / XML_FILE).read_bytes())
    (source / BAD_FILE).write_text(_odd_page(), encoding="utf-8")
    result = materialize_all(settings)
    documents = assert_survives(settings, result)
    return settings, result, documents


def _rows(settings, table: str, nct_id: str) -> list[dict]:
    return sorted((row for row in published(settings, table) if row["nct_id"] == nct_id), key=lambda r: r["position"])


def _repeat_findings(settings, source_file: str) -> list[tuple[str, str, str]]:
    return sorted((f["severity"], f["field"], f["message"]) for f in published(settings, "quality_findings")
                  if f["source_file"] == source_file and f["check_name"] == "check_repeated_rows")


def test_every_document_is_parsed_and_every_trial_published(run):
    settings, _, documents = run
    files = [MIRROR_FILE, VEEVA_FILE, JSON_FILE, XML_FILE, BAD_FILE]
    assert [documents[name]["status"] for name in files] == ["PARSED"] * 5
    studies = {row["nct_id"] for row in published(settings, "studies")}
    assert studies == SEED_TRIALS | {MIRROR, VEEVA, JSON, XML, BAD}


def test_mirror_page_sites_sharing_a_name_and_city_are_published_with_their_zips(run):
    settings, _, _ = run
    sites = _rows(settings, "sites", MIRROR)
    assert [(s["position"], s["facility"], s["city"], s["zip"], s["status"]) for s in sites] == [
        (1, "GSK Investigational Site", "Amsterdam", "1105 AZ", "RECRUITING"),
        (2, "GSK Investigational Site", "Amsterdam", "1081 HV", "RECRUITING"),
        (3, "GSK Investigational Site", "Amsterdam", "1066 CX", "RECRUITING"),
    ]
    contacts = _rows(settings, "contacts", MIRROR)
    assert [c["name"] for c in contacts] == ["Anna de Vries", "Bram Jansen", "Cora Bakker"]
    assert _repeat_findings(settings, MIRROR_FILE) == [
        ("INFO", "contacts", "1 of the 4 contacts rows the document lists repeat an earlier row in every column; "
                             "each is kept once, leaving 3"),
        ("INFO", "sites", "1 of the 4 sites rows the document lists repeat an earlier row in every column; "
                          "each is kept once, leaving 3"),
    ]


def test_veeva_page_contact_listed_twice_is_one_row_and_a_note(run):
    settings, _, _ = run
    contacts = _rows(settings, "contacts", VEEVA)
    assert [(c["position"], c["name"]) for c in contacts] == [(1, "Dingzhi Huang, Doctor"), (2, "Ningbo Liu, Doctor")]
    assert _repeat_findings(settings, VEEVA_FILE) == [
        ("INFO", "contacts", "1 of the 3 contacts rows the document lists repeat an earlier row in every column; "
                             "each is kept once, leaving 2"),
    ]


def test_json_record_keeps_every_site_it_lists(run):
    settings, _, _ = run
    sites = _rows(settings, "sites", JSON)
    assert len(sites) == 35  # 32 real sites + 3 in Amsterdam; the fourth repeats the first word for word
    assert [s["position"] for s in sites] == list(range(1, 36))
    assert (sites[0]["facility"], sites[0]["zip"]) == ("Children's Hospital of Alabama", "35233")
    assert [s["zip"] for s in sites if s["facility"] == "GSK Investigational Site"] == AMSTERDAM_ZIPS
    (finding,) = _repeat_findings(settings, JSON_FILE)
    assert finding[:2] == ("INFO", "sites")


def test_real_xml_record_keeps_the_sites_that_share_a_name_in_one_city(run):
    """NCT01642004 lists 106 locations; "Local Institution" is named twice in each of four cities."""
    settings, _, _ = run
    sites = _rows(settings, "sites", XML)
    assert len(sites) == 106
    madrid = [s["zip"] for s in sites if (s["facility"], s["city"]) == ("Local Institution", "Madrid")]
    assert madrid == ["28040", "28050"]
    assert _repeat_findings(settings, XML_FILE) == []


def test_a_document_breaking_non_blocking_rules_keeps_nobody_from_being_published(run):
    settings, result, _ = run
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}
    assert not checks[("studies", "date_order")].passed
    assert not checks[("studies", "enrollment")].passed
    assert all(check.passed for (asset, name), check in checks.items() if name == "schema")
    bad = [(f["category"], f["severity"], f["field"]) for f in published(settings, "quality_findings")
           if f["nct_id"] == BAD]
    assert sorted(bad) == [("date_order", "ERROR", "start_date,completion_date"),
                           ("domain", "WARNING", "site_status"), ("enrollment", "ERROR", "enrollment")]
    study = next(s for s in published(settings, "studies") if s["nct_id"] == BAD)
    assert (study["enrollment"], str(study["start_date"])) == (0, "2030-05-31")
    assert len(_rows(settings, "sites", BAD)) == 19


def test_published_child_tables_have_one_row_per_trial_document_and_position(run):
    settings, _, _ = run
    for table in ("sites", "contacts", "conditions", "identifiers", "eligibility_criteria", "outcomes"):
        rows = published(settings, table)
        keys = [(row["nct_id"], row["source_file"], row["position"]) for row in rows]
        assert len(keys) == len(set(keys)), table
        assert all(re.fullmatch(r"NCT\d{8}", row["nct_id"]) for row in rows)
