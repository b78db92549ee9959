"""A patient whose whole session ended (cookie gone) keeps what they typed and what they saved."""

from __future__ import annotations

from sqlalchemy import select
from support import csrf_token

from screening.extensions import db
from screening.models import Screening

PAIN = {"pain_duration_months": "18", "pain_locations": ["buttock"], "pain_side": "left"}


def _start(client) -> None:
    response = client.post("/start", data={"csrf_token": csrf_token(client.get("/").text)})
    assert response.status_code == 302


def test_lost_session_shows_the_page_again_with_what_was_typed_and_keeps_it(make_app):
    # No app context around the requests: each request gets its own, as in production.
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    _start(browser)
    page = browser.get("/step/pain").text
    browser.post("/step/pain", data={**PAIN, "csrf_token": csrf_token(page)})
    with app.app_context():
        assert db.session.scalar(select(Screening)).answers["pain_duration_months"] == 18

    # The cookie expired while the next page was open; the patient presses Continue.
    stale_token = csrf_token(browser.get("/step/pain_scores").text)
    browser.delete_cookie("session")
    typed = {"pain_average": "7", "pain_interference": "6", "csrf_token": stale_token}
    response = browser.post("/step/pain_scores", data=typed)

    assert response.status_code == 200
    html = response.text
    assert "Your session ended" in html
    assert 'href="/resume"' in html
    assert 'value="7"' in html and 'value="6"' in html
    fresh = csrf_token(html)
    assert fresh != stale_token

    # Continue again: the typed answers are kept in a new draft; the saved ones are untouched.
    response = browser.post("/step/pain_scores", data={**typed, "csrf_token": fresh})
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(Screening).order_by(Screening.id)).all()
        assert len(rows) == 2
        assert rows[0].answers["pain_duration_months"] == 18
        assert rows[1].answers == {"pain_average": 7, "pain_interference": 6}


def test_a_bad_post_without_a_session_stores_nothing(client):
    response = client.post("/step/pain_scores", data={"pain_average": "eleven"})
    assert response.status_code == 200
    assert "whole number" in response.text
    assert db.session.scalar(select(Screening)) is None


def test_opening_a_step_without_a_session_goes_to_the_start_page(client):
    response = client.get("/step/pain")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    assert db.session.scalar(select(Screening)) is None


def test_posts_that_start_a_draft_count_towards_the_start_limit(make_app):
    app = make_app(RATELIMIT_ENABLED=True, START_LIMIT="2 per minute")
    for _ in range(2):
        assert app.test_client().post("/step/pain", data=PAIN).status_code == 302
    assert app.test_client().post("/step/pain", data=PAIN).status_code == 429
    # A patient with a draft is not held back by other people starting.
    with app.app_context():
        token = db.session.scalar(select(Screening.token))
    client = app.test_client()
    with client.session_transaction() as session:
        session["screening_token"] = token
    for _ in range(3):
        assert client.post("/step/pain", data=PAIN).status_code == 302
