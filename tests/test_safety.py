"""Safety first (issue 12), the patient side: the safety pages asked before anything else, advice
at two levels on interruption pages, the advice first on every later page and in the summary and
PDF, and a record of every safety answer and of the advice shown.

Times are moved by writing `safety_checked_at`, `created_at` and the history in the database.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pypdf
import pytest
from sqlalchemy import select, update
from support import EMERGENCY_KEYS, FULL, URGENT_KEYS, form_data

from screening import drafts, questionnaire
from screening.extensions import db
from screening.models import Screening, utcnow

EMERGENCY_TITLE = "Call 999 or go to an emergency department now"
URGENT_TITLE = "Contact your doctor today"


@pytest.fixture
def app(make_app):
    app = make_app(EMERGENCY_PHONE="999", URGENT_ADVICE_PHONE="111", URGENT_ADVICE_NAME="NHS 111")
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


def _main(html: str) -> str:
    return html.split('<main id="main" tabindex="-1">', 1)[1].split("</main>", 1)[0]


def _stored() -> Screening:
    screening = db.session.scalar(select(Screening))
    db.session.refresh(screening)
    return screening


def _start(client) -> None:
    response = client.post("/start", data={"again": "yes"})
    assert response.location == "/step/safety_emergency"


def _safety(client, step: str, yes: tuple[str, ...] = (), query: str = ""):
    keys = EMERGENCY_KEYS if step == "safety_emergency" else URGENT_KEYS
    body = {k: "yes" if k in yes else "no" for k in keys}
    return client.post(f"/step/{step}{query}", data=body)


def _answer_rest(client, location: str, action: str | None = None) -> str:
    """Answer every page from `location` on with FULL, as the app leads; where it ends."""
    seen = set()
    while location.startswith("/step/"):
        key = location.removeprefix("/step/").split("?")[0]
        assert key not in seen, key
        seen.add(key)
        body = form_data(questionnaire.STEP_BY_KEY[key], FULL)
        if action:
            body["action"] = action
        response = client.post(location, data=body)
        assert response.status_code == 302, (key, response.get_data(as_text=True)[:1500])
        location = response.location
    return location


def _set(**values) -> None:
    db.session.execute(update(Screening).values(**values))
    db.session.commit()


def _sent_with(client, emergency=(), urgent=()) -> Screening:
    _start(client)
    location = _safety(client, "safety_emergency", emergency).location
    if location.startswith("/urgent"):
        assert client.get(location).status_code == 200
        location = "/step/safety_urgent"
    location = _safety(client, "safety_urgent", urgent).location
    if location.startswith("/urgent"):
        assert client.get(location).status_code == 200
        location = "/step/about"
    assert _answer_rest(client, location) == "/check"
    assert client.post("/check").location == "/confirmation"
    return _stored()


# --- the safety pages come first, and lead to advice at once -------------------------------------


def test_the_safety_pages_are_the_first_pages(client):
    _start(client)
    html = client.get("/step/safety_emergency").get_data(as_text=True)
    for key in EMERGENCY_KEYS:
        assert f'name="{key}" type="radio" value="yes"' in html or f'name="{key}"' in html
    # Each is its own required question: leaving one out is an error, nothing is saved.
    response = client.post("/step/safety_emergency", data={"rf_bladder_bowel": "no"})
    assert response.status_code == 200
    assert "There is a problem" in response.get_data(as_text=True)
    assert _stored().answers == {}


def test_an_emergency_answer_leads_to_the_emergency_page_with_the_number_first(client):
    _start(client)
    response = _safety(client, "safety_emergency", ("rf_saddle_numbness",))
    assert response.location == "/urgent?after=safety_emergency"
    html = client.get(response.location).get_data(as_text=True)
    main = _main(html)
    assert f"<title>{EMERGENCY_TITLE} – SI joint screening</title>" in html
    assert re.search(r"<h1 class=\"care-card__heading\">\s*" + EMERGENCY_TITLE, main) or (
        f'<h1 class="care-card__heading">{EMERGENCY_TITLE}</h1>' in main
    )
    # The action first: the first link in the page's main content calls the emergency number.
    first_link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', main)
    assert first_link.groups() == ("tel:999", "Call 999")
    assert "The clinic will not read your answers in time." in main
    assert "Numbness around the genitals or bottom" in main
    # Carrying on is a plain link below, never the main button.
    assert 'class="button' not in main
    assert (
        '<a href="/step/safety_urgent" class="carry-on-link">Carry on with the questions</a>'
        in main
    )
    assert main.index("tel:999") < main.index("Carry on with the questions")
    # Recorded for the clinic: the answer, then the advice shown.
    history = _stored().red_flag_history
    assert [{k: v for k, v in e.items() if k != "at"} for e in history] == [
        *(
            {"key": k, "answer": "yes" if k == "rf_saddle_numbness" else "no"}
            for k in EMERGENCY_KEYS
        ),
        {"advised": "emergency"},
    ]


def test_after_the_emergency_page_the_urgent_page_still_follows(client):
    _start(client)
    _safety(client, "safety_emergency", ("rf_bladder_bowel",))
    client.get("/urgent?after=safety_emergency")
    assert client.get("/step/safety_urgent").status_code == 200
    # Emergency wins when both are raised: the page after the urgent signs is the emergency one.
    response = _safety(client, "safety_urgent", ("rf_fever",))
    assert response.location == "/urgent?after=safety_urgent"
    main = _main(client.get(response.location).get_data(as_text=True))
    assert f'<h1 class="care-card__heading">{EMERGENCY_TITLE}</h1>' in main
    assert '<a href="/step/about" class="carry-on-link">' in main


def test_a_reload_of_the_advice_page_records_the_advice_once(client):
    _start(client)
    _safety(client, "safety_emergency", ("rf_bladder_bowel",))
    client.get("/urgent?after=safety_emergency")
    client.get("/urgent?after=safety_emergency")
    advised = [e for e in _stored().red_flag_history if "advised" in e]
    assert [e["advised"] for e in advised] == ["emergency"]


def test_an_urgent_answer_only_leads_to_the_urgent_page_not_the_emergency_one(client):
    _start(client)
    assert _safety(client, "safety_emergency").location == "/step/safety_urgent"
    response = _safety(client, "safety_urgent", ("rf_night_pain",))
    assert response.location == "/urgent?after=safety_urgent"
    html = client.get(response.location).get_data(as_text=True)
    main = _main(html)
    assert f"<title>{URGENT_TITLE} – SI joint screening</title>" in html
    assert f'<h1 class="care-card__heading">{URGENT_TITLE}</h1>' in main
    assert "Contact your doctor today, or NHS 111 on 111." in main
    first_link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', main)
    assert first_link.groups() == ("tel:111", "Call 111")
    assert "emergency department now" not in main
    assert "care-card--emergency" not in main
    assert 'class="button' not in main
    assert "Pain at night" in main
    assert '<a href="/step/about" class="carry-on-link">' in main
    assert [e["advised"] for e in _stored().red_flag_history if "advised" in e] == ["urgent"]


def test_all_no_goes_straight_on_to_the_next_question_page(client):
    _start(client)
    assert _safety(client, "safety_emergency").location == "/step/safety_urgent"
    assert _safety(client, "safety_urgent").location == "/step/about"
    assert client.get("/urgent").status_code == 302  # no advice to show
    screening = _stored()
    assert not [e for e in screening.red_flag_history if "advised" in e]
    assert screening.safety_checked_at is not None


def test_without_configured_numbers_the_words_are_generic_and_there_is_no_phone_link(make_app):
    app = make_app()
    with app.app_context():
        client = app.test_client()
        _start(client)
        _safety(client, "safety_emergency", ("rf_major_trauma",))
        main = _main(client.get("/urgent?after=safety_emergency").get_data(as_text=True))
        assert (
            '<h1 class="care-card__heading">Call your emergency number or go to an emergency '
            "department now</h1>"
        ) in main
        assert "tel:" not in main
        _safety(client, "safety_urgent", ("rf_fever",))
        _safety(client, "safety_emergency")
        main = _main(client.get("/urgent?after=safety_emergency").get_data(as_text=True))
        assert "Contact your doctor today, or an urgent care service." in main
        assert (
            "If you feel very unwell, or it gets worse quickly, call your emergency number or go "
            "to an emergency department."
        ) in main
        db.session.remove()


# --- nothing forgotten ----------------------------------------------------------------------------


def test_a_yes_changed_to_no_stays_in_the_history_summary_and_pdf(app, client):
    # The sending time is set to a fixed day below; this browser may still read what it sent.
    app.config["SENT_SESSION_MINUTES"] = 10**7
    _start(client)
    _safety(client, "safety_emergency", ("rf_saddle_numbness",))
    client.get("/urgent?after=safety_emergency")
    # Back, and changed to "no": on to the urgent signs, no advice page.
    assert _safety(client, "safety_emergency").location == "/step/safety_urgent"
    history = _stored().red_flag_history
    saddle = [(e["answer"]) for e in history if e.get("key") == "rf_saddle_numbness"]
    assert saddle == ["yes", "no"]
    assert [e.get("advised") for e in history if "advised" in e] == ["emergency"]
    assert _answer_rest(client, _safety(client, "safety_urgent").location) == "/check"
    assert client.post("/check").location == "/confirmation"
    screening = _stored()
    assert screening.red_flag_level is None and screening.has_red_flags is False
    # Fixed times, to read them literally.
    times = iter(["2026-12-04T14:03:00+00:00", "2026-12-04T14:04:00+00:00"])
    fixed = []
    for e in screening.red_flag_history:
        if e.get("key") == "rf_saddle_numbness" and e["answer"] == "yes":
            e = dict(e, at="2026-12-04T14:03:00+00:00")
        elif e.get("key") == "rf_saddle_numbness":
            e = dict(e, at="2026-12-04T14:05:00+00:00")
        elif "advised" in e:
            e = dict(e, at=next(times))
        fixed.append(e)
    _set(
        red_flag_history=fixed,
        submitted_at=dt.datetime(2026, 12, 4, 14, 20, tzinfo=dt.UTC),
    )
    story = (
        "Numbness or tingling around the genitals or anus (saddle area), or altered feeling when "
        "wiping: answered yes at 14:03, changed to no at 14:05"
    )
    advised = "Advised to call 999 or go to an emergency department now on 4 Dec 2026 14:03 UTC."
    html = client.get("/summary").get_data(as_text=True)
    assert "Red flag answered, then changed" in html
    assert story in html
    assert advised in html
    # Right under the title and the disclaimer (PDF/UA: the H1 comes first), before the rest.
    assert html.index("<h1>") < html.index(story) < html.index("At a glance")
    pdf = client.get("/summary.pdf").data
    text = " ".join(
        " ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages
    )
    assert story in text
    assert advised in text


def test_submit_sets_the_level_and_the_red_flags(client):
    screening = _sent_with(client, urgent=("rf_cancer",))
    assert (screening.red_flag_level, screening.has_red_flags) == ("urgent", True)
    assert screening.evaluation["red_flags"] == [
        {
            "id": "rf_cancer",
            "level": "urgent",
            "text": "Cancer now, or a history of cancer with new pain",
        }
    ]


def test_submit_without_red_flags_sets_no_level(client):
    screening = _sent_with(client)
    assert (screening.red_flag_level, screening.has_red_flags) == (None, False)


# --- coming back after a long time -----------------------------------------------------------------


def _saved_after_safety(client) -> str:
    _start(client)
    _safety(client, "safety_emergency")
    _safety(client, "safety_urgent")
    body = form_data(questionnaire.STEP_BY_KEY["about"], FULL)
    body["action"] = "save"
    html = client.post("/step/about", data=body).get_data(as_text=True)
    return re.search(r'id="resume-code">([^<]+)<', html).group(1)


def test_resuming_after_25_hours_asks_the_safety_pages_again_first(app, client):
    code = _saved_after_safety(client)
    _set(safety_checked_at=utcnow() - dt.timedelta(hours=25))
    other = app.test_client()
    response = other.post("/resume", data={"code": code})
    assert response.location == "/step/safety_emergency"
    html = other.get("/step/safety_emergency").get_data(as_text=True)
    assert (
        "You answered these questions more than 24 hours ago. Things can change, so answer them "
        "again before you carry on."
    ) in html
    assert "checked" not in _main(html)  # asked afresh: nothing chosen for the patient
    # Any other page leads back to the safety pages first, and so does check answers.
    assert other.get("/step/pain").location == "/step/safety_emergency"
    assert other.get("/check").location == "/step/safety_emergency"
    assert _safety(other, "safety_emergency").location == "/step/safety_urgent"
    # Then on to where the patient stopped.
    assert _safety(other, "safety_urgent").location == "/step/pain"
    assert other.get("/step/pain").status_code == 200


def test_resuming_after_23_hours_carries_on_where_the_patient_stopped(app, client):
    code = _saved_after_safety(client)
    _set(safety_checked_at=utcnow() - dt.timedelta(hours=23))
    other = app.test_client()
    assert other.post("/resume", data={"code": code}).location == "/step/pain"
    assert other.get("/step/pain").status_code == 200


def test_the_same_browser_after_25_hours_is_asked_again_too(client):
    _saved_after_safety(client)
    _set(safety_checked_at=utcnow() - dt.timedelta(hours=25))
    assert client.get("/step/pain").location == "/step/safety_emergency"
    assert 'href="/step/safety_emergency"' in client.get("/").get_data(as_text=True)


def test_a_red_flag_given_when_asked_again_shows_the_advice_then_carries_on(app, client):
    code = _saved_after_safety(client)
    _set(safety_checked_at=utcnow() - dt.timedelta(hours=25))
    other = app.test_client()
    other.post("/resume", data={"code": code})
    _safety(other, "safety_emergency")
    response = _safety(other, "safety_urgent", ("rf_lump",))
    assert response.location == "/urgent?after=safety_urgent&recheck=1"
    main = _main(other.get(response.location).get_data(as_text=True))
    assert '<a href="/step/pain" class="carry-on-link">' in main


def _at_check(client) -> None:
    _start(client)
    _safety(client, "safety_emergency")
    assert _answer_rest(client, _safety(client, "safety_urgent").location) == "/check"


def test_check_answers_asks_what_changed_only_for_a_draft_older_than_a_day(client):
    _at_check(client)
    _set(created_at=utcnow() - dt.timedelta(hours=23))
    assert "Has anything changed since you started?" not in client.get("/check").text
    _set(created_at=utcnow() - dt.timedelta(hours=25))
    main = _main(client.get("/check").text)
    assert "Has anything changed since you started?" in main
    assert '<a href="/step/safety_emergency?return=check">' in main
    # Changing a safety answer from there leads to the advice, then back to check answers.
    response = _safety(client, "safety_emergency", ("rf_leg_weakness",), "?return=check")
    assert response.location == "/urgent?after=safety_emergency&return=check"
    assert '<a href="/check" class="carry-on-link">' in _main(client.get(response.location).text)


# --- the advice first, everywhere after ------------------------------------------------------------


def test_the_advice_stands_first_on_check_saved_and_confirmation(client):
    _start(client)
    _safety(client, "safety_emergency", ("rf_bladder_bowel",))
    _safety(client, "safety_urgent")
    assert _answer_rest(client, "/step/about") == "/check"
    main = _main(client.get("/check").text)
    assert main.lstrip().startswith('<div class="care-card care-card--emergency" id="advice">')
    assert main.index(EMERGENCY_TITLE) < main.index("Check your answers before you send them")
    body = form_data(questionnaire.STEP_BY_KEY["health"], FULL)
    body["action"] = "save"
    saved = client.post("/step/health", data=body).text
    assert f"<title>{EMERGENCY_TITLE} – SI joint screening</title>" in saved
    assert _main(saved).lstrip().startswith('<div class="care-card care-card--emergency"')
    assert client.post("/check").location == "/confirmation"
    html = client.get("/confirmation").text
    main = _main(html)
    assert f"<title>{EMERGENCY_TITLE} – SI joint screening</title>" in html
    assert main.lstrip().startswith('<div class="care-card care-card--emergency" id="advice">')
    assert re.search(r'<a [^>]*href="([^"]+)"', main).group(1) == "tel:999"
    # Not a routine pathway: no green "sent" panel, no criteria tags.
    assert 'class="panel' not in main
    assert 'class="tag' not in main
    assert "Your reference" in main


def test_the_urgent_advice_stands_first_on_the_confirmation_page(client):
    _sent_with(client, urgent=("rf_weight_loss",))
    main = _main(client.get("/confirmation").text)
    assert main.lstrip().startswith('<div class="care-card care-card--urgent" id="advice">')
    assert "Contact your doctor today, or NHS 111 on 111." in main
    assert 'class="panel' not in main


def test_a_routine_confirmation_keeps_its_panel(client):
    _sent_with(client)
    main = _main(client.get("/confirmation").text)
    assert main.lstrip().startswith('<div class="panel">')
    assert "care-card" not in main


def test_the_advice_stands_first_in_the_summary_and_the_pdf(client):
    screening = _sent_with(client, emergency=("rf_major_trauma",), urgent=("rf_fever",))
    # Shown after each safety page that raised a flag, at the highest level: emergency twice.
    advised = [e for e in screening.red_flag_history if "advised" in e]
    assert [e["advised"] for e in advised] == ["emergency", "emergency"]
    history = [
        dict(e, at="2026-12-04T14:03:00+00:00") if "advised" in e else e
        for e in screening.red_flag_history
    ]
    _set(red_flag_history=history)
    html = client.get("/summary").text
    reported = "The patient answered yes to:"
    advised_words = (
        "Advised to call 999 or go to an emergency department now on 4 Dec 2026 14:03 UTC."
    )
    assert "Red flags: emergency advice given" in html
    assert reported in html
    assert "<li>Emergency: Serious fall, crash or injury in the last few weeks</li>" in html
    assert "<li>Urgent: High temperature, or feeling hot and shivery</li>" in html
    assert advised_words in html
    assert html.index("<h1>") < html.index(reported) < html.index("At a glance")
    pdf = client.get("/summary.pdf").data
    first = " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert reported in first
    assert advised_words in first
    assert first.index("Red flags: emergency advice given") < first.index("At a glance")


# --- a draft from 2026.11 -----------------------------------------------------------------------


def test_a_2026_11_draft_keeps_its_ticks_in_the_history_and_asks_the_safety_pages(client):
    _start(client)
    saved = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    _set(
        questionnaire_version="2026.11",
        answers={"red_flags": ["both_legs_pain", "leg_weakness", "cancer_history"]},
        updated_at=saved,
    )
    assert client.get("/step/about").location == "/step/safety_emergency"
    screening = _stored()
    assert screening.questionnaire_version == questionnaire.QUESTIONNAIRE_VERSION
    assert screening.red_flag_history == [
        {"key": "rf_leg_weakness", "answer": "yes", "at": "2026-11-20T09:30:00+00:00"},
        {"key": "rf_cancer", "answer": "yes", "at": "2026-11-20T09:30:00+00:00"},
    ]
    assert "rf_leg_weakness" not in screening.answers
    # Answered "no" on the new page: the change is kept.
    assert "Some questions have changed" in client.get("/step/safety_emergency").text
    _safety(client, "safety_emergency")
    entries = [e["answer"] for e in _stored().red_flag_history if e.get("key") == "rf_leg_weakness"]
    assert entries == ["yes", "no"]


def test_record_advice_never_writes_to_a_sent_screening(app):
    screening = drafts.create_draft()
    screening.answers = dict(FULL)
    drafts.submit(screening)
    db.session.commit()
    with pytest.raises(drafts.AlreadySubmitted):
        drafts.record_advice(screening, "emergency")
