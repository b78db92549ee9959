"""The clinic's identity and the footer's pages in Chromium: each reached from the start page's
footer (by keyboard), axe-core finds no WCAG 2.2 A/AA violation, nothing wider than a 320 px
screen; with the clinic configured (name, contacts, logo) and with nothing configured."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from test_clinician_browser import assert_accessible

from screening import create_app
from screening.extensions import db

pytestmark = pytest.mark.browser

RIVERSIDE = {
    "CLINIC_NAME": "Riverside Spine Clinic",
    "CLINIC_PHONE": "0113 496 0000",
    "CLINIC_EMAIL": "spine@riverside.example",
    "CLINIC_ADDRESS": "1 River Road, Leeds, LS1 4AP",
    "DRAFT_RETENTION_DAYS": 21,
    "SUBMITTED_RETENTION_DAYS": 400,
}
# A 1 x 1 PNG: the header shows it with the clinic's name as its text alternative.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
PAGES = [
    ("Privacy", "Privacy notice"),
    ("Accessibility statement", "Accessibility statement"),
    ("Cookies", "Cookies"),
    ("Contact the clinic", "Contact the clinic"),
]


@pytest.fixture(params=["riverside", "unset"])
def live_app(request, tmp_path: Path):
    """The live app (CSRF on) with the clinic configured and a logo, or with nothing set."""
    instance = tmp_path / "instance"
    settings = RIVERSIDE if request.param == "riverside" else {}
    if settings:
        instance.mkdir(parents=True)
        (instance / "clinic-logo.png").write_bytes(PNG)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.db'}",
            "INSTANCE_PATH": str(instance),
            "WTF_CSRF_ENABLED": True,
            **settings,
        }
    )
    with app.app_context():
        db.create_all()
    return app


def test_footer_pages_are_reachable_and_accessible(live_app, live_server, page, tmp_path):
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    configured = bool(live_app.config.get("CLINIC_NAME"))
    variant = "clinic" if configured else "unset"
    page.goto(live_server.url + "/")
    if configured:
        logo = page.get_by_role("img", name="Riverside Spine Clinic")
        expect(logo).to_be_visible()
        assert page.evaluate("document.querySelector('.site-header__logo').naturalWidth") == 1
        expect(page.locator("#who-is-asking")).to_contain_text(
            "Riverside Spine Clinic asks you these questions"
        )
        expect(page.locator("#start-contact a[href^='tel:']")).to_have_text("0113 496 0000")
    else:
        expect(page.locator("#who-is-asking")).to_contain_text(
            "The clinic that sent you the link asks you these questions"
        )
    assert_accessible(page, f"start ({variant})")
    for link, heading in PAGES:
        page.goto(live_server.url + "/")
        # By keyboard: the footer link takes focus and Enter follows it.
        page.locator("footer").get_by_role("link", name=link, exact=True).focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page, f"{heading} ({variant})")
        if configured:
            expect(page.locator("footer")).to_contain_text(
                "This service is run by Riverside Spine Clinic."
            )
        page.screenshot(path=str(shots / f"page-{link.split()[0].lower()}-{variant}.png"))
    if configured:
        page.goto(live_server.url + "/privacy")
        expect(page.locator("#retention")).to_contain_text("deleted 21 days after")
        expect(page.locator("#retention")).to_contain_text("deleted from this service 400 days")


def test_footer_pages_fit_a_320px_screen(live_app, live_server, browser: Browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        for path in ("/", "/privacy", "/accessibility", "/cookies", "/contact"):
            page.goto(live_server.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, f"{path} is {width}px wide"
    finally:
        context.close()
