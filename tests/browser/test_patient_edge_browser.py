"""In Chromium: the 'already started' page and a saved page with a red flag pass axe-core."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

AXE_OPTIONS = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}


def _violations(page) -> str:
    results = Axe().run(page, options=AXE_OPTIONS)
    return "" if results.violations_count == 0 else results.generate_report()


def test_start_again_and_saved_with_red_flag_pages(live_server, page):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start now").click()
    # The safety questions come first; the patient answers a later page from a link.
    assert page.url.endswith("/step/safety_emergency")
    page.goto(live_server.url + "/step/about")
    page.fill("#name", "Sam Example")
    page.get_by_role("button", name="Continue").click()
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start now").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("You have already")
    assert _violations(page) == ""
    page.get_by_role("link", name="Carry on with your answers").click()
    assert page.url.endswith("/step/safety_emergency")

    # An urgent sign (cancer, with new pain), saved for later: the urgent advice comes first.
    page.goto(live_server.url + "/step/safety_urgent")
    page.check("#rf_cancer")
    page.get_by_role("button", name="Save and come back later").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Contact your doctor today"
    assert page.locator("#resume-code").is_visible()
    assert _violations(page) == ""
