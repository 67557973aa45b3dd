"""News evidence linked to the trials it concerns, through shared drugs and condition families."""

from __future__ import annotations

import re

import pytest

from pipeline.extract.free_text.conditions import condition_families
from tests.pipeline_helpers import materialize_all, published, settings_in


@pytest.mark.parametrize(
    "text, families",
    [
        ("Extensive Stage Lung Small Cell Cancer", ["SCLC"]),
        ("extensive-stage small cell lung cancer (ES-SCLC)", ["SCLC"]),
        ("Advanced Extrapulmonary Neuroendocrine Carcinoma Patients", ["neuroendocrine carcinoma"]),
        ("non-small cell lung cancer", ["NSCLC"]),
        ("SCLC or high-grade neuroendocrine carcinoma", ["SCLC", "neuroendocrine carcinoma"]),
        ("Atopic dermatitis", []),
    ],
)
def test_condition_families(text, families):
    assert condition_families(text) == families


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    settings = settings_in(tmp_path_factory.mktemp("links"))
    assert materialize_all(settings).success
    return settings


def test_004_links_to_the_two_tarlatamab_trials_only(seeded):
    links = {(r["nct_id"], tuple(r["shared_drugs"]), tuple(r["shared_conditions"]))
             for r in published(seeded, "evidence_trial_links")}
    assert links == {
        ("NCT07203053", ("tarlatamab",), ("SCLC",)),
        ("NCT06893783", ("tarlatamab",), ("neuroendocrine carcinoma",)),
    }


def test_004_evidence_uses_the_shared_drug_vocabulary(seeded):
    (evidence,) = published(seeded, "evidence")
    assert evidence["drugs"] == ["tarlatamab", "tocilizumab"]
    assert evidence["conditions"] == ["SCLC", "neuroendocrine carcinoma"]


def test_a_trial_naming_the_drug_by_its_code_is_linked_too(tmp_path):
    settings = settings_in(tmp_path)
    path = settings.source_dir / "000_d2c7a984589bc891.txt"
    path.write_text(re.sub("tarlatamab", "AMG 757", path.read_text(encoding="utf-8"), flags=re.IGNORECASE),
                    encoding="utf-8")
    assert materialize_all(settings).success
    linked = {r["nct_id"] for r in published(settings, "evidence_trial_links")}
    assert "NCT07203053" in linked
    steps = [r for r in published(settings, "dosing") if r["nct_id"] == "NCT07203053"]
    assert {r["drug"] for r in steps} == {"tarlatamab"} and len(steps) == 4
