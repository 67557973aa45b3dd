"""Whatever lands in the source folder gets its documents row: parsed if it is a readable trial,
quarantined with a reason otherwise, and nothing outside the folder is ever read."""

from __future__ import annotations

import codecs
import datetime as dt

import pyarrow as pa
import pytest

from pipeline.publish.parquet import redact_table
from pipeline.orchestration.settings import TrialSettings
from tests.conftest import read_seed
from tests.pipeline_helpers import materialize_all, published, query, settings_in

SEED_003 = read_seed("003")


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    settings = settings_in(folder, copy_seeds=False)
    source = settings.source_dir
    (source / "empty.txt").write_bytes(b"")
    (source / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (source / "page.html").write_text("<html><body><h1>Welcome</h1><p>Our clinic opens at 9.</p></body></html>")
    (source / "letter.txt").write_text("Dear colleague,\nthank you for the meeting.\n")
    (source / "latin1.txt").write_bytes(SEED_003.replace("Beijing, Beijing", "Pékin, Beijing").encode("latin-1", "replace"))
    (source / "utf16.txt").write_bytes(SEED_003.encode("utf-16"))
    (source / "bom.txt").write_bytes(codecs.BOM_UTF8 + read_seed("000").encode())
    (source / "crlf.txt").write_bytes(read_seed("002").replace("\n", "\r\n").encode())
    (source / "nul.txt").write_bytes(read_seed("001").encode().replace(b"Asan Medical", b"Asan\x00 Medical", 1))
    (source / "truncated.txt").write_text(read_seed("000")[:160])
    (source / "truncated-late.txt").write_text(read_seed("000")[:2000])
    (source / "nested" / "deeper").mkdir(parents=True)
    (source / "nested" / "deeper" / "004.txt").write_text(read_seed("004"))
    (source / ".hidden.txt").write_text(SEED_003)
    (source / ".cache").mkdir()
    (source / ".cache" / "copy.txt").write_text(SEED_003)
    outside = folder / "outside-secret.txt"
    outside.write_text("NCT ID: NCT99999999 secret")
    (source / "link-out.txt").symlink_to(outside)
    (source / "link-in.txt").symlink_to(source / "letter.txt")
    (source / "linked-folder").symlink_to(folder, target_is_directory=True)
    huge = source / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(6 * 1024 * 1024)  # sparse: nothing is allocated or held in memory
    result = materialize_all(settings)
    assert result.success
    return settings, {r["source_file"]: r for r in published(settings, "documents")}


def test_every_visible_file_and_link_has_one_documents_row(bad_folder):
    _, documents = bad_folder
    assert sorted(documents) == sorted([
        "bom.txt", "crlf.txt", "empty.txt", "huge.txt", "image.png", "latin1.txt", "letter.txt",
        "link-in.txt", "link-out.txt", "linked-folder", "nested/deeper/004.txt", "nul.txt", "page.html",
        "truncated-late.txt", "truncated.txt", "utf16.txt",
    ])


@pytest.mark.parametrize(
    "name, encoding, nct_id",
    [
        ("latin1.txt", "cp1252", "NCT06931145"),
        ("utf16.txt", "utf-16", "NCT06931145"),
        ("bom.txt", "utf-8-sig", "NCT07203053"),
        ("crlf.txt", "utf-8", "NCT07358676"),
        ("nul.txt", "utf-8", "NCT06893783"),
        ("nested/deeper/004.txt", "utf-8", None),
    ],
)
def test_decodable_trials_are_parsed_and_their_encoding_recorded(bad_folder, name, encoding, nct_id):
    _, documents = bad_folder
    assert (documents[name]["status"], documents[name]["encoding"], documents[name]["nct_id"]) == ("PARSED", encoding, nct_id)


def test_the_latin1_city_and_the_crlf_page_read_as_the_originals(bad_folder):
    settings, _ = bad_folder
    assert query(settings, "SELECT city, state FROM internal.parsed_sites WHERE source_file = 'latin1.txt'") == [
        ("Pékin", "Beijing Municipality")]
    assert query(settings, "SELECT count(*) FROM eligibility_criteria WHERE source_file = 'crlf.txt'") == [(21,)]


@pytest.mark.parametrize(
    "name, reason",
    [
        ("empty.txt", "empty file (0 bytes): nothing to parse"),
        ("image.png", "binary file (NUL or control bytes): not a text document"),
        ("page.html", "not a trial record: no NCT id and no known layout"),
        ("letter.txt", "not a trial record: no NCT id and no known layout"),
        ("huge.txt", "file is 6.0 MiB, above the 5 MiB limit (TRIALS_MAX_DOCUMENT_BYTES): not read"),
    ],
)
def test_unreadable_files_are_quarantined_with_a_reason(bad_folder, name, reason):
    _, documents = bad_folder
    assert (documents[name]["status"], documents[name]["error"]) == ("QUARANTINED", reason)


def test_a_truncated_page_is_parsed_for_what_it_holds_or_quarantined(bad_folder):
    settings, documents = bad_folder
    assert (documents["truncated.txt"]["status"], documents["truncated.txt"]["error"]) == (
        "QUARANTINED",
        "mentions NCT07203053 but its layout is not one trialflow reads (ClinicalTrials.gov JSON or XML, "
        "mirror page, ClinicalTrials.gov text export, ClinicalTrials.Veeva page, news article)",
    )
    assert documents["truncated-late.txt"]["status"] == "PARSED"
    assert query(settings, "SELECT overall_status, enrollment, completion_date FROM internal.parsed_studies "
                           "WHERE source_file = 'truncated-late.txt'") == [("NOT_YET_RECRUITING", 48, dt.date(2029, 10, 31))]
    assert query(settings, "SELECT count(*) FROM internal.parsed_sites WHERE source_file = 'truncated-late.txt'") == [(0,)]


def test_links_are_recorded_and_never_followed(bad_folder):
    settings, documents = bad_folder
    for name, where in (("link-out.txt", "outside"), ("link-in.txt", "inside"), ("linked-folder", "outside")):
        assert documents[name]["status"] == "QUARANTINED"
        assert f"({where} the source folder): links are recorded, never followed" in documents[name]["error"]
    assert query(settings, "SELECT count(*) FROM internal.raw_documents WHERE content IS NOT NULL AND source_file LIKE 'link%'") == [(0,)]
    assert "NCT99999999" not in {r["nct_id"] for r in published(settings, "studies")}


def test_the_size_limit_is_configurable(tmp_path):
    settings = settings_in(tmp_path)
    smaller = TrialSettings(settings.source_dir, settings.warehouse, settings.publish_dir, max_document_bytes=8_000)
    assert materialize_all(smaller).success
    documents = {r["source_file"]: r for r in published(smaller, "documents")}
    assert documents["000_d2c7a984589bc891.txt"]["status"] == "QUARANTINED"
    assert "above the 0.00762939 MiB limit" in documents["000_d2c7a984589bc891.txt"]["error"]
    assert documents["004_05c86904299774e9.txt"]["status"] == "PARSED"


def test_contact_details_can_be_left_out_of_the_parquet_but_stay_in_the_warehouse(tmp_path):
    settings = settings_in(tmp_path)
    redacting = TrialSettings(settings.source_dir, settings.warehouse, settings.publish_dir, redact_contacts=True)
    assert materialize_all(redacting).success
    contacts = published(redacting, "contacts")
    assert len(contacts) == 26
    assert {(c["phone"], c["email"]) for c in contacts} == {(None, None)}
    assert ("Inkeun Park, M.D, Ph D", "+82-2-3010-3266", "ikpark@amc.seoul.kr") in query(
        redacting, "SELECT name, phone, email FROM contacts")


def test_redaction_also_withholds_contact_findings():
    findings = pa.table({"field": ["phone,email", "sex"], "observed": ["phone='a@b.org'", "ALL"],
                         "message": ["contacts (A): phone held 'a@b.org'", "sex swapped"]})
    redacted = redact_table("quality_findings", findings).to_pylist()
    assert redacted[0]["observed"] is None and "a@b.org" not in redacted[0]["message"]
    assert redacted[1] == {"field": "sex", "observed": "ALL", "message": "sex swapped"}
