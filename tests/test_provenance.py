"""Every finding and every studies value says where it came from: file, line, and the path in a JSON or XML record.

One run of the whole Dagster graph on the seeds plus a real JSON record, a
copy of it that disagrees on the start date, a real XML record and an empty
file; each test reads what that run published.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from pipeline.extract.document import SourceText
from pipeline.extract.parsing import parse_document
from tests.pipeline_helpers import PROJECT_ROOT, assert_survives, materialize_all, published, settings_in

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
JSON_RECORD = FIXTURES / "ctgov_json" / "NCT00184067.json"
XML_RECORD = FIXTURES / "ctgov_xml" / "NCT00002475.xml"
START_DATE_PATH = "protocolSection.statusModule.startDateStruct.date"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    settings = settings_in(tmp_path_factory.mktemp("provenance"))
    shutil.copy(JSON_RECORD, settings.source_dir / "NCT00184067.json")
    # An older scrape of the same trial that says the study started a month later.
    older = (JSON_RECORD.read_text(encoding="utf-8")
             .replace('"date": "2004-05"', '"date": "2004-06"', 1)
             .replace('"date": "2014-05-21"', '"date": "2013-01-02"', 1))
    (settings.source_dir / "older_scrape.json").write_text(older, encoding="utf-8")
    shutil.copy(XML_RECORD, settings.source_dir / "NCT00002475.xml")
    (settings.source_dir / "empty.txt").write_bytes(b"")
    result = materialize_all(settings)
    assert_survives(settings, result)
    return settings


def _line(path: Path, number: int) -> str:
    return path.read_text(encoding="utf-8").split("\n")[number - 1]


def _findings(settings, **where) -> list[dict]:
    return [row for row in published(settings, "quality_findings")
            if all(row[column] == value for column, value in where.items())]


def _sources(settings, nct_id: str) -> dict[tuple[str, str], dict]:
    return {(row["source_file"], row["field"]): row for row in published(settings, "study_field_sources")
            if row["nct_id"] == nct_id}


def test_the_repaired_swap_names_the_line_the_age_stood_on(run):
    [swap] = _findings(run, nct_id="NCT06893783", category="field_swap")
    assert (swap["source_file"], swap["field"], swap["line"], swap["record_path"]) == (
        "001_0e0bfe03180ab1a6.txt", "age_range,sex", 47, None)
    assert _line(PROJECT_ROOT / "seeds" / "001_0e0bfe03180ab1a6.txt", 47) == "19 Years"


def test_every_studies_value_of_a_text_export_has_its_line(run):
    sources = _sources(run, "NCT06893783")
    lines = {field: row["line"] for (_, field), row in sources.items()}
    assert lines == {
        "start_date": 1, "primary_completion_date": 2, "completion_date": 3, "enrollment": 4,
        "lead_sponsor": 6, "study_type": 8, "brief_title": 9, "brief_summary": 10, "detailed_description": 11,
        "first_submitted_date": 15, "last_update_posted_date": 16, "first_posted_date": 17,
        "last_verified_date": 17, "primary_purpose": 20, "allocation": 22, "intervention_model": 24,
        "masking": 26, "sex": 45, "min_age_years": 47, "max_age_years": 47,
    }
    # The swap put back: the age comes from the "Sexes" line, the sex from the "Ages" line.
    assert (sources[("001_0e0bfe03180ab1a6.txt", "min_age_years")]["value"],
            sources[("001_0e0bfe03180ab1a6.txt", "sex")]["value"]) == ("19 Years", "ALL")
    assert all(row["chosen"] and row["rank"] == 1 and row["record_path"] is None for row in sources.values())


def test_a_mirror_page_start_date_has_its_line(run):
    row = _sources(run, "NCT07203053")[("000_d2c7a984589bc891.txt", "start_date")]
    assert (row["line"], row["value"], row["chosen"]) == (35, "2026-05-31", True)
    assert _line(PROJECT_ROOT / "seeds" / "000_d2c7a984589bc891.txt", 35) == "2026-05-31"


def test_a_json_record_value_has_its_path_and_line_and_the_chosen_document(run):
    sources = _sources(run, "NCT00184067")
    newest, older = sources[("NCT00184067.json", "start_date")], sources[("older_scrape.json", "start_date")]
    assert (newest["record_path"], newest["line"], newest["value"], newest["rank"], newest["chosen"]) == (
        START_DATE_PATH, 23, "2004-05", 1, True)
    assert (older["record_path"], older["line"], older["value"], older["rank"], older["chosen"]) == (
        START_DATE_PATH, 23, "2004-06", 2, False)
    assert _line(JSON_RECORD, 23).strip() == '"date": "2004-05"'
    [study] = [row for row in published(run, "studies") if row["nct_id"] == "NCT00184067"]
    assert str(study["start_date"]) == "2004-05-01"


def test_an_xml_record_value_has_its_element_path_and_line(run):
    sources = _sources(run, "NCT00002475")
    start = sources[("NCT00002475.xml", "start_date")]
    assert (start["record_path"], start["line"], start["value"]) == ("clinical_study/start_date", 66, "April 1991")
    assert _line(XML_RECORD, 66).strip() == "<start_date>April 1991</start_date>"
    sex = sources[("NCT00002475.xml", "sex")]
    assert (sex["record_path"], sex["line"]) == ("clinical_study/eligibility/gender", 236)


def test_a_duplicate_conflict_points_at_the_other_documents_value(run):
    [conflict] = _findings(run, nct_id="NCT00184067", category="duplicate_conflict", field="start_date")
    assert (conflict["source_file"], conflict["line"], conflict["record_path"]) == (
        "older_scrape.json", 23, START_DATE_PATH)


def test_a_finding_parsed_from_an_xml_record_has_its_path(run):
    [late] = _findings(run, nct_id="NCT00002475", field="last_update_posted_date")
    assert (late["line"], late["record_path"]) == (264, "clinical_study/lastchanged_date")


def test_a_quarantined_file_finding_names_no_line(run):
    [finding] = _findings(run, source_file="empty.txt")
    assert (finding["severity"], finding["line"], finding["record_path"]) == ("ERROR", None, None)


def test_a_value_is_placed_on_its_own_line_before_a_longer_token():
    source = SourceText("Started 2025-09-02\nNational trial\nAllocation:\nNa\nVerified\n2025-09\n")
    assert source.locate("Na", label="Allocation")[0].line == 4
    assert source.locate("2025-09")[0].line == 6
    assert source.locate("trial")[0].line == 2
    assert source.locate("not in the text")[0].line is None


def test_a_json_list_item_path_finds_the_item():
    text = '{\n "locations": [\n  {\n   "facility": "A"\n  },\n  {\n   "facility": "B"\n  }\n ]\n}'
    assert SourceText(text, "json").locate(None, path="locations[1]")[0].line == 7


def test_a_document_parsed_alone_places_its_findings():
    data = (PROJECT_ROOT / "seeds" / "001_0e0bfe03180ab1a6.txt").read_bytes()
    result = parse_document("001.txt", data, hashlib.sha256(data).hexdigest())
    [swap] = [finding for finding in result.findings if finding.category == "field_swap"]
    assert swap.line == 47
