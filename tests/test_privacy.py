"""With TRIALS_REDACT_CONTACTS=1 no phone or email of a source reaches a published file, nor the UI.

One run of the whole graph over the seeds, real registry records with
central, overall and site contacts (one with 1,113 site contacts, one whose
official's affiliation is an email, one whose affiliation is a phone, one
whose criteria give a phone), text pages rendered from real records, and two
documents built from real ones: an official's affiliation written
"Dr ..., phone ..., e-mail ..." with the contact's own phone regrouped, and a
contact whose phone and email are swapped (plus one listed twice). Every
string of every Parquet file is then searched for every phone and email the
sources state, read from the sources themselves and from the warehouse.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.publish.redaction import REDACTED
from pipeline.orchestration.settings import TrialSettings
from tests.conftest import PROJECT_ROOT
from tests.pipeline_helpers import assert_survives, materialize_all, query, settings_in

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
REGISTRY = FIXTURES / "registry_corpus"
RECORDS = [
    "ctgov/NCT04523987.json",  # central contacts; an official's affiliation is an email
    "ctgov/NCT02552212.json",  # an official's affiliation is a phone
    "ctgov/NCT06388018.json",  # the criteria give a phone number
    "ctgov/NCT05147467.json",
    "ctgov/NCT03281889.json",
    "ctgov_xml/NCT02465060.xml",  # 1,113 site contacts
    "ctgov_xml/NCT00001177.xml",  # a phone with a TTY number, reported malformed
    "ctgov_xml/NCT05389774.xml",
]
RENDERED = ["portal/032_62bb9788eab11be7.txt", "ctgov_classic/087_f9ee723667802c8c.txt"]

AFFILIATION_TRIAL = "NCT00000031"  # the lowest NCT id, so the UI's previews show its rows
SWAPPED_TRIAL = "NCT00000032"
AFFILIATION = "Ain Shams University, Cairo. Dr S Sayed, phone +20 122 037 7787, e-mail FDA2017@Yahoo.com"

_EMAIL = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+")
_DIGIT_RUN = re.compile(r"\d[\d\s().+\-/]*\d")


def _affiliation_document() -> str:
    """A real XML record whose official's affiliation holds the overall contact's phone and email."""
    text = (REGISTRY / "ctgov_xml" / "NCT03459976.xml").read_text(encoding="utf-8")
    assert "<phone>00201220377787</phone>" in text and "<email>fda2017@yahoo.com</email>" in text
    text = text.replace("<nct_id>NCT03459976</nct_id>", f"<nct_id>{AFFILIATION_TRIAL}</nct_id>")
    return text.replace("<affiliation>Obstetrics and Gynecology</affiliation>",
                        f"<affiliation>{AFFILIATION}</affiliation>", 1)


def _swapped_document() -> str:
    """A real JSON record whose first central contact has phone and email swapped, and the second listed twice."""
    record = json.loads((REGISTRY / "ctgov" / "NCT05147467.json").read_text(encoding="utf-8"))
    record["protocolSection"]["identificationModule"]["nctId"] = SWAPPED_TRIAL
    contacts = record["protocolSection"]["contactsLocationsModule"]["centralContacts"]
    contacts[0]["phone"], contacts[0]["email"] = contacts[0]["email"], contacts[0]["phone"]
    contacts.append(dict(contacts[1]))
    return json.dumps(record, ensure_ascii=False, indent=2)


def _contact_values(path: Path) -> set[str]:
    """The phones and emails a source file states, read from the file itself, not by trialflow's parsers."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        found: set[str] = set()

        def walk(value):
            if isinstance(value, dict):
                for key, item in value.items():
                    if key in {"phone", "email"} and isinstance(item, str):
                        found.add(item)
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(json.loads(text))
        return found
    if path.suffix == ".xml":
        return {e.text.strip() for e in ElementTree.fromstring(text).iter() if e.tag in {"phone", "email"} and e.text}
    return set(_EMAIL.findall(text))


