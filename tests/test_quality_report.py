"""The quality report each run writes beside the published Parquet, read as its readers read it."""

from __future__ import annotations

import html
import re

import dagster as dg
import duckdb
import pytest

from pipeline.publish.quality_report import (
    FINDINGS_PER_TRIAL,
    LISTED_QUARANTINED,
    REPORT_NAME,
    TOP_TRIALS,
    quality_report_html,
)
from pipeline.publish.redaction import ContactRedaction
from pipeline.store.warehouse import ensure_tables
from tests.pipeline_helpers import assert_survives, materialize_all, query, settings_in

SEED_001 = "001_0e0bfe03180ab1a6.txt"
SEED_001_TITLE = ("Efficacy and Safety Evaluation of Tarlatamab in Advanced Extrapulmonary "
                  "Neuroendocrine Carcinoma Patients")
HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_ALLOCATION = "<script>alert(2)</script>"
HOSTILE_FILE = "<img src=x onerror=alert(3)>.txt"


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory):
    settings = settings_in(tmp_path_factory.mktemp("seeds"))
    result = materialize_all(settings)
    assert_survives(settings, result)
    return settings, result, (settings.publish_dir / REPORT_NAME).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """The seeds, a copy of 001 whose title and allocation are scripts, and a binary file named as a tag."""
    settings = settings_in(tmp_path_factory.mktemp("hostile"))
    seed = (settings.source_dir / SEED_001).read_text(encoding="utf-8")
    hostile = (seed.replace("NCT06893783", "NCT09999999").replace(SEED_001_TITLE, HOSTILE_TITLE)
               .replace("Allocation:\nNa\n", f"Allocation:\n{HOSTILE_ALLOCATION}\n"))
    (settings.source_dir / "hostile_title.txt").write_text(hostile, encoding="utf-8")
    (settings.source_dir / HOSTILE_FILE).write_bytes(b"\x00\x01binary" * 100)
    result = materialize_all(settings)
    documents = assert_survives(settings, result)
    assert documents[HOSTILE_FILE]["status"] == "QUARANTINED"
    return settings, (settings.publish_dir / REPORT_NAME).read_text(encoding="utf-8")


def _tiles(page: str) -> dict[str, int]:
    return {label: int(value.replace(",", "")) for label, value in
            re.findall(r'data-total="([^"]+)"><b>([\d,]+)</b>', page)}


def _figures(page: str) -> dict[str, str]:
    return dict(re.findall(r"<figure><figcaption>([^<]+)</figcaption>(.*?)</figure>", page, re.S))


def test_the_report_of_the_seeds_holds_their_totals(seeds_run):
    settings, _, page = seeds_run
    severities = dict(query(settings, "SELECT severity, count(*) FROM quality_findings GROUP BY ALL"))
    findings = query(settings, "SELECT count(*) FROM quality_findings")[0][0]
    assert _tiles(page) == {
        "trials published": 4, "documents": 5, "parsed": 5, "quarantined": 0, "findings": findings,
        "ERROR": severities.get("ERROR", 0), "WARNING": severities.get("WARNING", 0),
        "INFO": severities.get("INFO", 0),
    }
    assert "No file was quarantined." in page


def test_the_charts_are_svg_drawn_from_the_warehouse_counts(seeds_run):
    settings, _, page = seeds_run
    figures = _figures(page)
    assert list(figures) == ["Findings by category and severity", "Findings by layout and severity",
                             "Findings by category and layout", "Documents by layout and status"]
    for svg in figures.values():
        assert svg.startswith("<svg") and 'class="marks"' in svg
    categories = {c for (c,) in query(settings, "SELECT DISTINCT category FROM quality_findings")}
    assert "field_swap" in categories
    for category in categories:
        assert f">{category}</text>" in figures["Findings by category and severity"]
    for layout in ("mirror_page", "ctgov_text", "veeva_page", "news_article"):
        assert f">{layout}</text>" in figures["Documents by layout and status"]
    assert ">ctgov_text</text>" in figures["Findings by layout and severity"]


def test_the_swapped_ages_and_sexes_of_001_are_shown_with_their_source_line(seeds_run):
    settings, _, page = seeds_run
    [(message, observed)] = query(settings, "SELECT message, observed FROM quality_findings "
                                            "WHERE source_file = ? AND category = 'field_swap'", [SEED_001])
    card = re.search(r'<details open class="trial" data-nct-id="NCT06893783">.*?</details>', page, re.S).group(0)
    assert f"<b>NCT06893783</b> {SEED_001_TITLE}" in card
    assert html.escape(message) in card
    assert f"<code>{html.escape(observed)}</code>" in card  # age_range='ALL'; sex='19 Years'
    # 001 writes "Sexes Eligible for Study:" then "19 Years" on line 47 of the file.
    assert f'{SEED_001}, line 47:<pre class="quote">19 Years</pre>' in card


def test_the_report_references_nothing_outside_itself(seeds_run):
    page = seeds_run[2]
    assert "Content-Security-Policy\" content=\"default-src 'none'" in page
    for tag in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "@font-face"):
        assert tag not in page.lower(), tag
    assert not re.findall(r"url\((?!#)", page), "only the page's own gradients are referenced"
    addresses = re.findall(r'[\w:]+="https?://[^"]*"', page)
    assert set(addresses) == {'xmlns="http://www.w3.org/2000/svg"', 'xmlns:xlink="http://www.w3.org/1999/xlink"'}


