"""The worklist in Chromium at a desktop and a phone width: the longest name a patient can give
(100 letters, no space: the question and the column allow no more) wraps inside its own cell and never pushes the counts, the red-flag tag or the review status
off-screen (bounding boxes measured); every profile's counts are shown, stricter first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from support.clinic import make_clinician, make_screening

from screening import questionnaire
from screening.extensions import db

pytestmark = pytest.mark.browser

# As wide as a name can be: as many letters as the name question allows, wide ones among them.
LONG_NAME = ("WolfeschlegelsteinhausenbergerdorffWMW" * 3)[
    : questionnaire.BY_KEY["name"].max_length
]
WCAG = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
TOLERANCE = 0.5  # px: boxes are fractional


def _inside(inner: dict, outer: dict) -> bool:
    return (
        inner["x"] >= outer["x"] - TOLERANCE
        and inner["y"] >= outer["y"] - TOLERANCE
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + TOLERANCE
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + TOLERANCE
    )


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] + a["width"] > b["x"] + TOLERANCE
        and b["x"] + b["width"] > a["x"] + TOLERANCE
        and a["y"] + a["height"] > b["y"] + TOLERANCE
        and b["y"] + b["height"] > a["y"] + TOLERANCE
    )


# A desktop, the narrowest width that still shows a table, and a phone (a card per row).
@pytest.mark.parametrize("width", [1280, 980, 375])
def test_a_long_name_stays_inside_its_cell(
    live_app, live_server, page, tmp_path, width, clinician_sign_in
):
    assert len(LONG_NAME) == 100 and " " not in LONG_NAME
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    with live_app.app_context():
        make_clinician()
        make_screening(name="Short Name")
        long = make_screening(name=LONG_NAME, rf_bladder_bowel="yes", pain_side="both")
        reference = long.reference
        db.session.remove()

    page.set_viewport_size({"width": width, "height": 900})
    clinician_sign_in(page, live_server.url)
    expect(page.get_by_role("heading", name="Submitted screenings")).to_be_visible()
    # Measure the page as laid out with its stylesheet: on a loaded machine the heading can be
    # visible before app.css has been applied (CI once measured the unstyled table).
    page.wait_for_load_state("load")

    row = page.locator("tbody tr", has_text=reference)
    expect(row).to_have_count(1)
    name = row.locator("td.clinician-worklist__name")
    expect(name).to_contain_text(LONG_NAME[:30])
    counts = row.locator("td.clinician-worklist__counts")
    flags = row.locator("td.clinician-worklist__flags")
    review = row.locator(".clinician-review")
    # Both profiles' counts, stricter first, the red flag with its level, the points to discuss.
    expect(counts.locator("dt")).to_have_text(
        ["Published policies (a composite)", "What the patient articles mention"]
    )
    expect(flags).to_contain_text("Emergency red flag")
    expect(flags).to_contain_text("1 point to discuss")
    expect(review).to_have_text("Not reviewed")

    viewport = {"x": 0, "y": 0, "width": width, "height": 10**6}  # the page may scroll down
    table = page.locator("table.clinician-worklist").bounding_box()
    assert table is not None and _inside(table, viewport), (table, width)
    boxes = {
        "name": name.bounding_box(),
        "appointment": row.locator("td").nth(3).bounding_box(),
        "counts": counts.bounding_box(),
        "flags": flags.bounding_box(),
        "review": review.bounding_box(),
        "reference": row.locator("td").nth(0).bounding_box(),
    }
    for what, box in boxes.items():
        assert box is not None, what
        assert _inside(box, viewport), (what, box, width)
        assert _inside(box, table), (what, box, table, width)
    # The name wraps inside its own cell: it never reaches the next one.
    assert not _overlap(boxes["name"], boxes["appointment"]), boxes
    assert not _overlap(boxes["name"], boxes["counts"]), boxes
    assert name.evaluate("td => td.scrollWidth <= td.clientWidth"), "the name overflows its cell"
    # Nothing scrolls sideways: no column was pushed off the page.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
    page.screenshot(path=str(shots / f"clinician-worklist-long-name-{width}.png"), full_page=True)
