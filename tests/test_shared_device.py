"""Shared devices: after sending, only the sending browser reads the answers, and not for long.

A waiting-room tablet or a family computer: the next person must not open the last patient's
confirmation, summary or PDF, nor see their resume code.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import zlib

from sqlalchemy import select, update
from support import FULL
from support import sent_from as _sent_from

from screening import drafts
from screening.extensions import db
from screening.models import Screening

PRIVATE_PATHS = ("/summary", "/summary.pdf")


def _sent_minutes_ago(screening: Screening, minutes: int) -> None:
    when = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
    db.session.execute(
        update(Screening).values(submitted_at=when).where(Screening.id == screening.id)
    )
    db.session.commit()


def _can_read(client) -> bool:
    confirmation = client.get("/confirmation")
    readable = [client.get(p).status_code == 200 for p in PRIVATE_PATHS]
    if confirmation.status_code == 200:
        assert all(readable)
        return True
    assert confirmation.status_code == 302  # to the start page, or to a new draft
    assert not any(readable)
    return False


def _cookie_payload(client) -> str:
    """The session cookie as anyone holding the device can read it (it is signed, not secret)."""
    cookie = client.get_cookie("session")
    if cookie is None:
        return ""
    value = cookie.value
    compressed = value.startswith(".")
    data = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def test_the_sending_browser_reads_its_answers_for_a_while(client, app):
    screening = _sent_from(client)
    assert _can_read(client)
    assert "Finish and close" in client.get("/confirmation").text
    _sent_minutes_ago(screening, app.config["SENT_SESSION_MINUTES"] - 1)
    assert _can_read(client)


def test_after_the_time_is_up_nothing_opens_and_requests_did_not_extend_it(client, app):
    screening = _sent_from(client)
    minutes = app.config["SENT_SESSION_MINUTES"]
    # The browser kept the page open and reloaded it all the time.
    for _ in range(5):
        assert client.get("/confirmation").status_code == 200
    _sent_minutes_ago(screening, minutes + 1)
    assert not _can_read(client)
    start = client.get("/").text
    assert "See the answers you have already sent" not in start
    assert screening.reference not in start
    with client.session_transaction() as session:
        assert screening.token not in json.dumps(dict(session))


def test_finish_and_close_forgets_the_answers_at_once(client):
    screening = _sent_from(client)
    response = client.post("/finish")
    assert response.status_code == 302 and response.location == "/finished"
    finished = client.get("/finished").text
    assert "You can close this page now" in finished
    assert screening.reference not in finished and FULL["name"] not in finished
    assert not _can_read(client)
    with client.session_transaction() as session:
        assert dict(session) == {}


def test_another_browser_that_resumed_the_draft_earlier_reads_nothing_once_sent(client, app):
    assert client.post("/start").status_code == 302
    screening = db.session.scalar(select(Screening))
    code = drafts.issue_resume_code(screening, app.config["SECRET_KEY"])
    db.session.commit()
    # Someone with the code opened the draft on another device earlier.
    other = app.test_client()
    assert other.post("/resume", data={"code": code}).status_code == 302
    assert other.get("/step/about").status_code == 200
    # The patient finishes and sends it on their own device.
    db.session.execute(update(Screening).values(answers=dict(FULL)))
    db.session.commit()
    assert client.post("/check").location == "/confirmation"
    assert _can_read(client)
    assert not _can_read(other)
    for path in ("/step/about", "/check"):
        response = other.get(path)
        assert FULL["name"] not in response.text


def test_starting_again_ends_the_binding_to_what_was_sent(client):
    screening = _sent_from(client)
    # Start now says that answers were sent (tests/test_send_again.py); starting a new
    # screening from there, on purpose, ends the binding.
    assert client.post("/start").status_code == 200
    started = client.post("/start/new", data={"reference": screening.reference})
    assert started.status_code == 302
    assert not _can_read(client)
    assert screening.reference not in client.get("/").text


def test_the_resume_code_is_shown_once_and_never_kept_in_the_cookie(client):
    assert client.post("/start").status_code == 302
    saved = client.post("/step/about", data={"name": "Sam Example", "action": "save"})
    code = re.search(r'id="resume-code">([A-Z0-9-]+)<', saved.text)[1]
    plain = code.replace("-", "")
    payload = _cookie_payload(client)
    assert payload, "the session cookie should be readable for this check"
    assert code not in payload and plain not in payload
    # Moving on and coming back to /saved shows it no more.
    client.get("/step/pain")
    again = client.get("/saved")
    assert again.status_code == 302
    assert code not in client.get(again.location).text