def _strings(column: pa.ChunkedArray) -> list[str]:
    if pa.types.is_string(column.type):
        return [v for v in column.to_pylist() if v]
    if pa.types.is_list(column.type) and pa.types.is_string(column.type.value_type):
        return [v for values in column.to_pylist() if values for v in values if v]
    return []


def _phone_key(text: str) -> str:
    return re.sub(r"\D", "", text).lstrip("0")


@pytest.fixture(scope="module")
def redacted_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("privacy")
    seeds = settings_in(folder)
    settings = TrialSettings(seeds.source_dir, seeds.warehouse, seeds.publish_dir, redact_contacts=True)
    for relative in RECORDS:
        (settings.source_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REGISTRY / relative, settings.source_dir / relative)
    for relative in RENDERED:
        (settings.source_dir / "rendered").mkdir(exist_ok=True)
        shutil.copy(FIXTURES / "rendered" / "docs" / relative, settings.source_dir / "rendered" / Path(relative).name)
    (settings.source_dir / "built").mkdir()
    (settings.source_dir / "built" / "affiliation.xml").write_text(_affiliation_document(), encoding="utf-8")
    (settings.source_dir / "built" / "swapped.json").write_text(_swapped_document(), encoding="utf-8")
    instance = dg.DagsterInstance.ephemeral()
    result = materialize_all(settings, instance)
    documents = assert_survives(settings, result)
    assert {row["status"] for row in documents.values()} == {"PARSED"}
    return settings, result, instance


@pytest.fixture(scope="module")
def source_contacts(redacted_run) -> tuple[set[str], set[str]]:
    """(phones, emails) of every source: from the files themselves and from the warehouse, which keeps them."""
    settings, _, _ = redacted_run
    values = {v for path in settings.source_dir.rglob("*") if path.is_file() for v in _contact_values(path)}
    for table in ("contacts", "internal.parsed_contacts"):
        values |= {v for row in query(settings, f"SELECT phone, email FROM {table}") for v in row if v}
    emails = {v.strip().lower() for v in values if "@" in v}
    phones = {v.strip() for v in values if "@" not in v and len(_phone_key(v)) >= 7}
    return phones, emails


def _published_strings(settings: TrialSettings) -> list[tuple[str, str, str]]:
    """(table, column, value) of every string, and string in a list, of every published Parquet file."""
    found = []
    for path in sorted(settings.publish_dir.glob("*.parquet")):
        table = pq.read_table(path)
        for name in table.schema.names:
            found += [(path.stem, name, value) for value in _strings(table.column(name))]
    return found


def _leaks(texts: list[tuple[str, str, str]], phones: set[str], emails: set[str]) -> list[tuple[str, str, str]]:
    """Texts holding a source's phone (as written, or its digits in any grouping) or email (any case)."""
    keys = {_phone_key(p) for p in phones}
    leaks = []
    for table, column, text in texts:
        lowered = text.lower()
        runs = [_phone_key(run) for run in _DIGIT_RUN.findall(text)]
        if (any(p in text for p in phones) or any(e in lowered for e in emails)
                or any(key in run for run in runs for key in keys)):
            leaks.append((table, column, text[:200]))
    return leaks


def test_the_sources_state_many_contacts(source_contacts):
    phones, emails = source_contacts
    assert len(phones) >= 500 and len(emails) >= 200, (len(phones), len(emails))
    assert {"+82-2-3010-3266", "00201220377787", "+1844 599"} <= phones
    assert {"ikpark@amc.seoul.kr", "fda2017@yahoo.com", "cheng_ean_chee@nuhs.edu.sg"} <= emails


def test_no_published_string_holds_a_phone_or_email_of_the_sources(redacted_run, source_contacts):
    settings, _, _ = redacted_run
    texts = _published_strings(settings)
    assert len({(table, column) for table, column, _ in texts}) >= 60
    assert _leaks(texts, *source_contacts) == []


