"""Vocabulary values are kept as the source wrote them; expanded access and acronyms are read.

A label outside its vocabulary leaves the value null, keeps the label in the
`<column>_raw` companion and says so in a `domain` finding: nothing a source
states is silently lost. The records are real (tests/fixtures); the labels
outside the vocabularies are written into copies of a real record, since no
real record here states one.
"""

from __future__ import annotations

import hashlib
import json
import shutil

import pandas as pd
import pytest

from pipeline.extract.document import ParsedDocument
from pipeline.extract.fields.study_fields import build_study_row
from pipeline.extract.parsing import parse_document
from pipeline.quality.models import model_for
from pipeline.quality.rules import CONFLICT_FIELDS, check_duplicate_conflicts
from pipeline.registry import vocabularies as vocab
from pipeline.registry.tables import PUBLISHED_TABLES, TABLES_BY_NAME
from tests.conftest import PROJECT_ROOT
from tests.pipeline_helpers import SEED_TRIALS, assert_survives, materialize_all, published, settings_in

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
XML_CORPUS = FIXTURES / "registry_corpus" / "ctgov_xml"


def _parsed(path) -> dict:
    data = path.read_bytes()
    result = parse_document(path.name, data, hashlib.sha256(data).hexdigest())
    assert result.status == "PARSED", result.document["error"]
    return result


# --- the declaration ------------------------------------------------------------------


def test_every_stated_vocabulary_column_has_its_raw_companion_beside_it_in_arrow_and_pandera():
    raw = {(t.name, c.name) for t in PUBLISHED_TABLES for c in t.columns if c.raw_of is not None}
    assert raw == {
        *(("studies", f"{name}_raw") for name in ("overall_status", "phase", "study_type", "enrollment_type", "sex",
                                                   "allocation", "intervention_model", "primary_purpose", "masking")),
        ("interventions", "intervention_type_raw"), ("arm_groups", "group_type_raw"),
        ("sponsors", "agency_class_raw"), ("officials", "role_raw"), ("sites", "status_raw"),
    }
    for table in (*PUBLISHED_TABLES, TABLES_BY_NAME["parsed_studies"], TABLES_BY_NAME["parsed_sites"]):
        names = table.column_names
        for column in table.as_written_columns:
            assert names[names.index(column.name) + 1] == column.raw_name, table.name
            assert table.arrow_schema().field(column.raw_name).type == "string"
            assert column.raw_name in model_for(table.name).to_schema().columns
            assert model_for(table.name).to_schema().columns[column.raw_name].checks == []


def test_expanded_access_statuses_are_in_the_status_vocabularies():
    for status in ("AVAILABLE", "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING",
                   "WITHHELD"):
        assert status in vocab.OVERALL_STATUS and status in vocab.SITE_STATUS
    assert vocab.to_vocabulary("No longer available", vocab.OVERALL_STATUS) == "NO_LONGER_AVAILABLE"
    assert vocab.to_vocabulary("Temporarily not available", vocab.OVERALL_STATUS) == "TEMPORARILY_NOT_AVAILABLE"
    assert vocab.to_vocabulary("Approved for marketing", vocab.OVERALL_STATUS) == "APPROVED_FOR_MARKETING"
    assert vocab.to_vocabulary("Expanded Access", vocab.STUDY_TYPE) == "EXPANDED_ACCESS"


# --- real records ---------------------------------------------------------------------


@pytest.mark.parametrize(("record", "status", "status_raw", "study_type", "study_type_raw"), [
    ("NCT01220531", "AVAILABLE", "Available", "EXPANDED_ACCESS", "Expanded Access"),  # thymus transplantation
    ("NCT03133988", "AVAILABLE", "Available", "EXPANDED_ACCESS", "Expanded Access"),  # margetuximab
    ("NCT03147742", "AVAILABLE", "Available", "EXPANDED_ACCESS", "Expanded Access"),  # ruxolitinib, GVHD
    ("NCT03245528", "AVAILABLE", "Available", "EXPANDED_ACCESS", "Expanded Access"),  # LJPC-501
    ("NCT03182660", "WITHHELD", "Withheld", None, None),  # a device record withheld: its type is "N/A"
])
def test_expanded_access_records_keep_their_status_and_study_type(record, status, status_raw, study_type,
                                                                  study_type_raw):
    result = _parsed(XML_CORPUS / f"{record}.xml")
    study = result.rows["parsed_studies"][0]
    assert (study["overall_status"], study["overall_status_raw"]) == (status, status_raw)
    assert (study["study_type"], study["study_type_raw"]) == (study_type, study_type_raw)
    assert [f for f in result.findings if f.field in ("overall_status", "study_type")] == []


