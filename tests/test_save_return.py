"""Save and return: the optional email with the return link and code (through a real SMTP server
on a loopback port, aiosmtpd), the saved page's return address and Print button, saving that
keeps every valid answer, and the "restored" banner after resuming.

Expected values are written by hand: the link, the code read off the page, the date in words.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, update
from support import csrf_token, full
from support.mail import SMTPServer, free_port

from screening.extensions import db
from screening.models import Screening, utcnow

BASE = "https://screening.clinic.example"
SENDER = "screening@clinic.example"
ADDRESS = "sam.patient@example.org"
NAME = "Alex Example"
# Words about health that must never be in the email: the answers' words, the red flags' and the
# condition's. (The example answers' free text is checked value by value below.)
HEALTH_WORDS = (
    "pain",
    "joint",
    "sacroiliac",
    "fusion",
    "surgery",
    "bladder",
    "bowel",
    "numb",
    "cancer",
    "fever",
    "weakness",
    "injection",
    "red flag",
    "urgent",
    "emergency",
)
CODE_RE = re.compile(r'<p class="code-box" id="resume-code">([A-Z0-9-]+)</p>')


# -- a real SMTP server (support.mail) ------------------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    with SMTPServer() as server:
        yield server


def _mail_config(port: int, **changes: Any) -> dict[str, Any]:
    config = {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_TLS": False,
        "MAIL_DEFAULT_SENDER": SENDER,
        "MAIL_TIMEOUT_SECONDS": 5,
        "PUBLIC_BASE_URL": BASE,
        "CLINIC_NAME": None,
    }
    config.update(changes)
    return config


@pytest.fixture
def mail_app(make_app, smtp):
    app = make_app(**_mail_config(smtp.port))
    with app.app_context():
        yield app
        db.session.remove()


# -- helpers --------------------------------------------------------------------------------------


def _answers() -> dict[str, Any]:
    """Realistic answers with one red flag (bladder or bowels) and the patient's name."""
    return full(rf_bladder_bowel="yes")


def _draft_with_answers(client, answers: dict[str, Any] | None = None) -> Screening:
    assert client.post("/start").status_code == 302
    db.session.execute(
        update(Screening).values(
            answers=_answers() if answers is None else answers, safety_checked_at=utcnow()
        )
    )
    db.session.commit()
    db.session.expire_all()
    return db.session.scalar(select(Screening))


def _save(client, step: str = "activities", data: dict[str, Any] | None = None) -> str:
    body = {"activity_1": "Putting on socks", "activity_1_score": "3"} if data is None else data
    response = client.post(f"/step/{step}", data={**body, "action": "save"})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _code(page: str) -> str:
    match = CODE_RE.search(page)
    assert match, page
    return match.group(1)


def _email(client, code: str, address: str = ADDRESS, step: str = "activities", **extra):
    return client.post("/saved/email", data={"code": code, "step": step, "email": address, **extra})


def _every_text(app) -> str:
    """Every value of every column of every table, as text (JSON columns included)."""
    parts: list[str] = []
    with app.app_context():
        db.session.expire_all()
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                parts.extend(repr(value) for value in row)
    return "\n".join(parts)


def _words(page: str) -> str:
    """A page's text with entities decoded (ASCII apostrophes are escaped by Jinja)."""
    return html_lib.unescape(page)


# -- the email ------------------------------------------------------------------------------------


def test_the_email_names_no_condition_in_its_headers_by_default(app):
    """Someone else may see a patient's inbox: with the default sender, neither the From
    address nor the Message-ID says what the screening is about (both once named it)."""
    from screening import return_email

    message = return_email.build_message(
        ADDRESS, f"{BASE}/resume", "ABCD-EFGH", dt.date(2026, 12, 31), None
    )
    assert message["From"] == "no-reply@localhost"
    headers = "\n".join(f"{k}: {v}" for k, v in message.items()).lower()
    for word in ("sij", "si-joint", "joint", "sacroiliac", "spine", "pelvi"):
        assert word not in headers, word


