"""The browser fixtures work: Chromium loads the start page from the live server."""

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser


def test_start_page_loads_in_chromium_without_axe_violations(live_server, page):
    page.goto(live_server.url + "/")
    assert "does not diagnose" in page.content()
    results = Axe().run(
        page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
    )
    assert results.violations_count == 0, results.generate_report()