@pytest.mark.parametrize(("path", "acronym"), [
    ("ctgov_json/NCT03630471.json", "PRIDE"),
    ("ctgov_json/NCT05594173.json", "NIH_HVX6"),
    ("ctgov_xml/NCT02591810.xml", "DRUJ"),
    ("ctgov_xml/NCT05389774.xml", "DOLCE"),
    ("ctgov_xml/NCT03133988.xml", None),  # states none
])
def test_the_acronym_is_read_from_json_and_xml_records(path, acronym):
    assert _parsed(FIXTURES / path).rows["parsed_studies"][0]["acronym"] == acronym


def test_labels_in_the_vocabulary_are_kept_as_written_too():
    """The Veeva seed writes labels in words; the published value is the vocabulary's, the raw column the page's."""
    result = _parsed(PROJECT_ROOT / "seeds" / "002_3119735172ec348a.txt")
    study = result.rows["parsed_studies"][0]
    assert (study["overall_status"], study["overall_status_raw"]) == ("NOT_YET_RECRUITING", "Not yet enrolling")
    assert (study["masking"], study["masking_raw"]) == ("NONE", "None (Open label)")
    assert (study["intervention_model"], study["intervention_model_raw"]) == ("SINGLE_GROUP", "Single Group Assignment")
    assert [(row["intervention_type"], row["intervention_type_raw"]) for row in result.rows["parsed_interventions"]] \
        == [("COMBINATION_PRODUCT", "Combination Product")]
    assert [(row["group_type"], row["group_type_raw"]) for row in result.rows["parsed_arm_groups"]] \
        == [("EXPERIMENTAL", "Experimental")]


# --- labels outside the vocabulary ----------------------------------------------------


def test_a_study_label_outside_its_vocabulary_is_kept_raw_with_a_finding():
    row, findings = build_study_row("NCT03630471", {"overall_status": "Closed to accrual", "phase": "Phase 2"})
    assert (row["overall_status"], row["overall_status_raw"]) == (None, "Closed to accrual")
    assert (row["phase"], row["phase_raw"]) == ("PHASE2", "Phase 2")
    assert row["study_type_raw"] is None  # not stated
    assert [(f.category, f.severity, f.field, f.observed) for f in findings] == [
        ("domain", "WARNING", "overall_status", "Closed to accrual")]
    assert "kept as written in overall_status_raw" in findings[0].message


def test_a_child_label_outside_its_vocabulary_is_kept_raw_with_a_finding():
    doc = ParsedDocument("ctgov_json", nct_id="NCT03630471")
    for label, name in (("Psychotherapy", "PRIDE step 1"), ("Behavioral", "Enhanced usual care"), (None, "Leaflet")):
        doc.add_row("interventions", {
            "intervention_type": doc.vocabulary_value(label, vocab.INTERVENTION_TYPE, "intervention_type"),
            "name": name, "description": None})
    # Layouts and their tests see values in the vocabulary only; the labels join them for the tables.
    assert [row["intervention_type"] for row in doc.rows["interventions"]] == [None, "BEHAVIORAL", None]
    doc.keep_labels()
    assert [(r["intervention_type"], r["intervention_type_raw"], r["name"]) for r in doc.rows["interventions"]] == [
        (None, "Psychotherapy", "PRIDE step 1"), ("BEHAVIORAL", "Behavioral", "Enhanced usual care"),
        (None, None, "Leaflet")]
    assert [(f.category, f.field, f.observed) for f in doc.findings] == [
        ("domain", "intervention_type", "Psychotherapy")]


