"""Edge cases of the patient journey found in review: nothing lost, nothing crashes, no red flag unseen."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from screening.extensions import db
from screening.models import Screening


def _start(client) -> None:
    assert client.post("/start").status_code == 302


def _stored() -> dict:
    screening = db.session.scalar(select(Screening))
    db.session.refresh(screening)
    return dict(screening.answers)


def _errors(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', html)


def _box(html: str, box_id: str) -> str:
    match = re.search(rf'<input [^>]*id="{re.escape(box_id)}"[^>]*>', html)
    assert match, box_id
    return match.group(0)


def test_saving_the_safety_step_with_a_red_flag_shows_the_urgent_advice_first(client):
    _start(client)
    response = client.post(
        "/step/safety_emergency", data={"rf_bladder_bowel": "yes", "action": "save"}
    )
    assert response.status_code == 200
    html = response.text
    main = html[html.index("<main") :]
    action = "Call your emergency number or go to an emergency department now"
    assert main.index(action) < main.index("Your answers are saved")
    assert "The clinic will not read your answers in time" in main
    assert main.count("<h1") == 1
    assert 'id="resume-code"' in main  # the code is still there to write down


def test_saved_page_without_red_flags_has_no_urgent_box(client):
    _start(client)
    html = client.post("/step/about", data={"name": "Sam", "action": "save"}).text
    main = html[html.index("<main") : html.index("</main>")]  # the footer has general advice
    assert "emergency department" not in main and "Contact your doctor today" not in main
    assert "<h1" in html and "Your answers are saved" in html


def test_a_number_of_thousands_of_digits_gets_a_message_not_a_500(client):
    _start(client)
    client.post("/step/treatments", data={"treatments_tried": ["physical_therapy"]})
    response = client.post(
        "/step/treatment_physical_therapy",
        data={"physical_therapy_weeks": "9" * 5000, "physical_therapy_result": "no_relief"},
    )
    assert response.status_code == 200
    message = "The number for how many weeks you tried physical therapy must be 520 or less"
    assert response.text.count(message) == 2  # in the summary and beside the field


def test_feet_of_thousands_of_digits_get_the_range_message_not_a_500(client):
    _start(client)
    response = client.post("/step/about", data={"height_cm-ft": "9" * 5000, "height_cm-in": "1"})
    assert response.status_code == 200
    message = "Your height must be between 100 cm and 250 cm (3 ft 4 in and 8 ft 2 in)"
    assert _errors(response.text) == [("height_cm-ft", message)]
    assert 'value="' + "9" * 5000 + '"' in _box(response.text, "height_cm-ft")


def test_a_year_of_thousands_of_digits_gets_a_message_not_a_500(client):
    _start(client)
    response = client.post(
        "/step/pain",
        data={"pain_started-month": "5", "pain_started-year": "9" * 5000, "pain_locations": "hip"},
    )
    assert response.status_code == 200
    assert _errors(response.text) == [
        ("pain_started-year", "When the pain started must include a year with 4 numbers")
    ]


@pytest.mark.parametrize(
    ("month", "year", "kept"),
    [("05", "2025", "2025-05"), (" 5 ", " 2025 ", "2025-05"), ("12", "2024", "2024-12")],
)
def test_a_month_with_a_leading_zero_or_spaces_is_accepted(client, month, year, kept):
    _start(client)
    data = {"pain_started-month": month, "pain_started-year": year, "pain_locations": "hip"}
    assert client.post("/step/pain", data=data).status_code == 302
    assert _stored()["pain_started"] == kept


@pytest.mark.parametrize(
    ("month", "year", "link", "message"),
    [
        ("\uff15", "2025", "pain_started-month", "When the pain started must be a real date"),
        ("0", "2025", "pain_started-month", "When the pain started must be a real date"),
        (
            "5",
            "02025",
            "pain_started-year",
            "When the pain started must include a year with 4 numbers",
        ),
        ("5", "0000", "pain_started-year", "When the pain started must be a real date"),
        ("x", "y", "pain_started-month", "When the pain started must be a real date"),
    ],
)
def test_a_month_that_cannot_be_gets_a_message_beside_the_right_box(
    client, month, year, link, message
):
    _start(client)
    data = {"pain_started-month": month, "pain_started-year": year, "pain_locations": "hip"}
    response = client.post("/step/pain", data=data)
    assert response.status_code == 200
    assert _errors(response.text) == [(link, message)]
    assert "pain_started" not in _stored()


def test_a_whole_date_posted_under_the_key_by_a_script_is_accepted(client):
    _start(client)
    data = {"date_of_birth": "1972-05-14", "height_cm": "170"}
    assert client.post("/step/about", data=data).status_code == 302
    data = {"pain_started": "2025-05", "pain_locations": "hip"}
    assert client.post("/step/pain", data=data).status_code == 302
    assert _stored()["date_of_birth"] == "1972-05-14"
    assert _stored()["pain_started"] == "2025-05"
    html = client.get("/step/about").text
    assert 'value="14"' in _box(html, "date_of_birth-day")
    assert 'value="1972"' in _box(html, "date_of_birth-year")


def test_feet_without_inches_is_a_height(client):
    _start(client)
    assert client.post("/step/about", data={"height_cm-ft": "5"}).status_code == 302
    assert _stored()["height_cm"] == 152


def test_a_treatment_ticked_twice_in_one_post_is_one_treatment_with_one_page(client):
    _start(client)
    data = {"treatments_tried": ["medication", "medication"]}
    response = client.post("/step/treatments", data=data)
    assert response.location == "/step/treatment_medication"
    assert _stored()["treatments_tried"] == ["medication"]
    response = client.post(
        "/step/treatment_medication",
        data={"medication_weeks": "4", "medication_result": "worse"},
    )
    assert response.location == "/step/treatment_started"


def test_back_to_an_unticked_treatment_page_from_the_browser_history_leads_on(client):
    _start(client)
    client.post("/step/treatments", data={"treatments_tried": ["si_belt"]})
    client.post("/step/treatment_si_belt", data={"si_belt_weeks": "8", "si_belt_result": "worse"})
    client.post("/step/treatments", data={"treatments_tried": ["manual_therapy"]})
    assert "si_belt_weeks" not in _stored()
    # The page of the treatment unticked, opened from the history: the patient is led on.
    response = client.get("/step/treatment_si_belt")
    assert response.status_code == 302
    # On to the first page with a question still to answer: the safety questions come first.
    assert response.location == "/step/safety_emergency"


def test_start_now_with_answers_in_progress_asks_before_starting_again(client):
    _start(client)
    client.post("/step/about", data={"name": "Sam"})
    response = client.post("/start")
    assert response.status_code == 200
    assert "already started" in response.text
    assert db.session.scalar(select(func.count(Screening.id))) == 1
    # Carry on: the same draft.
    assert 'href="/step/safety_emergency"' in response.text
    # Start again on purpose: a new draft; the earlier one is kept for its resume code.
    response = client.post("/start", data={"again": "yes"})
    assert response.status_code == 302 and response.location.endswith("/step/safety_emergency")
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


def test_a_stored_date_that_breaks_a_rule_is_shown_in_its_boxes_with_the_error(client):
    from support import FULL

    _start(client)
    db.session.execute(
        Screening.__table__.update().values(answers={**FULL, "date_of_birth": "2999-01-01"})
    )
    db.session.commit()
    response = client.post("/check")
    assert response.location == "/step/about?return=check#date_of_birth"
    page = client.get(response.location).text
    message = "Your date of birth must be today or in the past"
    assert _errors(page) == [("date_of_birth-day", message)]
    assert 'value="2999"' in _box(page, "date_of_birth-year")
    assert "input--error" in _box(page, "date_of_birth-day")
    assert db.session.scalar(select(Screening.status)) == "draft"
