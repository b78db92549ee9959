"""The safety pages in real Chromium, with JavaScript on and off, on a 320 px wide phone, axe-core
clean: an emergency answer leads to the emergency page (the number to call first), an urgent
answer only to the urgent page, and "no" to everything straight on to the questions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from support import EMERGENCY_KEYS, URGENT_KEYS

from screening import create_app
from screening.extensions import db

pytestmark = pytest.mark.browser

AXE_OPTIONS = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
_axe = Axe()


@pytest.fixture
def live_app(tmp_path: Path):
    """The production-like app of conftest.py, with the clinic's numbers configured."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.db'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "WTF_CSRF_ENABLED": True,
            "EMERGENCY_PHONE": "999",
            "URGENT_ADVICE_PHONE": "111",
            "URGENT_ADVICE_NAME": "NHS 111",
        }
    )
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def phone(request, browser: Browser) -> Iterator[Page]:
    """A 320 px wide page, with JavaScript on or off."""
    context = browser.new_context(
        viewport={"width": 320, "height": 640}, java_script_enabled=request.param
    )
    page = context.new_page()
    page.javascript = request.param  # type: ignore[attr-defined]
    yield page
    context.close()


def _check(page: Page) -> None:
    results = _axe.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
    # Nothing wider than the phone: no sideways scrolling.
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, width


def _accessible(page: Page) -> None:
    """axe-core finds no WCAG 2.2 A/AA violation, and nothing scrolls sideways at 320 px.

    axe runs as a script in the page: with JavaScript off, the same page (same cookies, so the
    same draft) is opened again in a context where only the app's own script is blocked.
    """
    if page.javascript:  # type: ignore[attr-defined]
        _check(page)
        return
    browser = page.context.browser
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        context.add_cookies(page.context.cookies())
        context.route("**/static/app.js", lambda route: route.abort())
        twin = context.new_page()
        twin.goto(page.url)
        assert twin.title() == page.title()
        _check(twin)
    finally:
        context.close()


def _start(page: Page, url: str) -> None:
    page.goto(url + "/")
    with page.expect_navigation():
        page.click("text=Start now")
    expect(page).to_have_title(
        "Before you start: check for signs that need help now – step 1 of 11 – SI joint screening"
    )


def _answer(page: Page, keys: tuple[str, ...], yes: tuple[str, ...] = ()) -> None:
    for key in keys:
        page.check(f"input[name='{key}'][value='{'yes' if key in yes else 'no'}']")
    with page.expect_navigation():
        page.click("button[value=continue]")


def _first_link(page: Page) -> tuple[str | None, str]:
    link = page.locator("main a").first
    return link.get_attribute("href"), link.inner_text().strip()


def test_an_emergency_answer_shows_the_emergency_page_with_the_number_first(live_server, phone):
    _start(phone, live_server.url)
    _accessible(phone)
    _answer(phone, EMERGENCY_KEYS, ("rf_bladder_bowel",))
    expect(phone).to_have_title(
        "Call 999 or go to an emergency department now – SI joint screening"
    )
    assert phone.locator("main h1").first.inner_text() == (
        "Call 999 or go to an emergency department now"
    )
    assert _first_link(phone) == ("tel:999", "Call 999")
    main = phone.inner_text("main")
    assert "The clinic will not read your answers in time." in main
    assert "Bladder or bowels" in main
    # No main button back into the form: only a link below.
    expect(phone.locator("main .button")).to_have_count(0)
    _accessible(phone)
    with phone.expect_navigation():
        phone.click("main >> text=Carry on with the questions")
    expect(phone).to_have_title("More signs to check – step 2 of 11 – SI joint screening")