def test_the_ui_links_the_report_from_the_published_and_the_quality_assets(seeds_run):
    settings, result, _ = seeds_run
    report = (settings.publish_dir / REPORT_NAME).absolute()
    [published] = [m for m in result.get_asset_materialization_events()
                   if m.asset_key == dg.AssetKey("published_parquet")]
    metadata = published.materialization.metadata
    assert metadata["quality_report"] == dg.MetadataValue.url(report.as_uri())
    assert metadata["quality_report_path"] == dg.MetadataValue.path(str(report))
    [observation] = [e.event_specific_data.asset_observation for e in result.all_events
                     if e.event_type_value == "ASSET_OBSERVATION"]
    assert observation.asset_key == dg.AssetKey("quality_summary")
    assert observation.metadata["quality_report"] == dg.MetadataValue.url(report.as_uri())


def test_values_from_documents_are_escaped(hostile_run):
    _, page = hostile_run
    card = re.search(r'<details open class="trial" data-nct-id="NCT09999999">.*?</details>', page, re.S).group(0)
    assert "<b>NCT09999999</b> &lt;script&gt;alert(1)&lt;/script&gt;" in card
    # The allocation outside the vocabulary: its observed value and the line it was read from.
    assert "<code>&lt;script&gt;alert(2)&lt;/script&gt;</code>" in card
    assert 'hostile_title.txt, line 22:<pre class="quote">&lt;script&gt;alert(2)&lt;/script&gt;</pre>' in card
    quarantined = re.search(r'<table id="quarantined">.*?</table>', page, re.S).group(0)
    assert ("<td>&lt;img src=x onerror=alert(3)&gt;.txt</td>"
            "<td>binary file (NUL or control bytes): not a text document</td>") in quarantined
    assert "<script" not in page and "<img" not in page


def _synthetic_warehouse(trials: int, findings_each: int, quarantined: int) -> duckdb.DuckDBPyConnection:
    """A warehouse of many trials and quarantined files; findings carry the `line` provenance gives them."""
    conn = duckdb.connect()
    ensure_tables(conn)
    conn.execute("""
        INSERT INTO documents (source_file, sha256, bytes, format, status, nct_id)
        SELECT printf('trial_%03d.txt', i), repeat('0', 64), 10, 'ctgov_text', 'PARSED', printf('NCT%08d', i)
        FROM range(?) t(i)""", [trials])
    conn.execute("""
        INSERT INTO documents (source_file, sha256, bytes, status, error)
        SELECT printf('broken_%04d.txt', i), repeat('0', 64), 0, 'QUARANTINED', 'empty file (0 bytes): nothing to parse'
        FROM range(?) t(i)""", [quarantined])
    conn.execute("""
        INSERT INTO internal.raw_documents (source_file, sha256, bytes, content)
        SELECT printf('trial_%03d.txt', i), repeat('0', 64), 10,
               encode(printf('NCT%08d', i) || chr(10) || 'Enrollment: many' || chr(10) || 'Phase: 9')
        FROM range(?) t(i)""", [trials])
    # Trial i has i + 1 findings (at most findings_each), each about line 3.
    conn.execute("""
        INSERT INTO quality_findings (check_name, category, severity, nct_id, source_file, field, observed, message, line)
        SELECT 'check_domain', 'domain', 'WARNING', printf('NCT%08d', i), printf('trial_%03d.txt', i), 'phase',
               '9', printf('finding %d of trial %d', j, i), 3
        FROM range(?) t(i), range(?) f(j) WHERE j <= i""", [trials, findings_each])
    return conn


def test_lists_are_cut_and_a_finding_quotes_the_line_it_names():
    trials, quarantined = TOP_TRIALS + 10, LISTED_QUARANTINED + 20
    page = quality_report_html(_synthetic_warehouse(trials, trials, quarantined), "run-1")
    assert _tiles(page)["quarantined"] == quarantined
    shown = re.findall(r'data-nct-id="(NCT\d+)"', page)
    # The most findings first: the trials with the highest numbers have the most.
    assert shown == [f"NCT{i:08d}" for i in range(trials - 1, trials - 1 - TOP_TRIALS, -1)]
    assert f"The {TOP_TRIALS} of {trials} trials with findings" in page
    top = re.search(r'data-nct-id="NCT00000034">.*?</details>', page, re.S).group(0)
    assert top.count('<tr class="finding">') == FINDINGS_PER_TRIAL
    assert f"and {trials - FINDINGS_PER_TRIAL} more in <code>quality_findings</code>" in top
    assert 'trial_034.txt, line 3:<pre class="quote">Phase: 9</pre>' in top
    assert page.count("<td>broken_") == LISTED_QUARANTINED
    assert f"The first {LISTED_QUARANTINED} of {quarantined} quarantined files" in page


def test_with_contacts_redacted_the_report_withholds_them_as_the_published_files_do():
    conn = _synthetic_warehouse(1, 1, 0)
    phone, email = "+82-2-3010-3266", "ikpark@amc.seoul.kr"
    conn.execute("UPDATE internal.raw_documents SET content = encode(?)",
                 [f"NCT00000000\nPhone Number: {phone} Email: {email}\nPhase: 9"])
    conn.execute("""
        INSERT INTO quality_findings (check_name, category, severity, nct_id, source_file, field, observed, message, line)
        VALUES ('check_contacts', 'domain', 'WARNING', 'NCT00000000', 'trial_000.txt', 'phone', ?, ?, 2),
               ('check_contacts', 'domain', 'WARNING', 'NCT00000000', 'trial_000.txt', 'sites.facility', ?, 'odd', 2)
    """, [phone, f"phone {phone} is not a phone number", f"call {phone}"])
    page = quality_report_html(conn, "run-1", ContactRedaction.of_contacts([phone, email]))
    assert phone not in page and email not in page
    assert "the details are withheld from the published files" in page
    # The finding about a site still quotes its line, with the contact details taken out.
    assert 'trial_000.txt, line 2:<pre class="quote">Phone Number: [redacted] Email: [redacted]</pre>' in page
