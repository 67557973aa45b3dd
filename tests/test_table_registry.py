"""The table declarations are the one list of tables: every other list is read off them."""

from __future__ import annotations

from pipeline.extract.free_text import thresholds
from pipeline.quality.findings import _RULES
from pipeline.registry import vocabularies as vocab
from pipeline.registry.tables import (
    PERSONAL_COLUMNS,
    PERSONAL_FINDING_FIELDS,
    TABLES,
    Role,
    Step,
    names,
    tables_with,
)
from pipeline.store.incremental import PER_DOCUMENT_TABLES


def test_every_column_of_every_table_is_described():
    assert [f"{t.name}.{c.name}" for t in TABLES for c in t.columns if not c.description.strip()] == []
    assert [t.name for t in TABLES if not t.description.strip()] == []


def test_table_names_are_unique_and_keys_and_personal_columns_are_columns():
    assert len(names(TABLES)) == len(set(names(TABLES)))
    for table in TABLES:
        assert set(table.key) <= set(table.column_names), table.name
        assert set(table.personal) | set(table.about_people) <= set(table.column_names), table.name


def test_the_lists_of_tables_follow_the_roles():
    assert names(tables_with(Role.PUBLISHED)) == (
        "studies", "conditions", "interventions", "arm_groups", "dosing", "eligibility_criteria",
        "eligibility_thresholds", "sponsors", "officials", "sites", "contacts", "outcomes", "identifiers",
        "evidence_trial_links", "evidence", "evidence_findings", "documents", "quality_findings", "study_sources",
        "study_field_sources", "quality_summary")
    assert set(PER_DOCUMENT_TABLES) == {
        "documents", "evidence", "evidence_findings", "parsed_studies", "parsed_study_field_sources", "parsed_findings",
        *(f"parsed_{t.name}" for t in tables_with(Role.TRIAL_CHILD))}
    # A document's rows are replaced by its source_file.
    assert all("source_file" in t.column_names for t in tables_with(step=Step.PARSED))
    assert names(tables_with(step=Step.PENDING)) == ("pending_trials", "pending_documents")
    assert names(tables_with(step=Step.STAGED)) == ("raw_documents",)


def test_the_tables_read_by_rules_are_those_the_rules_read():
    assert {name for rule in _RULES for name in rule.frames} == set(names(tables_with(Role.READ_BY_RULES)))


def test_contacts_phone_and_email_are_the_personal_data():
    assert PERSONAL_COLUMNS == {"contacts": ("phone", "email"), "parsed_contacts": ("phone", "email")}
    assert PERSONAL_FINDING_FIELDS == ("phone", "email", "phone,email")
    assert {(t.name, c) for t in TABLES for c in t.about_people} == {
        ("officials", "name"), ("officials", "affiliation"), ("contacts", "name"), ("contacts", "role"),
        ("contacts", "facility"), ("sites", "facility")}


def test_the_threshold_vocabularies_are_what_the_extractor_reads_and_stores():
    assert tuple(thresholds._UNITS) == vocab.ANALYTES
    stored = {unit for units in thresholds._UNITS.values() for unit in units.values() if unit}
    assert stored == set(vocab.THRESHOLD_UNITS)
    assert list(vocab.THRESHOLD_UNITS) == sorted(vocab.THRESHOLD_UNITS)
