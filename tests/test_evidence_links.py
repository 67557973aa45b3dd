"""News evidence linked to the trials it concerns, through shared drugs and condition families."""

from __future__ import annotations

import re

import pytest

from pipeline.extract.free_text.conditions import condition_families
from tests.conftest import PROJECT_ROOT
from tests.pipeline_helpers import assert_survives, materialize_all, published, settings_in

NEWS = PROJECT_ROOT / "tests" / "fixtures" / "news"


@pytest.mark.parametrize(
    "text, families",
    [
        ("Extensive Stage Lung Small Cell Cancer", ["SCLC"]),
        ("extensive-stage small cell lung cancer (ES-SCLC)", ["SCLC"]),
        ("Advanced Extrapulmonary Neuroendocrine Carcinoma Patients", ["neuroendocrine carcinoma"]),
        ("non-small cell lung cancer", ["NSCLC"]),
        ("SCLC or high-grade neuroendocrine carcinoma", ["SCLC", "neuroendocrine carcinoma"]),
        ("HER2-positive metastatic breast cancer", ["breast cancer"]),
        ("refractory large B-cell lymphoma (DLBCL)", ["lymphoma"]),
        ("newly diagnosed advanced ovarian cancer", ["ovarian cancer"]),
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


def test_articles_of_other_studies_publish_their_evidence_beside_the_seeds(tmp_path):
    settings = settings_in(tmp_path)
    for article in NEWS.glob("*.txt"):
        (settings.source_dir / "news" / article.name).parent.mkdir(exist_ok=True)
        (settings.source_dir / "news" / article.name).write_bytes(article.read_bytes())
    documents = assert_survives(settings, materialize_all(settings))
    articles = {f"news/{path.name}" for path in NEWS.glob("*.txt")}
    assert {name: (documents[name]["status"], documents[name]["format"]) for name in articles} == {
        name: ("PARSED", "news_article") for name in articles}
    evidence = {row["source_file"]: row for row in published(settings, "evidence")}
    assert evidence["news/sotorasib_codebreak100.txt"]["sample_size"] == 126
    assert evidence["news/olaparib_solo1.txt"]["conditions"] == ["ovarian cancer"]
    figures = {(row["cohort"], row["n"], row["measure"], row["percent"], row["count"])
               for row in published(settings, "evidence_findings")
               if row["source_file"] == "news/sotorasib_codebreak100.txt"}
    assert ("evaluable patients", 124, "objective response rate", 37.1, 46) in figures
    assert len(figures) == 6
