"""What the Dagster UI shows of a run: tables with schemas, whole values, counts per trial and layout,
DuckDB types, descriptions, one job, code versions, owners, tags and freshness."""

from __future__ import annotations

import dataclasses
import datetime as dt

import dagster as dg
import pytest

from assets.metadata import OWNER, cell
from pipeline.definitions import build_definitions
from pipeline.extract.parsing import parser_version
from pipeline.registry.tables import PUBLISHED_TABLES
from tests.pipeline_helpers import assert_survives, materialize_all, settings_in

SWAPPED = "001_0e0bfe03180ab1a6.txt"
# A criterion of seed 003 longer than the 60 characters previews used to keep.
LONG_CRITERION = (
    "Patients who have received prior radiotherapy for limited-stage SCLC must have received radical therapy "
    "with a treatment-free interval of at least 6 months"
)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The seeds plus one file no layout reads, so the run has a quarantined document too."""
    settings = settings_in(tmp_path_factory.mktemp("ui"))
    (settings.source_dir / "notes.txt").write_text("Milk, eggs and bread.\nCall the plumber.\n")
    result = materialize_all(settings)
    documents = assert_survives(settings, result)
    assert documents["notes.txt"]["status"] == "QUARANTINED"
    materializations = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        materializations[materialization.asset_key.to_user_string()] = materialization.metadata
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}
    return settings, materializations, checks


def _records(value: dg.MetadataValue) -> list[dict]:
    assert isinstance(value, dg.TableMetadataValue)
    return [record.data for record in value.value.records]


def _types(value: dg.TableMetadataValue | dg.TableSchemaMetadataValue) -> dict[str, str]:
    schema = value.value.schema if isinstance(value, dg.TableMetadataValue) else value.value
    return {column.name: column.type for column in schema.columns}


def test_previews_are_tables_with_duckdb_types_and_whole_values(run):
    _, metadata, _ = run
    criteria = metadata["eligibility_criteria"]["preview"]
    assert _types(criteria) == {"nct_id": "VARCHAR", "position": "BIGINT", "criterion_type": "VARCHAR",
                                "ordinal": "BIGINT", "text": "VARCHAR", "source_file": "VARCHAR"}
    texts = [row["text"] for row in _records(criteria)]
    assert any(text.startswith(LONG_CRITERION) and len(text) > 300 for text in texts)
    assert metadata["eligibility_criteria"]["preview_rows"].value == "the first 5 of 68 rows"
    assert _types(metadata["studies"]["dagster/column_schema"])["start_date"] == "DATE"
    # A contact's phone and email never reach the UI's storage.
    assert "phone" not in _types(metadata["contacts"]["preview"])
    assert "email" not in _types(metadata["contacts"]["preview"])


def test_findings_name_the_file_in_its_own_column_and_not_in_the_message(run):
    _, metadata, _ = run
    findings = _records(metadata["quality_findings"]["preview"])
    quarantined = next(row for row in findings if row["source_file"] == "notes.txt")
    assert quarantined["message"] == "quarantined: not a trial record: no NCT id and no known layout"
    assert quarantined["severity"] == "ERROR"
    assert not any(row["message"].startswith(row["source_file"]) for row in findings if row["source_file"])


def test_the_quality_panel_counts_findings_per_trial_per_document_and_per_layout(run):
    _, metadata, _ = run
    panel = metadata["quality_summary"]
    assert panel["trials_with_findings"].value == 2
    assert panel["documents_with_findings"].value == 3
    assert _records(panel["trials_with_most_findings"]) == [
        {"nct_id": "(no trial)", "layouts": "(no layout)", "documents": 1, "errors": 1, "warnings": 0, "info": 0},
        {"nct_id": "NCT06893783", "layouts": "ctgov_text", "documents": 1, "errors": 0, "warnings": 2, "info": 0},
        {"nct_id": "NCT07358676", "layouts": "veeva_page", "documents": 1, "errors": 0, "warnings": 0, "info": 1},
    ]
    assert _records(panel["findings_by_layout"]) == [
        {"layout": "(no layout)", "trials": 0, "documents": 1, "errors": 1, "warnings": 0, "info": 0},
        {"layout": "ctgov_text", "trials": 1, "documents": 1, "errors": 0, "warnings": 2, "info": 0},
        {"layout": "veeva_page", "trials": 1, "documents": 1, "errors": 0, "warnings": 0, "info": 1},
    ]
    by_document = _records(panel["documents_with_most_findings"])
    assert by_document[1] == {"document": SWAPPED, "layout": "ctgov_text", "nct_id": "NCT06893783",
                              "errors": 0, "warnings": 2, "info": 0}
    assert _types(panel["findings_by_category"]) == {"category": "VARCHAR", "severity": "VARCHAR",
                                                     "findings": "BIGINT"}


def test_a_repaired_swap_passes_its_check_and_says_it_was_repaired(run):
    _, _, checks = run
    swap = checks[("studies", "field_swap")]
    assert swap.passed
    assert swap.description == "1 repaired, each a WARNING finding in quality_findings"
    assert swap.metadata["repaired"].value == 1
    (repair,) = _records(swap.metadata["repairs"])
    assert repair["severity"] == "WARNING" and repair["source_file"] == SWAPPED
    assert repair["message"] == ("age_range and sex were swapped on the page (age_range held 'ALL', sex held "
                                 "'19 Years'); repaired: the values have been put back (age_range='19 Years', "
                                 "sex='ALL')")
    consistency = checks[("studies", "consistency")]
    assert (consistency.passed, consistency.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert _records(consistency.metadata["first_failures"])[0]["field"] == "outcomes.time_frame"


def test_every_published_column_is_described_with_its_duckdb_type(tmp_path):
    graph = build_definitions(settings_in(tmp_path, copy_seeds=False)).resolve_asset_graph()
    for table in PUBLISHED_TABLES:
        schema = graph.get(dg.AssetKey(table.name)).metadata["dagster/column_schema"]
        assert [c.name for c in schema.columns] == table.column_names
        assert all(c.description for c in schema.columns), table.name
        assert not any("[" in c.type and not c.type.endswith("[]") for c in schema.columns), table.name
    studies = {c.name: c.type for c in graph.get(dg.AssetKey("studies")).metadata["dagster/column_schema"].columns}
    assert (studies["start_date"], studies["enrollment"], studies["min_age_years"], studies["healthy_volunteers"]) \
        == ("DATE", "BIGINT", "DOUBLE", "BOOLEAN")
    arms = {c.name: c.type for c in graph.get(dg.AssetKey("arm_groups")).metadata["dagster/column_schema"].columns}
    assert arms["intervention_names"] == "VARCHAR[]"
    findings = graph.get(dg.AssetKey("quality_findings")).metadata["dagster/column_schema"].columns
    assert {c.name: c.description for c in findings}["message"]


def test_assets_carry_code_versions_owners_tags_and_the_schedules_freshness(tmp_path):
    settings = settings_in(tmp_path, copy_seeds=False)
    graph = build_definitions(settings).resolve_asset_graph()
    parsed = graph.get(dg.AssetKey("documents"))
    assert graph.get(dg.AssetKey("document_records")).code_version == parsed.code_version == parser_version()
    assert graph.get(dg.AssetKey("raw_documents")).code_version is None
    assert all(node.owners == [OWNER] for node in graph.asset_nodes)
    assert graph.get(dg.AssetKey("contacts")).tags["pii"] == "contacts"
    assert "pii" not in graph.get(dg.AssetKey("studies")).tags
    assert graph.get(dg.AssetKey("raw_documents")).tags["layer"] == "staging"
    for key in [dg.AssetKey("published_parquet"), *(dg.AssetKey(t.name) for t in PUBLISHED_TABLES)]:
        policy = graph.get(key).freshness_policy
        assert (policy.deadline_cron, policy.lower_bound_delta, policy.timezone) == \
            (settings.refresh_cron, dt.timedelta(days=1), "UTC"), key
    assert graph.get(dg.AssetKey("raw_documents")).freshness_policy is None

    every_six_hours = dataclasses.replace(settings, refresh_cron="0 */6 * * *")
    policy = build_definitions(every_six_hours).resolve_asset_graph().get(dg.AssetKey("studies")).freshness_policy
    assert (policy.deadline_cron, policy.lower_bound_delta) == ("0 */6 * * *", dt.timedelta(hours=6))


def test_a_cell_keeps_its_whole_value_and_cuts_only_absurd_lengths():
    assert cell("x" * 1_999) == "x" * 1_999
    assert cell("x" * 5_000) == "x" * 1_999 + "…"
    assert cell(dt.date(2025, 9, 1)) == "2025-09-01"
    assert cell(["a", "b"]) == '["a", "b"]'
    assert (cell(None), cell(3), cell(2.5), cell(True)) == (None, 3, 2.5, True)
