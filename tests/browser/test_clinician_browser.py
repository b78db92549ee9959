"""A clinician in Chromium: sign in, find a screening by reference, open it, download the PDF,
mark it reviewed, record the follow-up of a red flag; axe-core finds no WCAG 2.2 A/AA violation
on the pages on the way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from support.clinic import (
    PASSWORD,
    audit_rows,
    make_clinician,
    make_screening,
)

from screening.extensions import db

pytestmark = pytest.mark.browser

WCAG = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}


def assert_accessible(page, name: str) -> None:
    """No axe-core violation of WCAG 2.2 A/AA on the current page."""
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


def test_clinician_finds_reads_downloads_and_reviews_a_screening(
    live_app, live_server, page, tmp_path, clinician_sign_in
):
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    with live_app.app_context():
        make_clinician()
        make_screening(name="Older Patient")
        target = make_screening(name="Robin Example", appointment_date="2026-12-24")
        make_screening(name="Urgent Person", rf_bladder_bowel="yes")
        reference = target.reference
        db.session.remove()

    page.goto(live_server.url + "/clinician/")
    expect(page).to_have_url(live_server.url + "/clinician/login")
    assert_accessible(page, "login")

    clinician_sign_in(page, password="not the password")
    expect(page.locator(".error-summary")).to_contain_text(
        "Enter a correct email address and password"
    )
    assert page.title().startswith("Error:")
    assert_accessible(page, "login with error")
    page.screenshot(path=str(shots / "clinician-login-error.png"), full_page=True)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Submitted screenings")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(3)
    expect(page.locator("tr.clinician-row--red-flag")).to_contain_text("Emergency red flag")
    assert_accessible(page, "worklist")
    page.screenshot(path=str(shots / "clinician-worklist.png"), full_page=True)

    page.get_by_label("Search by reference or name").fill(reference)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    assert_accessible(page, "worklist search")

    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(page.get_by_text("Robin Example").first).to_be_visible()
    assert_accessible(page, "screening")
    page.screenshot(path=str(shots / "clinician-screening.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{reference}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.locator("#review-status")).to_contain_text("Reviewed by doctor@clinic.example")
    expect(page.get_by_role("button", name="Mark as reviewed")).to_have_count(0)
    assert_accessible(page, "screening after review")

    page.get_by_role("link", name="Export").click()
    assert_accessible(page, "export")
    with page.expect_download() as csv_info:
        page.get_by_role("button", name="Download CSV").click()
    assert reference in Path(csv_info.value.path()).read_text(encoding="utf-8-sig")
    with page.expect_download() as fhir_info:
        page.get_by_role("button", name="Download FHIR (JSON)").click()
    assert fhir_info.value.suggested_filename.endswith(".fhir.json")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server.url + "/clinician/login")

    with live_app.app_context():
        actions = [r.action for r in audit_rows()]
        db.session.remove()
    for action in ("sign_in_failed", "sign_in", "search", "view", "pdf_download", "review"):
        assert action in actions
    assert actions[-1] == "sign_out"


def test_admin_pages_are_accessible(live_app, live_server, page, tmp_path, clinician_sign_in):
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    with live_app.app_context():
        make_clinician("admin@clinic.example", admin=True)
        make_clinician("nurse@clinic.example")
        db.session.remove()
    clinician_sign_in(page, live_server.url, "admin@clinic.example")
    page.get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    assert_accessible(page, "accounts")
    page.screenshot(path=str(shots / "clinician-accounts.png"), full_page=True)
    page.get_by_role("button", name="Disable nurse@clinic.example").click()
    expect(page.locator(".notification")).to_contain_text("disabled")
    page.get_by_role("link", name="Audit trail").click()
    expect(page.locator("tbody")).to_contain_text("Disabled an account")
    assert_accessible(page, "audit")
    page.screenshot(path=str(shots / "clinician-audit.png"), full_page=True)


def test_clinician_records_the_follow_up_of_a_red_flag(
    live_app, live_server, page, tmp_path, clinician_sign_in
):
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    with live_app.app_context():
        make_clinician()
        make_screening(name="Calm Person")
        urgent = make_screening(name="Urgent Person", rf_fever="yes")
        reference = urgent.reference
        # Yes to the bladder question, then taken back: the clinic still sees it.
        urgent.red_flag_history = [
            {"key": "rf_bladder_bowel", "answer": "yes", "at": "2026-12-04T14:03:00Z"},
            {"advised": "emergency", "at": "2026-12-04T14:03:00Z"},
            {"key": "rf_bladder_bowel", "answer": "no", "at": "2026-12-04T14:05:00Z"},
        ]
        db.session.commit()
        db.session.remove()

    clinician_sign_in(page, live_server.url)
    # Red flags first: the urgent one heads the list, its level in words.
    first = page.locator("tbody tr").first
    expect(first).to_contain_text(reference)
    expect(first).to_contain_text("Urgent red flag")
    expect(first).to_contain_text("No follow-up yet")

    first.get_by_role("link", name=reference).click()
    expect(page.locator("#red-flags")).to_contain_text("Urgent red flag")
    expect(page.locator("#red-flag-history")).to_contain_text(
        "answered yes at 14:03, changed to no at 14:05"
    )
    # Nothing chosen: the error is beside the question, and the summary links to it.
    page.get_by_role("button", name="Record follow-up").click()
    expect(page.locator(".error-summary")).to_contain_text("Select what was done")
    assert page.title().startswith("Error:")
    assert_accessible(page, "follow-up with error")

    page.get_by_label("Patient contacted").check()
    page.get_by_label("Note (optional)").fill("Spoke to the patient; GP appointment today.")
    page.get_by_role("button", name="Record follow-up").click()
    expect(page.locator(".notification")).to_contain_text("Follow-up recorded.")
    expect(page.locator("#follow-up")).to_contain_text(
        "doctor@clinic.example: Spoke to the patient; GP appointment today."
    )
    assert_accessible(page, "screening with follow-up")
    page.screenshot(path=str(shots / "clinician-follow-up.png"), full_page=True)

    page.get_by_role("link", name="Back to the worklist").click()
    expect(page.locator("tbody tr").first).to_contain_text("Followed up")

    with live_app.app_context():
        [row] = [r for r in audit_rows() if r.action == "follow_up"]
        assert (row.screening_reference, row.detail) == (
            reference,
            "action=patient_contacted note=yes",
        )
        db.session.remove()
