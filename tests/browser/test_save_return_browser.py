"""Save and return by email in real Chromium: save, type an email address, the local SMTP server
(aiosmtpd on a loopback port) gets the link and code, and a fresh browser context resumes with the
emailed code and sees, once, from which day the answers were restored."""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from support.mail import Inbox, SMTPServer

from screening import create_app
from screening.extensions import db
from screening.models import utcnow

pytestmark = pytest.mark.browser

ADDRESS = "sam.patient@example.org"
AXE_OPTIONS = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    with SMTPServer() as server:
        yield server


@pytest.fixture
def live_app(tmp_path: Path, smtp):
    """The production-like live app (CSRF on; conftest.py's, overridden here) whose mail goes
    to the test SMTP server."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.db'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "WTF_CSRF_ENABLED": True,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp.port,
            "MAIL_USE_TLS": False,
            "MAIL_USERNAME": None,
            "MAIL_DEFAULT_SENDER": "screening@clinic.example",
            "MAIL_TIMEOUT_SECONDS": 5,
        }
    )
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def mail_server(live_server):
    """The live server; the links in emails point at it (read when a message is written)."""
    live_server.app.config["PUBLIC_BASE_URL"] = live_server.url
    return live_server


def _accessible(page: Page) -> None:
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def _wait_for_mail(inbox: Inbox, count: int = 1) -> None:
    deadline = time.monotonic() + 10
    while len(inbox.received) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(inbox.received) == count


def test_save_email_the_code_and_resume_from_the_email_in_a_fresh_browser(
    mail_server, smtp, browser: Browser, journey
):
    inbox = smtp.inbox
    first = browser.new_context()
    page = first.new_page()
    journey.start(page, mail_server.url)
    journey.walk(page, ["safety_emergency", "safety_urgent", "about"])
    journey.fill(page, "pain")
    page.fill("[id='pain_started-month']", "13")  # one wrong answer: the others are kept
    with page.expect_navigation():
        page.click("text=Save and come back later")
    expect(page).to_have_title("Your answers are saved – SI joint screening")
    expect(page.locator("#not-kept")).to_contain_text(
        "We did not keep: When the pain started — When the pain started must be a real date"
    )
    code = page.inner_text("#resume-code").strip()
    expect(page.locator("#resume-link")).to_have_text(f"{mail_server.url}/resume")
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()
    _accessible(page)

    # A wrong address first: the error beside the field, nothing sent, the code unchanged.
    page.fill("#email", "sam.patient")
    with page.expect_navigation():
        page.click("text=Send me the email")
    expect(page).to_have_title(re.compile(r"^Error: Your answers are saved"))
    expect(page.locator("#email-error")).to_contain_text(
        "Enter an email address in the correct format, like name@example.com"
    )
    assert page.input_value("#email") == "sam.patient"
    assert page.inner_text("#resume-code").strip() == code
    _accessible(page)
    assert inbox.received == []

    page.fill("#email", ADDRESS)
    with page.expect_navigation():
        page.click("text=Send me the email")
    expect(page.locator("#email-sent")).to_contain_text(f"We have sent an email to {ADDRESS}.")
    assert page.inner_text("#resume-code").strip() == code
    _accessible(page)
    _wait_for_mail(inbox)
    [(recipients, raw)] = inbox.received
    assert recipients == [ADDRESS]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_content().replace("\r\n", "\n")
    link = re.search(r"^(http://127\.0\.0\.1:\d+/resume)$", body, re.M).group(1)
    assert link == f"{mail_server.url}/resume"
    emailed = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})$", body, re.M).group(1)
    assert emailed == code
    assert "Sam Patient" not in body and "pain" not in body.lower()
    first.close()

    # A fresh browser: only what the email says.
    second = browser.new_context()
    page = second.new_page()
    page.goto(link)
    page.fill("#code", emailed)
    with page.expect_navigation():
        page.click("button[value=continue]")
    today = utcnow().date()
    banner = page.locator("#restored")
    expect(banner).to_have_text(f"We've restored your answers from {today.day} {today:%B}")
    _accessible(page)
    # The wrong month was not kept; the rest of the page was.
    page.goto(mail_server.url + "/step/pain")
    expect(page.locator("#restored")).to_have_count(0)  # once only
    assert page.is_checked("input[name=pain_locations][value=buttock]")
    assert page.is_checked("input[name=pain_side][value=left]")
    assert page.input_value("[id='pain_started-month']") == ""
    second.close()