def test_the_email_has_the_link_and_the_same_code_and_no_health_data(mail_app, smtp, caplog):
    client = mail_app.test_client()
    screening = _draft_with_answers(client)
    saved = _save(client)
    code = _code(saved)
    expires = (dt.date.today() + dt.timedelta(days=mail_app.config["RESUME_CODE_DAYS"])).strftime(
        "%-d %B %Y"
    )

    with caplog.at_level(logging.DEBUG):
        page = _email(client, code)
    assert page.status_code == 200
    text = _words(page.text)
    assert f"We have sent an email to {ADDRESS}." in text
    # The same code is still on the page: no other code was made.
    assert _code(page.text) == code

    [(recipients, raw)] = smtp.inbox.received
    [message] = smtp.inbox.messages()
    assert recipients == [ADDRESS]
    assert message["To"] == ADDRESS
    assert message["From"] == SENDER
    assert message["Subject"] == "How to come back to your saved answers"
    body = message.get_content()
    assert f"{BASE}/resume" in body
    assert code in body
    assert f"The code works until {expires}." in body
    assert "You saved your answers. You can come back to them and carry on." in body
    assert all(len(line) <= 78 for line in body.splitlines())  # short lines, link unbroken

    # Nothing of the patient's health, in the decoded body or anywhere in the raw message.
    whole = (body + "\n" + raw.decode("utf-8", "replace")).lower()
    assert NAME.lower() not in whole
    assert "alex" not in whole
    for word in HEALTH_WORDS:
        assert word not in whole, word
    answers = db.session.get(Screening, screening.id).answers
    for key, value in answers.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str) and len(v) > 3:  # "yes"/"no" are common words
                assert v.lower() not in whole, (key, v)

    # The address is kept nowhere: not in any column of any table (audit trail included), not
    # in the session cookie, not in any log line.
    stored = _every_text(mail_app)
    assert ADDRESS not in stored
    assert "sam.patient" not in stored
    with client.session_transaction() as session:
        assert ADDRESS not in repr(dict(session))
    for record in caplog.records:
        if record.name.startswith("mail."):
            continue  # the test's own SMTP server (aiosmtpd) logs what it receives
        line = record.getMessage()
        assert ADDRESS not in line and "sam.patient" not in line, line
        assert code not in line, line
    assert any(r.getMessage() == "return email sent" for r in caplog.records)


def test_the_email_names_the_clinic_when_it_is_set(make_app, smtp):
    app = make_app(**_mail_config(smtp.port, CLINIC_NAME="Riverside Spine Clinic"))
    with app.app_context():
        client = app.test_client()
        _draft_with_answers(client)
        code = _code(_save(client))
        assert _email(client, code).status_code == 200
        [message] = smtp.inbox.messages()
        assert message["Subject"] == (
            "How to come back to your saved answers – Riverside Spine Clinic"
        )
        body = message.get_content()
        assert "You saved your answers to the questions from Riverside Spine Clinic." in body
        assert body.rstrip().endswith("Riverside Spine Clinic")
        db.session.remove()


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Enter your email address"),
        ("   ", "Enter your email address"),
        ("sam.patient", "Enter an email address in the correct format, like name@example.com"),
        ("sam@", "Enter an email address in the correct format, like name@example.com"),
        ("sam @example.org", "Enter an email address in the correct format, like name@example.com"),
        (
            "sam@example.org\r\nBcc: other@example.org",
            "Enter an email address in the correct format, like name@example.com",
        ),
        ("a" * 250 + "@example.org", "Your email address must be 254 characters or fewer"),
    ],
)
def test_a_bad_address_shows_the_error_beside_the_field_and_sends_nothing(
    mail_app, smtp, typed, error
):
    client = mail_app.test_client()
    _draft_with_answers(client)
    code = _code(_save(client))
    page = _email(client, code, typed)
    assert page.status_code == 400
    text = _words(page.text)
    assert text.count(error) == 2  # the error summary and beside the field
    assert '<p class="error-message" id="email-error">' in page.text
    assert 'href="#email"' in page.text
    assert page.text.count("<title>Error: ") == 1
    # Nothing lost: the code is still there (the same one), and what was typed is kept.
    assert _code(page.text) == code
    if typed.strip() and "\n" not in typed:
        assert f'value="{typed}"' in page.text
    assert smtp.inbox.received == []


