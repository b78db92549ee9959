"""Sending again in real Chromium: a patient sends, presses Start now, is told they already sent
(with the reference), starts a new screening on purpose and sends again; a clinician sees both,
each linking to the other, with what changed. axe-core on the new pages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from support.clinic import make_clinician

from screening.extensions import db

pytestmark = pytest.mark.browser

WCAG = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
PAIN_QUESTION = "Over the past week, how bad was your pain on average?"


def _no_axe_violation(page: Page) -> None:
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def _submit(page: Page) -> str:
    """Send the answers from the check page; the reference the confirmation gives."""
    with page.expect_navigation():
        page.click("text=Submit your answers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been sent")
    return page.locator(".panel__reference").inner_text().strip()


def test_a_patient_sends_again_on_purpose_and_the_clinician_sees_both(
    live_app, live_server, page: Page, browser: Browser, journey, tmp_path, clinician_sign_in
):
    url = live_server.url
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    journey.start(page, url)
    journey.walk(page)
    first = _submit(page)

    # Back to the start page on the same device: Start now stops with what was sent.
    journey.start(page, url)
    expect(page.get_by_role("heading", level=1)).to_have_text("You have already sent your answers")
    card = page.locator(".interruption-card")
    expect(card).to_contain_text(f"Your reference is {first}.")
    expect(card).to_contain_text("If something has changed, tell the clinic.")
    expect(card.get_by_role("link", name="Go back to the start")).to_be_visible()
    _no_axe_violation(page)
    page.screenshot(path=str(shots / "patient-sent-before.png"), full_page=True)

    # Going back starts nothing; then a new screening, on purpose.
    with page.expect_navigation():
        card.get_by_role("link", name="Go back to the start").click()
    expect(page.get_by_role("button", name="Start now")).to_be_visible()
    journey.start(page, url)
    with page.expect_navigation():
        page.get_by_role("button", name="Start a new screening").click()
    assert "/step/safety_emergency" in page.url

    # The same journey, but the pain is better now.
    scores = journey.order.index("pain_scores")
    journey.walk(page, journey.order[:scores])
    journey.fill(page, "pain_scores", {"radios": ["pain_average:4", "pain_interference:6"]})
    journey.continue_(page)
    journey.walk(page, journey.order[scores + 1 :])
    second = _submit(page)
    assert second != first

    # A clinician, on another browser.
    with live_app.app_context():
        make_clinician()
        db.session.remove()
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    clinic = context.new_page()
    try:
        clinician_sign_in(clinic, url)
        expect(clinic.get_by_role("heading", name="Submitted screenings")).to_be_visible()
        # Both on the worklist, the newer first.
        rows = clinic.locator("tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text(second)
        expect(rows.nth(1)).to_contain_text(first)

        clinic.get_by_role("link", name=second).click()
        related = clinic.locator("#related")
        expect(related).to_contain_text(f"Replaces {first} (sent ")
        expect(related).to_contain_text(f"What changed from {first} to {second}")
        change = related.locator(".summary-list__row", has_text=PAIN_QUESTION)
        expect(change.locator(".clinician-changes__before")).to_have_text("7 out of 10")
        expect(change.locator(".clinician-changes__after")).to_have_text("4 out of 10")
        expect(related.locator(".summary-list__row")).to_have_count(1)
        _no_axe_violation(clinic)
        clinic.screenshot(path=str(shots / "clinician-replaces.png"), full_page=True)

        related.get_by_role("link", name=first).click()
        expect(clinic.get_by_role("heading", level=1)).to_contain_text(first)
        expect(clinic.locator("#related")).to_contain_text(f"Replaced by {second} (sent ")
        clinic.locator("#related").get_by_role("link", name=second).click()
        expect(clinic.get_by_role("heading", level=1)).to_contain_text(second)
    finally:
        context.close()
