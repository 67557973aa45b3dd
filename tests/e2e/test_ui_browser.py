"""The Dagster UI as its users use it: Chromium clicks "Materialize all" and reads the checks.

Needs Debian's Chromium at /usr/bin/chromium (`apt-get install chromium`;
`.ci/run` installs it). Playwright drives it; no browser is downloaded.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.ui_server import UiServer, start_ui

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_CHROMIUM = "the browser test needs Debian's Chromium at /usr/bin/chromium: apt-get install -y chromium"
# CI sets TRIALS_REQUIRE_BROWSER=1: there a missing Chromium fails the test instead of skipping it.
BROWSER_REQUIRED = os.environ.get("TRIALS_REQUIRE_BROWSER") == "1"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not BROWSER_REQUIRED, reason=NO_CHROMIUM),
]

RUNS_QUERY = """
{ runsOrError { ... on Runs { results { runId status tags { key value } } } } }
"""


@pytest.fixture
def ui(tmp_path):
    assert CHROMIUM.exists(), NO_CHROMIUM
    server = start_ui(tmp_path)
    yield server
    server.stop()


def _ui_runs(server: UiServer) -> list[dict]:
    runs = server.graphql(RUNS_QUERY)["runsOrError"]["results"]
    return [r for r in runs if not any(t["key"] == "dagster/sensor_name" for t in r["tags"])]


def _wait_for_ui_run(server: UiServer, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _ui_runs(server)
        finished = [r for r in runs if r["status"] in ("SUCCESS", "FAILURE", "CANCELED")]
        if finished:
            return finished[0]
        time.sleep(1)
    raise TimeoutError(f"no run launched from the UI finished within {timeout:.0f} s; runs: {_ui_runs(server)}")


STUDIES_CHECKS = ("consistency", "date_order", "duplicate_conflict", "enrollment", "field_swap", "schema")


def _open_finished_checks(page: Page, url: str, timeout: float = 90) -> None:
    """The studies checks tab once every check shows a result (the list fills in as the UI loads)."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        expect(page.get_by_text("Checks (6)")).to_be_visible(timeout=30_000)
        for check in STUDIES_CHECKS:
            expect(page.get_by_text(check, exact=True).first).to_be_visible(timeout=30_000)
        if page.get_by_text("In Progress").count() == 0:
            return
        assert time.monotonic() < deadline, "checks still in progress in the UI"
        page.wait_for_timeout(2000)


def test_materialize_all_from_the_asset_graph_shows_the_checks(ui):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.add_init_script("window.localStorage.setItem('communityNux', '1')")

        page.goto(f"{ui.url}/asset-groups")
        for group in ("staging", "parsed", "quality", "published"):
            expect(page.get_by_text(group, exact=True).first).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="Materialize all").click()

        run = _wait_for_ui_run(ui, timeout=120)
        assert run["status"] == "SUCCESS", ui.log.read_text()[-3000:]

        _open_finished_checks(page, f"{ui.url}/assets/studies?view=checks")
        page.get_by_text("consistency", exact=True).first.click()
        expect(page.get_by_text("Failed").first).to_be_visible()
        expect(page.get_by_text("first_failures")).to_be_visible()
        page.get_by_text("field_swap", exact=True).first.click()
        expect(page.get_by_text("repaired", exact=True).first).to_be_visible()
        page.get_by_text("schema", exact=True).first.click()
        expect(page.get_by_text("Passed").first).to_be_visible()
        page.screenshot(path=str(ui.folder / "checks.png"))
        browser.close()
    assert (ui.folder / "data" / "published" / "manifest.json").exists()