def test_a_mail_server_that_is_down_gives_a_friendly_message_and_the_code_stays(make_app, caplog):
    app = make_app(**_mail_config(free_port()))  # nobody listens there
    with app.app_context():
        client = app.test_client()
        _draft_with_answers(client)
        code = _code(_save(client))
        with caplog.at_level(logging.INFO, logger="screening.return_email"):
            page = _email(client, code)
        assert page.status_code == 200
        text = _words(page.text)
        assert "Sorry, we could not send the email just now." in text
        assert "Your code below still works." in text
        assert _code(page.text) == code
        assert f'value="{ADDRESS}"' in page.text  # kept in the box, to try again
        [record] = [r for r in caplog.records if r.name == "screening.return_email"]
        assert record.getMessage() == "return email not sent: ConnectionRefusedError"
        # The code still opens the answers.
        other = app.test_client()
        assert other.post("/resume", data={"code": code}).status_code == 302
        db.session.remove()


def test_an_old_code_is_never_emailed(mail_app, smtp):
    client = mail_app.test_client()
    _draft_with_answers(client)
    old = _code(_save(client))
    new = _code(_save(client))
    assert old != new
    page = _email(client, old)
    assert page.status_code == 400
    assert "This code no longer works" in page.text
    assert old not in page.text and new not in page.text
    assert smtp.inbox.received == []
    # A made-up code, or none, is refused the same way.
    assert _email(client, "AAAA-AAAA-AAAA").status_code == 400
    assert _email(client, "").status_code == 400
    assert smtp.inbox.received == []
    # The newest code is sent.
    assert _email(client, new).status_code == 200
    assert new in smtp.inbox.messages()[0].get_content()


def test_another_browser_cannot_email_a_drafts_code(mail_app, smtp):
    client = mail_app.test_client()
    _draft_with_answers(client)
    code = _code(_save(client))
    stranger = mail_app.test_client()
    assert _email(stranger, code).status_code == 400  # no draft here: the session ended page
    assert smtp.inbox.received == []


