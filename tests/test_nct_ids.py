"""NCT ids are ASCII: one written in other digits is read as the trial's ASCII id, with a finding.

Python's `\\d` matches Arabic-Indic, full-width and every other script's
digits, so such an id used to be published as a trial of its own.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pipeline.extract.document import ParsedDocument
from pipeline.extract.formats import unknown_layout_reason
from pipeline.extract.fields.nct_ids import read_nct_id
from pipeline.quality.models import validate_frame
from tests.conftest import PROJECT_ROOT, read_seed
from tests.pipeline_helpers import assert_survives, materialize_all, published, settings_in

ARABIC_INDIC, EXTENDED_ARABIC_INDIC, DEVANAGARI, FULL_WIDTH = "\u0660", "\u06f0", "\u0966", "\uff10"
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"


def in_digits(nct_id: str, zero: str, prefix: str = "NCT") -> str:
    """`nct_id` with its digits written from `zero` on (and another spelling of "NCT")."""
    return prefix + "".join(chr(ord(zero) + int(digit)) for digit in nct_id[3:])


@pytest.mark.parametrize(("written", "expected"), [
    (in_digits("NCT09999901", ARABIC_INDIC), "NCT09999901"),
    (in_digits("NCT09999902", FULL_WIDTH, "ＮＣＴ"), "NCT09999902"),
    (in_digits("NCT09999903", DEVANAGARI), "NCT09999903"),
    ("NCT0999990" + chr(ord(EXTENDED_ARABIC_INDIC) + 4), "NCT09999904"),  # one digit is enough
])
def test_an_id_in_other_digits_is_read_as_ascii_and_reported(written, expected):
    doc = ParsedDocument(format="mirror_page")
    assert read_nct_id(doc, f" {written} ") == expected
    assert [(f.category, f.severity, f.field, f.observed) for f in doc.findings] == [
        ("identifier", "WARNING", "nct_id", written)]
    assert doc.findings[0].message == f"NCT id {written!r} is written with non-ASCII characters; read as {expected}"


@pytest.mark.parametrize("written", [
    "NCT¹²³⁴⁵⁶⁷⁸",  # superscripts are digits to str.isdigit, not decimal digits
    in_digits("NCT0999990", ARABIC_INDIC),  # seven digits
    "NCT0999990１2",  # nine
    "NCT 09999901",
    "nct09999901",
])
def test_what_is_not_an_nct_id_stays_unread(written):
    doc = ParsedDocument(format="mirror_page")
    assert read_nct_id(doc, written) is None
    assert doc.findings == []


def test_an_ascii_id_gives_no_finding_and_case_is_ignored_only_when_asked():
    doc = ParsedDocument(format="mirror_page")
    assert read_nct_id(doc, "NCT07203053") == "NCT07203053"
    assert read_nct_id(doc, "nct07203053", ignore_case=True) == "NCT07203053"
    assert doc.findings == []


def test_the_schema_check_refuses_an_id_in_other_digits():
    frame = pd.DataFrame({"nct_id": [in_digits("NCT09999901", ARABIC_INDIC)], "position": [1],
                          "condition": ["SCLC"], "source_file": ["a.txt"]}).astype({"position": "Int64"})
    findings = validate_frame("conditions", frame)
    assert [(f.category, f.severity, f.field) for f in findings] == [("identifier", "ERROR", "nct_id")]


def test_an_unknown_layout_names_the_ascii_id():
    assert unknown_layout_reason("see " + in_digits("NCT09999905", FULL_WIDTH, "ＮＣＴ") + " for details").startswith(
        "mentions NCT09999905 but its layout is not one trialflow reads")


# One document per layout that carries an NCT id, each written in other digits.
WRITTEN = {
    "mirror-arabic-indic.txt": ("NCT09999901", in_digits("NCT09999901", ARABIC_INDIC)),
    "text-full-width.txt": ("NCT09999902", in_digits("NCT09999902", FULL_WIDTH, "ＮＣＴ")),
    "veeva-full-width.txt": ("NCT09999903", in_digits("NCT09999903", FULL_WIDTH, "ｎｃｔ")),
    "record-persian.json": ("NCT09999904", in_digits("NCT09999904", EXTENDED_ARABIC_INDIC)),
    "record-devanagari.xml": ("NCT09999905", in_digits("NCT09999905", DEVANAGARI)),
}


@pytest.fixture(scope="module")
def written_run(tmp_path_factory):
    settings = settings_in(tmp_path_factory.mktemp("nct_ids"))
    originals = {
        "mirror-arabic-indic.txt": (read_seed("000"), "NCT07203053"),
        "text-full-width.txt": (read_seed("001"), "NCT06893783"),
        "veeva-full-width.txt": (read_seed("002"), "NCT07358676"),
        "record-persian.json": ((FIXTURES / "ctgov_json" / "NCT03281889.json").read_text(encoding="utf-8"),
                                "NCT03281889"),
        "record-devanagari.xml": ((FIXTURES / "ctgov_xml" / "NCT05389774.xml").read_text(encoding="utf-8"),
                                  "NCT05389774"),
    }
    for name, (text, nct_id) in originals.items():
        assert text.count(nct_id) >= 1
        (settings.source_dir / name).write_text(text.replace(nct_id, WRITTEN[name][1]), encoding="utf-8")
    result = materialize_all(settings)
    return settings, assert_survives(settings, result)


def test_each_layout_publishes_the_ascii_id(written_run):
    settings, documents = written_run
    assert {name: (documents[name]["status"], documents[name]["nct_id"]) for name in WRITTEN} == {
        name: ("PARSED", ascii_id) for name, (ascii_id, _) in WRITTEN.items()}
    studies = {row["nct_id"]: row["source_file"] for row in published(settings, "studies")}
    assert {ascii_id: studies.get(ascii_id) for ascii_id, _ in WRITTEN.values()} == {
        ascii_id: name for name, (ascii_id, _) in WRITTEN.items()}
    assert len(studies) == 4 + len(WRITTEN)


def test_the_finding_keeps_what_was_written(written_run):
    settings, _ = written_run
    findings = [(r["source_file"], r["nct_id"], r["category"], r["severity"], r["observed"])
                for r in published(settings, "quality_findings") if r["source_file"] in WRITTEN
                and r["category"] == "identifier"]
    assert sorted(findings) == sorted(
        (name, ascii_id, "identifier", "WARNING", written) for name, (ascii_id, written) in WRITTEN.items())


def test_every_published_nct_id_is_ascii(written_run):
    settings, _ = written_run
    ids = set()
    for path in settings.publish_dir.glob("*.parquet"):
        rows = published(settings, path.stem)
        ids |= {row["nct_id"] for row in rows if row.get("nct_id") is not None}
    assert len(ids) == 4 + len(WRITTEN)
    assert all(re.fullmatch(r"NCT[0-9]{8}", nct_id, re.ASCII) for nct_id in ids), sorted(ids)
