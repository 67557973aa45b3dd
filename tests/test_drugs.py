"""The drug vocabulary: every spelling a document uses, to one generic name."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from pipeline.extract.free_text.drugs import find_drug_mentions, find_drugs, normalize_drug
from tests.conftest import read_seed


@pytest.mark.parametrize(
    ("written", "generic"),
    [
        ("tarlatamab", "tarlatamab"),
        ("Tarlatamab", "tarlatamab"),
        ("  TARLATAMAB ", "tarlatamab"),
        ("Imdelltra", "tarlatamab"),
        ("Paraplatin", "carboplatin"),
        ("Platinol", "cisplatin"),
        ("Etopophos", "etoposide"),
        ("Actemra", "tocilizumab"),
        ("RoActemra", "tocilizumab"),
        ("Imfinzi", "durvalumab"),
        ("Tecentriq", "atezolizumab"),
        ("Keytruda", "pembrolizumab"),
        ("Opdivo", "nivolumab"),
        ("Zepzelca", "lurbinectedin"),
        ("Focus V", "anlotinib"),
        ("thoracic radiotherapy", "radiotherapy"),
        ("Radiation", "radiotherapy"),
    ],
)
def test_brand_and_generic_names(written, generic):
    assert normalize_drug(written) == generic


@pytest.mark.parametrize(
    ("written", "generic"),
    [
        ("AMG 757", "tarlatamab"),
        ("AMG757", "tarlatamab"),
        ("amg-757", "tarlatamab"),
        ("VP-16", "etoposide"),
        ("VP16", "etoposide"),
        ("vp 16", "etoposide"),
        ("CDDP", "cisplatin"),
        ("AL3818", "anlotinib"),
        ("TQB2450", "benmelstobart"),
        ("TQB-2450", "benmelstobart"),
        ("MEDI4736", "durvalumab"),
        ("MPDL3280A", "atezolizumab"),
        ("MK-3475", "pembrolizumab"),
        ("MK3475", "pembrolizumab"),
    ],
)
def test_code_names_ignore_case_spaces_and_hyphens(written, generic):
    assert normalize_drug(written) == generic


@pytest.mark.parametrize(
    ("written", "generic"),
    [
        # the product labels seed 003 writes
        ("Anlotinib hydrochloride capsules", "anlotinib"),
        ("Carboplatin for injection", "carboplatin"),
        ("Benmelstobart injection", "benmelstobart"),
        ("Etoposide injection", "etoposide"),
        ("anlotinib HCl tablets", "anlotinib"),
        ("Tarlatamab (AMG 757)", "tarlatamab"),
    ],
)
def test_salt_and_form_words_are_dropped(written, generic):
    assert normalize_drug(written) == generic


@pytest.mark.parametrize(
    "written", ["Placebo", "Drug X", "Chemotherapy", "", "   ", "injection", "Carboplatin or cisplatin"]
)
def test_unknown_names_are_none(written):
    assert normalize_drug(written) is None


def test_every_generic_name_is_its_own_synonym():
    text = resources.files("pipeline.extract").joinpath("data/drugs.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    names = {row["name"] for row in rows}
    assert {row["synonym"] for row in rows if row["synonym"] == row["name"]} == names
    assert all(name == name.lower() for name in names)
    for name in ("serplulimab", "toripalimab", "tislelizumab", "adebrelimab", "trilaciclib", "ipilimumab",
                 "topotecan", "irinotecan", "dexamethasone", "bemotuzumab"):
        assert normalize_drug(name) == name


def test_find_drugs_in_order_of_first_mention():
    text = ("Bemotuzumab (1200 mg IV, Day 1) combined with platinum-etoposide chemotherapy (Carboplatin AUC=5 or "
            "Cisplatin 75-80 mg/m² on Day 1) and oral Anlotinib. Consolidation: Bemotuzumab + Anlotinib with "
            "concurrent hypofractionated thoracic radiotherapy.")
    assert find_drugs(text) == ["bemotuzumab", "etoposide", "carboplatin", "cisplatin", "anlotinib", "radiotherapy"]


def test_find_drugs_matches_code_names_written_any_way():
    assert find_drugs("tarlatamab (AMG 757), also AMG-757, then VP16 and Tecentriq") == [
        "tarlatamab", "etoposide", "atezolizumab"
    ]


def test_find_drugs_matches_whole_words_only():
    assert find_drugs("Durvalumabs are not a drug; xcisplatin neither; carboplatinum neither") == []
    assert find_drugs("tarlatamab-related adverse events") == ["tarlatamab"]


def test_find_drugs_prefers_the_longest_spelling():
    (mention,) = find_drug_mentions("with concurrent thoracic radiotherapy (5 Gy)")
    assert mention.name == "radiotherapy"
    assert "with concurrent thoracic radiotherapy (5 Gy)"[mention.start:mention.end] == "thoracic radiotherapy"


def test_find_drugs_in_seed_003_summary():
    text = read_seed("003")
    summary = text[text.index("The goal of this clinical trial"):].split("\n", 1)[0]
    assert find_drugs(summary) == ["benmelstobart", "anlotinib"]


def test_find_drugs_in_the_news_seed():
    # The headline names tocilizumab first ("Prophylactic Tocilizumab May Limit Tarlatamab Toxicities").
    assert find_drugs(read_seed("004")) == ["tocilizumab", "tarlatamab"]