def test_the_email_post_needs_the_csrf_token(make_app, smtp):
    app = make_app(**_mail_config(smtp.port), WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        start = client.get("/")
        assert client.post("/start", data={"csrf_token": csrf_token(start.text)}).status_code == 302
        db.session.execute(update(Screening).values(answers=_answers()))
        db.session.commit()
        step = client.get("/step/activities")
        saved = client.post(
            "/step/activities",
            data={
                "csrf_token": csrf_token(step.text),
                "activity_1": "Putting on socks",
                "activity_1_score": "3",
                "action": "save",
            },
        )
        assert saved.status_code == 200
        code = _code(saved.text)
        assert _email(client, code).status_code == 400
        assert smtp.inbox.received == []
        token = csrf_token(saved.text)
        assert _email(client, code, csrf_token=token).status_code == 200
        assert len(smtp.inbox.received) == 1
        db.session.remove()


def test_the_email_post_is_rate_limited(make_app, smtp):
    app = make_app(
        **_mail_config(smtp.port), RATELIMIT_ENABLED=True, RETURN_EMAIL_LIMIT="2 per minute"
    )
    with app.app_context():
        client = app.test_client()
        env = {"REMOTE_ADDR": "203.0.113.77"}
        _draft_with_answers(client)
        code = _code(_save(client))
        for _ in range(2):
            response = client.post(
                "/saved/email",
                data={"code": code, "step": "activities", "email": ADDRESS},
                environ_base=env,
            )
            assert response.status_code == 200
        response = client.post(
            "/saved/email",
            data={"code": code, "step": "activities", "email": ADDRESS},
            environ_base=env,
        )
        assert response.status_code == 429
        assert len(smtp.inbox.received) == 2
        db.session.remove()


# -- the saved page -------------------------------------------------------------------------------


def test_the_saved_page_shows_the_return_address_and_a_print_button(mail_app):
    client = mail_app.test_client()
    _draft_with_answers(client)
    page = _save(client)
    assert f'<a href="{BASE}/resume" id="resume-link">{BASE}/resume</a>' in page
    assert (
        '<button type="button" class="button button--secondary no-print" data-print hidden>'
        "Print this page</button>"
    ) in page
    assert '<script src="/static/summary.js" defer></script>' in page
    assert "<script>" not in page  # no inline script (the CSP forbids it)
    assert 'action="/saved/email"' in page
    assert 'autocomplete="email"' in page
    assert "We cannot send it to you" not in page


# -- saving keeps every valid answer -------------------------------------------------------------


def test_saving_with_one_wrong_answer_keeps_the_others_and_lists_the_one_not_kept(app):
    client = app.test_client()
    answers = full()
    answers.pop("pain_locations")
    _draft_with_answers(client, answers)
    page = _save(
        client,
        "pain",
        {
            "pain_started-month": "13",
            "pain_started-year": "2025",
            "pain_locations": ["lower_back", "groin"],
            "pain_side": "both",
            "leg_numbness": "no",
        },
    )
    db.session.expire_all()
    stored = db.session.scalar(select(Screening)).answers
    # The valid answers of the page are saved...
    assert stored["pain_locations"] == ["lower_back", "groin"]
    assert stored["pain_side"] == "both"
    assert stored["leg_numbness"] == "no"
    # ...the wrong one is not, and the answer saved before it stays as it was.
    assert stored["pain_started"] == full()["pain_started"]
    text = _words(page)
    assert (
        "We did not keep: When the pain started — When the pain started must be a real date" in text
    )
    assert text.count("We did not keep:") == 1
    assert _code(page)


def test_the_answers_not_kept_are_still_listed_after_sending_the_email(mail_app, smtp):
    client = mail_app.test_client()
    _draft_with_answers(client)
    page = _save(client, "pain", {"pain_started-month": "13", "pain_started-year": "2025"})
    code = _code(page)
    again = _email(client, code, "nope", step="pain", not_kept=["pain_started", "made_up"])
    text = _words(again.text)
    assert "We did not keep: When the pain started" in text
    assert text.count("We did not keep:") == 1


# -- the restored banner --------------------------------------------------------------------------


def _resume_after(app, saved_on: dt.datetime) -> tuple[Any, str]:
    client = app.test_client()
    _draft_with_answers(client, full(pain_average=None))
    code = _code(_save(client))
    # The day of the last save, as if it were made then.
    db.session.execute(update(Screening).values(updated_at=saved_on))
    db.session.commit()
    other = app.test_client()
    landing = other.post("/resume", data={"code": code})
    assert landing.status_code == 302
    return other, landing.location


def test_a_resumed_patient_sees_the_day_of_the_last_save_once(app):
    year = utcnow().year
    other, location = _resume_after(app, dt.datetime(year, 1, 15, 9, 30, tzinfo=dt.UTC))
    assert location == "/step/pain_scores"  # the first page with a required answer missing
    raw = other.get(location).text
    first = _words(raw)
    assert first.count("We've restored your answers from 15 January") == 1
    assert f"15 January {year}" not in first  # this year's date without its year
    assert '<div class="notification notification--success" role="region"' in raw
    second = _words(other.get(location).text)
    assert "We've restored your answers" not in second
    assert "We've restored your answers" not in _words(other.get("/step/about").text)


def test_an_earlier_years_save_gives_the_year_too(app):
    year = utcnow().year - 1
    other, location = _resume_after(app, dt.datetime(year, 11, 22, 23, 0, tzinfo=dt.UTC))
    page = _words(other.get(location).text)
    assert f"We've restored your answers from 22 November {year}" in page


def test_the_banner_shows_on_check_answers_when_everything_is_answered(app):
    client = app.test_client()
    _draft_with_answers(client, full())
    code = _code(_save(client))
    year = utcnow().year
    db.session.execute(update(Screening).values(updated_at=dt.datetime(year, 3, 2, tzinfo=dt.UTC)))
    db.session.commit()
    other = app.test_client()
    assert other.post("/resume", data={"code": code}).location == "/check"
    assert "We've restored your answers from 2 March" in _words(other.get("/check").text)
    assert "We've restored your answers" not in _words(other.get("/check").text)


def test_the_banner_is_not_shown_without_resuming(app):
    client = app.test_client()
    _draft_with_answers(client, full(pain_average=None))
    _save(client)
    assert "We've restored" not in _words(client.get("/step/pain_scores").text)
