"""Real registry records, in every layout trialflow reads, are published and accounted for.

The records of `fixtures/registry_corpus` (ClinicalTrials.gov API v2 JSON
and legacy XML, copied byte for byte from public repositories) and the 90
of them written as pages in the three text layouts (`fixtures/rendered`,
copied from the shared development set) go through the whole graph, one run
per layout: the three pages of one record share its NCT id. Real records
repeat site names, list contacts twice and use words outside our
vocabularies; none of that may keep a trial from being published.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.conftest import PROJECT_ROOT
from tests.pipeline_helpers import materialize_all, published, settings_in
from tests.rendered_scoring import score

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
EXPECTED = json.loads((FIXTURES / "rendered" / "expected.json").read_text())

# What each layout reaches on the development set (README, "What it reads"): a
# change that loses values anywhere in a layout fails here, with every miss listed.
RENDERED_FLOOR = {"portal": 1.0, "ctgov_classic": 1.0, "veeva": 1.0}


class LayoutRun(NamedTuple):
    layout: str
    settings: object
    result: object
    expected: dict[str, str]


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


@pytest.fixture(scope="module", params=["registry_corpus", "portal", "ctgov_classic", "veeva"])
def layout_run(request, tmp_path_factory):
    settings = settings_in(tmp_path_factory.mktemp(request.param), copy_seeds=False)
    if request.param == "registry_corpus":
        originals = FIXTURES / "registry_corpus"
        expected = {f"{p.parent.name}/{p.name}": p.stem for p in _files(originals) if p.suffix in {".json", ".xml"}}
        for relative in expected:
            (settings.source_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(originals / relative, settings.source_dir / relative)
    else:
        shutil.copytree(FIXTURES / "rendered" / "docs" / request.param, settings.source_dir, dirs_exist_ok=True)
        expected = {name: record["nct_id"] for name, record in EXPECTED[request.param].items()}
    return LayoutRun(request.param, settings, materialize_all(settings), expected)


def test_the_run_succeeds_and_publishes(layout_run):
    _, settings, result, _ = layout_run
    assert result.success, [event.message for event in result.all_events if event.is_failure]
    manifest = json.loads((settings.publish_dir / "manifest.json").read_text())
    assert manifest["run_id"] == result.run_id


def test_every_record_has_one_documents_row_and_is_parsed(layout_run):
    _, settings, _, expected = layout_run
    documents = {row["source_file"]: row for row in published(settings, "documents")}
    assert sorted(documents) == sorted(expected)
    assert {name: (row["status"], row["nct_id"]) for name, row in documents.items()} == {
        name: ("PARSED", nct_id) for name, nct_id in expected.items()
    }


def test_every_trial_is_published(layout_run):
    _, settings, _, expected = layout_run
    assert sorted(row["nct_id"] for row in published(settings, "studies")) == sorted(set(expected.values()))


@pytest.mark.parametrize("layout_run", sorted(RENDERED_FLOOR), indirect=True)
def test_the_development_set_gives_the_values_its_pages_state(layout_run):
    layout, settings, _, _ = layout_run
    tables = {name: published(settings, name) for name in ("documents", "studies", "conditions", "interventions",
                                                           "sites", "outcomes")}
    checks, misses = score(EXPECTED[layout], tables)
    assert checks > 1500
    assert (checks - len(misses)) / checks >= RENDERED_FLOOR[layout], "\n".join(map(str, misses))
