"""Every finding reaches exactly one asset check: the names the engine writes are the names the checks own."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest

from checks.catalog import build_quality_checks
from pipeline.extract.document import Finding
from pipeline.extract.formats import LAYOUTS
from pipeline.registry.checks import ASSET_CHECKS, OWNERS, parse_check, schema_check
from pipeline.registry.tables import Role, tables_with
from tests.pipeline_helpers import PROJECT_ROOT, assert_survives, materialize_all, query, settings_in


def test_each_finding_check_name_is_owned_by_exactly_one_asset_check():
    owned = Counter(name for check in ASSET_CHECKS for name in check.finding_checks)
    assert [name for name, owners in owned.items() if owners != 1] == []
    assert len(ASSET_CHECKS) == 28
    assert len({(check.asset, check.name) for check in ASSET_CHECKS}) == 28


def test_every_layout_and_validated_table_has_its_check():
    assert {parse_check(layout.FORMAT) for layout in LAYOUTS} <= OWNERS.keys()
    for table in tables_with(Role.VALIDATED):
        assert OWNERS[schema_check(table.name)].asset == table.name


def test_the_dagster_checks_are_the_declared_ones():
    specs = {(spec.asset_key.to_user_string(), spec.name): spec for spec in build_quality_checks()[0].check_specs}
    assert specs.keys() == {(check.asset, check.name) for check in ASSET_CHECKS}
    blocking = sorted(asset for (asset, _), spec in specs.items() if spec.blocking)
    assert blocking == sorted(["studies", "conditions", "interventions", "arm_groups", "dosing",
                               "eligibility_criteria", "eligibility_thresholds", "sponsors", "officials", "sites",
                               "contacts", "outcomes", "identifiers", "evidence_trial_links", "study_sources"])


def test_a_finding_with_an_unregistered_check_name_is_refused():
    with pytest.raises(ValueError, match="check_dates_order"):
        Finding("check_dates_order", "date_order", "WARNING", "start after completion")


def test_every_check_name_the_seeds_and_fixtures_raise_has_one_owner(tmp_path):
    """Every layout on every document of the repository, every rule over the warehouse they make.

    `Finding` refuses an unregistered name, so a layout that wrote one would
    fail its document: such a quarantine counts as a failure here too.
    """
    settings = settings_in(tmp_path)
    shutil.copytree(PROJECT_ROOT / "tests" / "fixtures", settings.source_dir / "fixtures")
    assert_survives(settings, materialize_all(settings))

    refused = query(settings, "SELECT source_file, error FROM documents WHERE error LIKE '%is not a check name%'")
    assert refused == []
    # A rule that raised one would have its trials reported as not judged, quoting the refusal.
    assert query(settings, "SELECT message FROM quality_findings WHERE message LIKE '%is not a check name%'") == []
    raised = {name for (name,) in query(settings, "SELECT DISTINCT check_name FROM quality_findings")}
    assert raised - OWNERS.keys() == set()
    # The corpus exercises the layouts, the field readers and the rules, not only one of them.
    assert {"check_document_readable", "check_repeated_rows", "check_study_fields", "check_field_swap",
            "check_consistency", "extract_dosing"} <= raised
    assert any(name.startswith("parse_") for name in raised)
    assert any(name.startswith("schema_") for name in raised)