def _documents(*statuses: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, sources = [], []
    for rank, status in enumerate(statuses, start=1):
        row, _ = build_study_row("NCT03630471", {"overall_status": status})
        rows.append({**row, "source_file": f"doc{rank}.json", "source_files": None})
        sources.append({"nct_id": "NCT03630471", "source_file": f"doc{rank}.json", "rank": rank})
    return pd.DataFrame(rows), pd.DataFrame(sources)


def test_a_raw_label_makes_no_conflict_of_its_own():
    assert "overall_status" in CONFLICT_FIELDS and "overall_status_raw" not in CONFLICT_FIELDS
    assert check_duplicate_conflicts(*_documents("Recruiting", "RECRUITING")) == []
    conflicts = check_duplicate_conflicts(*_documents("Closed to accrual", "Recruiting"))
    assert [(f.field, f.observed) for f in conflicts] == [
        ("overall_status", "doc1.json: Closed to accrual; doc2.json: RECRUITING")]


# --- the whole graph --------------------------------------------------------------------


def _closed_copy_of_pride() -> str:
    """NCT03630471, updated later, with a status, an intervention type and a site status no vocabulary holds."""
    record = json.loads((FIXTURES / "ctgov_json" / "NCT03630471.json").read_text())
    protocol = record["protocolSection"]
    protocol["statusModule"]["overallStatus"] = "Closed to accrual"
    protocol["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2020-01-15"
    protocol["armsInterventionsModule"]["interventions"][0]["type"] = "Psychotherapy"
    protocol["contactsLocationsModule"]["locations"][0]["status"] = "Closed to accrual"
    return json.dumps(record, indent=2)


def test_the_published_tables_keep_labels_expanded_access_and_acronyms(tmp_path):
    settings = settings_in(tmp_path)
    shutil.copy(XML_CORPUS / "NCT03133988.xml", settings.source_dir / "NCT03133988.xml")
    shutil.copy(FIXTURES / "ctgov_xml" / "NCT02591810.xml", settings.source_dir / "NCT02591810.xml")
    shutil.copy(FIXTURES / "ctgov_json" / "NCT03630471.json", settings.source_dir / "pride_2019.json")
    (settings.source_dir / "pride_2020.json").write_text(_closed_copy_of_pride())
    result = materialize_all(settings)
    assert_survives(settings, result)

    studies = {row["nct_id"]: row for row in published(settings, "studies")}
    available = studies["NCT03133988"]
    assert (available["overall_status"], available["overall_status_raw"]) == ("AVAILABLE", "Available")
    assert (available["study_type"], available["study_type_raw"]) == ("EXPANDED_ACCESS", "Expanded Access")
    assert {nct_id: studies[nct_id]["acronym"] for nct_id in (*SEED_TRIALS, "NCT02591810", "NCT03630471")} == {
        **dict.fromkeys(SEED_TRIALS), "NCT02591810": "DRUJ", "NCT03630471": "PRIDE"}

    # The newest document states a label outside the vocabulary: value and label come from it together.
    pride = studies["NCT03630471"]
    assert (pride["overall_status"], pride["overall_status_raw"], pride["source_file"]) == (
        None, "Closed to accrual", "pride_2020.json")
    interventions = [row for row in published(settings, "interventions") if row["nct_id"] == "NCT03630471"]
    assert [(row["intervention_type"], row["intervention_type_raw"]) for row in interventions] == [
        (None, "Psychotherapy"), ("BEHAVIORAL", "BEHAVIORAL")]
    sites = [row for row in published(settings, "sites") if row["nct_id"] == "NCT03630471"]
    assert [(row["facility"], row["status"], row["status_raw"]) for row in sites] == [
        ("Sangath", None, "Closed to accrual")]

    findings = [row for row in published(settings, "quality_findings") if row["nct_id"] == "NCT03630471"]
    vocabulary_fields = ("overall_status", "intervention_type", "site_status")
    assert sorted((f["category"], f["field"], f["observed"], f["source_file"]) for f in findings
                  if f["category"] == "domain" and f["field"] in vocabulary_fields) == [
        ("domain", "intervention_type", "Psychotherapy", "pride_2020.json"),
        ("domain", "overall_status", "Closed to accrual", "pride_2020.json"),
        ("domain", "site_status", "Closed to accrual", "pride_2020.json"),
    ]
    assert [(f["field"], f["observed"]) for f in findings if f["category"] == "duplicate_conflict"] == [
        ("overall_status", "pride_2020.json: Closed to accrual; pride_2019.json: COMPLETED")]
