"""A step post that belongs to no draft of this browser: a session that ended, or another site.

Nothing is saved, no draft is bound to the browser, nothing posted is shown again, and the
browser's own session (cookie) is left alone. What the patient saved before stays reachable
with their resume code.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from support import csrf_token

from screening.extensions import db
from screening.models import Screening

# When the pain started is typed in two boxes, month and year.
PAIN = {
    "pain_started-month": "3",
    "pain_started-year": "2025",
    "pain_locations": ["buttock"],
    "pain_side": "left",
}
ATTACKER = {"pain_average": "9", "pain_interference": "10"}


def _start(client) -> None:
    response = client.post("/start", data={"csrf_token": csrf_token(client.get("/").text)})
    assert response.status_code == 302


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Screening.id)))


def _answers(app) -> list[dict]:
    with app.app_context():
        return [s.answers for s in db.session.scalars(select(Screening).order_by(Screening.id))]


def test_a_lost_session_saves_nothing_echoes_nothing_and_points_to_the_resume_code(make_app):
    # No app context around the requests: each request gets its own, as in production.
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    _start(browser)
    page = browser.get("/step/pain").text
    browser.post("/step/pain", data={**PAIN, "csrf_token": csrf_token(page)})

    # The cookie expired while the next page was open; the patient presses Continue.
    stale_token = csrf_token(browser.get("/step/pain_scores").text)
    browser.delete_cookie("session")
    typed = {"pain_average": "7", "pain_interference": "6", "csrf_token": stale_token}
    response = browser.post("/step/pain_scores", data=typed)

    assert response.status_code == 400
    html = response.text
    assert "Your session ended" in html
    assert "were not saved" in html
    assert 'href="/resume"' in html
    assert 'value="7"' not in html and 'value="6"' not in html
    assert "csrf_token" not in html  # no form to carry on with
    assert "Set-Cookie" not in response.headers
    # The earlier draft is untouched and no new one was made.
    assert _count(app) == 1
    assert _answers(app)[0]["pain_started"] == "2025-03"
    assert "pain_average" not in _answers(app)[0]


def test_a_cross_site_step_post_neither_replaces_the_session_nor_prefills_a_form(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    # The attacker takes a valid token from a session of their own.
    attacker = app.test_client()
    token = csrf_token(attacker.get("/").text)
    # The patient is mid-way through their own answers.
    patient = app.test_client()
    _start(patient)
    patient.post(
        "/step/pain", data={**PAIN, "csrf_token": csrf_token(patient.get("/step/pain").text)}
    )
    # A page on another site posts to the service in the patient's browser: with SameSite=Lax
    # the browser sends no cookie, so the request carries the attacker's token and answers only.
    cross_site = app.test_client()
    response = cross_site.post(
        "/step/pain_scores",
        data={**ATTACKER, "csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 400
    assert 'value="9"' not in response.text and 'value="10"' not in response.text
    assert "csrf_token" not in response.text
    assert "Set-Cookie" not in response.headers
    # The patient's session still holds their own draft, with their own answers only.
    html = patient.get("/step/pain").text
    assert re.search(r'name="pain_started-year"[^>]*value="2025"', html)
    assert re.search(r'name="pain_started-month"[^>]*value="3"', html)
    assert _count(app) == 1
    assert "pain_average" not in _answers(app)[0]


def test_a_valid_post_from_a_session_without_a_draft_starts_nothing(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = csrf_token(client.get("/").text)  # a session, but "Start now" never pressed
    response = client.post("/step/pain", data={**PAIN, "csrf_token": token})
    assert response.status_code == 400
    assert "Your session ended" in response.text
    assert 'value="2025"' not in response.text
    assert _count(app) == 0
    with client.session_transaction() as session:
        assert "screening_token" not in session


def test_a_bad_post_without_a_session_stores_nothing(client):
    response = client.post("/step/pain_scores", data={"pain_average": "eleven"})
    assert response.status_code == 400
    assert "eleven" not in response.text
    assert db.session.scalar(select(Screening)) is None


def test_opening_a_step_without_a_session_goes_to_the_start_page(client):
    response = client.get("/step/pain")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    assert db.session.scalar(select(Screening)) is None


def test_answers_saved_with_a_code_survive_a_lost_session(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    _start(client)
    token = csrf_token(client.get("/step/about").text)
    saved = client.post(
        "/step/about", data={"name": "Sam Example", "action": "save", "csrf_token": token}
    )
    code = re.search(r'id="resume-code">([A-Z0-9-]+)<', saved.text)[1]
    # The browser is closed: a new client, no cookies.
    later = app.test_client()
    token = csrf_token(later.get("/resume").text)
    response = later.post("/resume", data={"code": code, "csrf_token": token})
    assert response.status_code == 302
    assert 'value="Sam Example"' in later.get("/step/about").text
