"""The summary in Chromium: a patient sees no verdict on any page (confirmation, printable page),
the printable page has a Back link and a Print button, prints the disclaimer on every page, and
stacks each comparison row as a card on a 320 px phone; axe finds nothing on the way."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect
from support.clinic import make_clinician, make_screening
from test_clinician_browser import assert_accessible

from screening.extensions import db

pytestmark = pytest.mark.browser

# Words that would read as a verdict to a patient (or as the clinic's statuses and counts).
VERDICTS = re.compile(
    r"\b(Matches|Does not match|Not met|main criteria|criteria met|eligible|candidate|qualif\w*"
    r"|suitable|consistent with)\b",
    re.I,
)
DISCLAIMER = "It does not diagnose and does not decide about surgery."


def _printed_pages(page, tmp_path) -> list[str]:
    """The page printed by Chromium to PDF (print media, its own page rules), as text per page."""
    path = tmp_path / "printed.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(path), format="A4", prefer_css_page_size=True)
    page.emulate_media(media="screen")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [" ".join(p.split()) for p in text.split("\f") if p.strip()]


def test_a_patient_sees_no_verdict_and_prints_the_summary(live_server, page, journey, tmp_path):
    journey.start(page, live_server.url)
    journey.walk(page)
    with page.expect_navigation():
        page.click("text=Submit your answers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been sent")
    main = page.inner_text("main")
    assert not VERDICTS.search(main), VERDICTS.search(main)
    assert "Things your specialist may ask about" in main
    assert "reports or letters about your scans or X-rays" in main

    with page.expect_navigation():
        page.get_by_role("link", name="Open a version to print").click()
    body = page.inner_text("body")
    assert not VERDICTS.search(body), VERDICTS.search(body)
    assert "At a glance" in body and "All answers" in body
    assert "Things your specialist may ask about" in body
    assert_accessible(page, "patient printable summary")

    # The Print button (shown by the page's script) calls the browser's print.
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.get_by_role("button", name="Print this page").click()
    assert page.evaluate("window.__printed") is True

    printed = _printed_pages(page, tmp_path)
    assert len(printed) >= 2
    for n, text in enumerate(printed, start=1):
        assert DISCLAIMER in text, n
        assert f"Page {n} of {len(printed)}" in text
        assert "Print this page" not in text and "Back" not in text.split()

    page.get_by_role("link", name="Back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been sent")


def test_the_clinician_printable_page_stacks_rows_as_cards_at_320_px(
    live_app, live_server, browser, tmp_path, clinician_sign_in
):
    with live_app.app_context():
        make_clinician()
        reference = make_screening(nicotine_use="yes", points_to_si_joint="not_sure").reference
        db.session.remove()
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    clinician_sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/clinician/screenings/{reference}/summary")
    expect(page.get_by_role("heading", level=1)).to_have_text("SI joint screening summary")
    assert_accessible(page, "clinician printable summary at 320 px")

    # Nothing wider than the phone, and each row's cells one under the other.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    rows = page.locator("table.criteria tbody tr")
    assert rows.count() >= 10
    for i in range(rows.count()):
        boxes = [c.bounding_box() for c in rows.nth(i).locator("th, td").all()]
        for above, below in zip(boxes, boxes[1:], strict=False):
            assert below["y"] >= above["y"] + above["height"] - 0.5
            assert below["x"] + below["width"] <= 320
    assert "Not met" in page.inner_text("main")  # statuses stay for the clinic, as words

    printed = _printed_pages(page, tmp_path)
    for n, text in enumerate(printed, start=1):
        assert DISCLAIMER in text, n
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_clinician_screening_page_keeps_a_long_name_inside(
    live_app, live_server, browser, width, clinician_sign_in
):
    long_name = "Wolfeschlegelsteinhausenbergerdorff" * 2 + "Montgomery"
    with live_app.app_context():
        make_clinician()
        reference = make_screening(name=long_name, rf_fever="yes").reference
        db.session.remove()
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    clinician_sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/clinician/screenings/{reference}")
    expect(page.get_by_role("heading", name="At a glance")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for cell in page.get_by_text(long_name).all():
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    # The sources the legend points to are on the page.
    expect(page.get_by_role("heading", name="Sources", exact=True)).to_be_visible()
    assert_accessible(page, f"clinician screening page at {width} px")
    context.close()