def test_an_urgent_answer_only_shows_the_urgent_page_not_the_emergency_one(live_server, phone):
    _start(phone, live_server.url)
    _answer(phone, EMERGENCY_KEYS)
    expect(phone).to_have_title("More signs to check – step 2 of 11 – SI joint screening")
    _accessible(phone)
    _answer(phone, URGENT_KEYS, ("rf_fever",))
    expect(phone).to_have_title("Contact your doctor today – SI joint screening")
    assert _first_link(phone) == ("tel:111", "Call 111")
    main = phone.inner_text("main")
    assert "Contact your doctor today, or NHS 111 on 111." in main
    assert "emergency department now" not in main
    expect(phone.locator(".care-card--emergency")).to_have_count(0)
    expect(phone.locator("main .button")).to_have_count(0)
    _accessible(phone)
    with phone.expect_navigation():
        phone.click("main >> text=Carry on with the questions")
    expect(phone).to_have_title("About you – step 3 of 11 – SI joint screening")


def test_no_to_every_sign_goes_straight_on_to_the_questions(live_server, phone):
    _start(phone, live_server.url)
    _answer(phone, EMERGENCY_KEYS)
    _answer(phone, URGENT_KEYS)
    expect(phone).to_have_title("About you – step 3 of 11 – SI joint screening")
    expect(phone.locator(".care-card")).to_have_count(0)
    _accessible(phone)


def _stored_draft(app):
    from sqlalchemy import select

    from screening.models import Screening

    with app.app_context():
        return db.session.scalar(select(Screening))


def test_a_red_flag_changed_later_stays_visible_to_the_clinician(
    live_app, live_server, page, journey
):
    """Fever answered yes (urgent advice shown), then changed to no: the patient carries on, and
    the clinic's page of the sent screening still shows the yes, the change and the advice."""
    import datetime as dt

    from support.clinic import PASSWORD, make_clinician

    journey.start(page, live_server.url)
    _answer(page, EMERGENCY_KEYS)
    _answer(page, URGENT_KEYS, ("rf_fever",))
    expect(page).to_have_title("Contact your doctor today – SI joint screening")
    # Back to the page, and the answer changed to "no": on to the questions, no advice page.
    page.goto(live_server.url + "/step/safety_urgent")
    _answer(page, URGENT_KEYS)
    journey.walk(page, [k for k in journey.order if not k.startswith("safety_")])
    with page.expect_navigation():
        page.click("button:has-text('Submit your answers')")
    reference = page.inner_text("main").split("SIJ-", 1)[1][:9]
    sent = _stored_draft(live_app)
    assert sent.is_submitted and sent.red_flag_level is None
    assert [e["answer"] for e in sent.red_flag_history if e.get("key") == "rf_fever"] == [
        "yes",
        "no",
    ]
    assert sent.submitted_at.date() == dt.datetime.now(dt.UTC).date()

    with live_app.app_context():
        make_clinician()
    page.goto(live_server.url + "/clinician/login")
    page.fill("#email", "doctor@clinic.example")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{live_server.url}/clinician/screenings/SIJ-{reference}")
    main = page.inner_text("main")
    assert "High temperature, or feeling hot and shivery" in main
    assert "changed to no" in main
    assert "Urgent advice shown at" in main


def test_a_draft_resumed_after_a_day_asks_the_safety_pages_again(live_app, live_server, browser):
    """Saved after the safety pages; 25 hours later, the resume code leads to them first."""
    import datetime as dt

    from sqlalchemy import update

    from screening.models import Screening

    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.javascript = True  # type: ignore[attr-defined]
    try:
        _start(page, live_server.url)
        _answer(page, EMERGENCY_KEYS)
        _answer(page, URGENT_KEYS)
        with page.expect_navigation():
            page.click("button[value=save]")
        code = page.inner_text("#resume-code").strip()
        with live_app.app_context():
            earlier = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
            db.session.execute(update(Screening).values(safety_checked_at=earlier))
            db.session.commit()
    finally:
        context.close()

    # Another day, another browser: the code, then the safety questions before anything else.
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.javascript = True  # type: ignore[attr-defined]
    try:
        page.goto(live_server.url + "/resume")
        page.fill("#code", code)
        with page.expect_navigation():
            page.click("button[value=continue]")
        expect(page).to_have_url(live_server.url + "/step/safety_emergency")
        expect(page.locator("input[name='rf_bladder_bowel']:checked")).to_have_count(0)
        _accessible(page)
    finally:
        context.close()
