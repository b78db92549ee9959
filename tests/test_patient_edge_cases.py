"""Edge cases of the patient journey found in review: nothing lost, nothing crashes, no red flag unseen."""

from __future__ import annotations

from sqlalchemy import func, select

from screening.extensions import db
from screening.models import Screening


def _start(client) -> None:
    assert client.post("/start").status_code == 302


def test_saving_the_safety_step_with_a_red_flag_shows_the_urgent_advice_first(client):
    _start(client)
    response = client.post("/step/safety", data={"red_flags": ["bladder_bowel"], "action": "save"})
    assert response.status_code == 200
    html = response.text
    main = html[html.index("<main") :]
    assert main.index("Get urgent medical help now") < main.index("Your answers are saved")
    assert "emergency department now" in main
    assert main.count("<h1") == 1
    assert 'id="resume-code"' in main  # the code is still there to write down


def test_saved_page_without_red_flags_has_no_urgent_box(client):
    _start(client)
    html = client.post("/step/about", data={"name": "Sam", "action": "save"}).text
    assert "Get urgent medical help now" not in html
    assert "<h1" in html and "Your answers are saved" in html


def test_a_number_of_thousands_of_digits_gets_a_message_not_a_500(client):
    _start(client)
    response = client.post(
        "/step/pain",
        data={"pain_duration_months": "9" * 5000, "pain_locations": ["buttock"]},
    )
    assert response.status_code == 200
    assert "must be 600 or less" in response.text
    assert response.text.count("must be 600 or less") >= 2  # summary and beside the field


def test_start_now_with_answers_in_progress_asks_before_starting_again(client):
    _start(client)
    client.post("/step/about", data={"name": "Sam"})
    response = client.post("/start")
    assert response.status_code == 200
    assert "already started" in response.text
    assert db.session.scalar(select(func.count(Screening.id))) == 1
    # Carry on: the same draft.
    assert 'href="/step/pain"' in response.text
    # Start again on purpose: a new draft; the earlier one is kept for its resume code.
    response = client.post("/start", data={"again": "yes"})
    assert response.status_code == 302 and response.location.endswith("/step/about")
    assert db.session.scalar(select(func.count(Screening.id))) == 2
    assert 'value="Sam"' not in client.get("/step/about").text


def test_start_now_on_an_empty_draft_just_starts(client):
    _start(client)
    assert client.post("/start").status_code == 302


def test_the_resume_code_limit_key_never_holds_the_code(make_app, caplog):
    import logging

    from screening.extensions import limiter

    app = make_app(RATELIMIT_ENABLED=True, RESUME_CODE_LIMIT="2 per hour")
    code = "K7QM-9XDA-4PTW"
    caplog.set_level(logging.DEBUG)
    statuses = []
    for i in range(3):
        client = app.test_client()
        response = client.post(
            "/resume", data={"code": code}, environ_base={"REMOTE_ADDR": f"10.9.0.{i}"}
        )
        statuses.append(response.status_code)
    assert statuses[-1] == 429  # the per-code limit still counts across addresses
    keys = " ".join(str(k) for k in limiter.storage.storage)
    assert "resume-code:" in keys
    assert "K7QM9XDA4PTW" not in keys and code not in keys
    assert "K7QM9XDA4PTW" not in caplog.text and code not in caplog.text


def test_an_answer_saved_under_an_older_rule_sends_the_patient_to_its_page_at_submit(client):
    from support import FULL

    _start(client)
    # Saved before names with hidden direction marks were refused.
    db.session.execute(Screening.__table__.update().values(answers={**FULL, "name": "Ann\u202eX"}))
    db.session.commit()
    response = client.post("/check")
    assert response.status_code == 302
    assert response.location == "/step/about?return=check#name"
    page = client.get(response.location).text
    assert "hidden or unusual character" in page
    assert db.session.scalar(select(Screening.status)) == "draft"
