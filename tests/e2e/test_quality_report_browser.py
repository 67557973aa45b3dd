"""The quality report as its readers see it: a run's file opened in Chromium, offline.

Needs Debian's Chromium at /usr/bin/chromium, like the UI test; skipped
without it unless TRIALS_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from pipeline.publish.quality_report import REPORT_NAME
from tests.e2e.test_ui_browser import BROWSER_REQUIRED, CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM
from tests.pipeline_helpers import assert_survives, materialize_all, query, settings_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not BROWSER_REQUIRED, reason=NO_CHROMIUM),
]

CHARTS = ("Findings by category and severity", "Findings by layout and severity",
          "Findings by category and layout", "Documents by layout and status")


def test_the_report_shows_its_charts_and_the_swapped_ages_and_sexes_of_001(tmp_path):
    assert CHROMIUM.exists(), NO_CHROMIUM
    settings = settings_in(tmp_path)
    assert_survives(settings, materialize_all(settings))
    [swap] = query(settings, "SELECT message FROM quality_findings WHERE category = 'field_swap' "
                             "AND nct_id = 'NCT06893783'")[0]
    requested = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda request: requested.append(request.url))
        page.goto((settings.publish_dir / REPORT_NAME).absolute().as_uri())

        for caption in CHARTS:
            figure = page.locator("figure").filter(has_text=caption)
            svg = figure.locator("svg")
            expect(svg).to_be_visible()
            box = svg.bounding_box()
            assert box["width"] > 100 and box["height"] > 40, (caption, box)
            assert svg.locator(".role-mark path, .role-mark text").count() > 0, caption
        bars = page.locator("figure").filter(has_text=CHARTS[0]).locator(".mark-rect path")
        assert bars.count() == query(settings, "SELECT count(*) FROM (SELECT DISTINCT category, severity "
                                               "FROM quality_findings)")[0][0]

        card = page.locator('details[data-nct-id="NCT06893783"]')
        expect(card.get_by_text(swap, exact=True)).to_be_visible()
        expect(card.locator("pre.quote").filter(has_text="19 Years")).to_be_visible()
        page.screenshot(path=str(tmp_path / "quality_report.png"), full_page=True)
        browser.close()
    assert [url for url in requested if not url.startswith("file://")] == []