def test_the_redaction_is_visible_and_the_warehouse_keeps_the_details(redacted_run):
    settings, _, _ = redacted_run
    officials = {(r["nct_id"], r["name"]): r["affiliation"]
                 for r in pq.read_table(settings.publish_dir / "officials.parquet").to_pylist()}
    assert officials[(AFFILIATION_TRIAL, "M Elhafeez Assistant Professor Obstetrics and Gy, phD")] == (
        f"Ain Shams University, Cairo. Dr S Sayed, phone {REDACTED}, e-mail {REDACTED}")
    assert officials[("NCT04523987", "Cheng Ean Chee")] == REDACTED
    assert officials[("NCT02552212", "UCB Cares")] == f"{REDACTED} (UCB)"
    assert query(settings, "SELECT affiliation FROM officials WHERE nct_id = ? AND position = 1",
                 [AFFILIATION_TRIAL]) == [(AFFILIATION,)]
    contacts = pq.read_table(settings.publish_dir / "contacts.parquet").to_pylist()
    assert {(c["phone"], c["email"]) for c in contacts} == {(None, None)}
    assert query(settings, "SELECT count(*) FROM contacts WHERE phone IS NOT NULL") == [(1088,)]


def test_only_contact_details_change(redacted_run):
    """Every published value equals the warehouse's but for the contact details: dates, doses, ids intact."""
    settings, _, _ = redacted_run
    changed = set()
    for path in sorted(settings.publish_dir.glob("*.parquet")):
        published = pq.read_table(path)
        columns = ", ".join(f'"{name}"' for name in published.schema.names)
        stored = query(settings, f'SELECT {columns} FROM "{path.stem}" ORDER BY ALL')
        assert len(stored) == published.num_rows
        for row, original in zip(published.to_pylist(), stored):
            for (name, value), before in zip(row.items(), original):
                if value != before and not (path.stem == "contacts" and name in {"phone", "email"}):
                    assert value is None or REDACTED in str(value) or "withheld" in value, (path.stem, name, value)
                    changed.add((path.stem, name, row.get("nct_id")))
    assert changed == {
        ("officials", "affiliation", AFFILIATION_TRIAL),
        ("officials", "affiliation", "NCT04523987"),
        ("officials", "affiliation", "NCT02552212"),
        ("eligibility_criteria", "text", "NCT06388018"),  # "(Call the CCTG office (613-533-6430) ..."
        ("quality_findings", "observed", "NCT03391583"),  # a phone written "Phone: 416-864-6060"
        *{("quality_findings", column, nct_id) for column in ("observed", "message")
          for nct_id in ("NCT00001177", SWAPPED_TRIAL)},
    }


def test_findings_about_contacts_quote_none_of_their_values(redacted_run):
    settings, _, _ = redacted_run
    swap = query(settings, "SELECT observed FROM quality_findings WHERE category = 'field_swap' AND nct_id = ?",
                 [SWAPPED_TRIAL])
    assert swap == [("phone='Zi.Chen@ascentage.com'; email='+8618117275173'",)]
    published = [r for r in pq.read_table(settings.publish_dir / "quality_findings.parquet").to_pylist()
                 if r["nct_id"] == SWAPPED_TRIAL]
    assert {(r["category"], r["observed"]) for r in published if r["category"] == "field_swap"} == {("field_swap", None)}
    repeated = [r for r in published if r["check_name"] == "check_repeated_rows"]
    assert [r["field"] for r in repeated] == ["contacts"] and "Min Yu" in repeated[0]["observed"]


def test_the_ui_and_the_log_show_no_phone_or_email(redacted_run, source_contacts):
    """Table previews, check results and log lines live in Dagster's storage, not the warehouse."""
    _, result, instance = redacted_run
    shown = []
    for entry in instance.all_logs(result.run_id):
        shown.append(("log", "message", entry.user_message or ""))
        if entry.dagster_event is not None:
            shown.append(("event", entry.dagster_event.event_type_value, repr(entry.dagster_event.event_specific_data)))
    assert _leaks(shown, *source_contacts) == []
    previews = [text for _, _, text in shown if "preview" in text or "first_failures" in text]
    assert any(AFFILIATION_TRIAL in text and REDACTED in text for text in previews)
