"""The patient journey through the Flask test client: steps, validation, drafts, check, submit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select
from support import csrf_token

from screening import questionnaire
from screening.extensions import db
from screening.models import Screening

# One post per step, as a browser sends it: one value per checked box.
POSTS: dict[str, dict[str, object]] = {
    "about": {
        "name": "Alex Example",
        "date_of_birth": "1972-05-14",
        "height_cm": "170",
        "weight_kg": "72",
        "appointment_date": "",
    },
    "pain": {
        "pain_duration_months": "18",
        "pain_locations": ["lower_back", "buttock"],
        "pain_side": "left",
    },
    "pain_more": {
        "pain_triggers": ["sit_to_stand", "stairs"],
        "points_to_si_joint": "yes",
        "pain_causes": ["injury"],
    },
    "pain_scores": {"pain_average": "7", "pain_interference": "6"},
    "treatments_exercise": {
        "physical_therapy_tried": "yes",
        "physical_therapy_weeks": "12",
        "physical_therapy_result": "temporary_relief",
        "home_exercise_tried": "yes",
        "home_exercise_weeks": "20",
        "home_exercise_result": "no_relief",
        "medication_tried": "no",
        "activity_modification_tried": "no",
    },
    "treatments_other": {
        "si_belt_tried": "no",
        "manual_therapy_tried": "no",
        "steroid_injection_tried": "no",
        "conservative_care_months": "9",
    },
    "tests": {
        "exam_done": "yes",
        "exam_result": "reproduced_pain",
        "exam_positive_tests": "4",
        "imaging": ["xray", "mri"],
        "imaging_result": "si_joint_changes",
    },
    "injection": {
        "diagnostic_injection": "yes",
        "diagnostic_injection_count": "2",
        "diagnostic_injection_guided": "yes",
        "diagnostic_injection_relief": "80",
    },
    "health": {"previous_lumbar_fusion": "no", "nicotine_use": "no"},
    "safety": {"red_flags": ["none"]},
}


def _start(client) -> None:
    # "again": start a new screening even when this client has answers in progress.
    response = client.post("/start", data={"again": "yes"})
    assert response.status_code == 302
    assert response.location.endswith("/step/about")


def _stored() -> dict:
    screening = db.session.scalar(select(Screening))
    db.session.refresh(screening)
    return dict(screening.answers)


def _post(client, step: str, data: dict | None = None, **params):
    query = "?return=check" if params.get("returning") else ""
    body = dict(POSTS[step] if data is None else data)
    if params.get("action"):
        body["action"] = params["action"]
    return client.post(f"/step/{step}{query}", data=body)


def _answer_all(client, overrides: dict[str, dict] | None = None) -> None:
    _start(client)
    for step in questionnaire.STEPS:
        data = (overrides or {}).get(step.key, POSTS[step.key])
        response = _post(client, step.key, data)
        assert response.status_code == 302, (step.key, response.get_data(as_text=True)[:2000])


def _main(html: str) -> str:
    return html[html.index("<main") :]


def _submit(client) -> str:
    response = client.post("/check")
    assert response.status_code == 302
    assert response.location.endswith("/confirmation")
    return client.get("/confirmation").get_data(as_text=True)


# --- start page and drafts ---------------------------------------------------------------------


def test_start_page_has_start_now_post_form_and_get_creates_nothing(client):
    html = client.get("/").get_data(as_text=True)
    assert "Start now" in html
    assert re.search(r'<form method="post" action="/start"', html)
    assert "does not diagnose" in html
    assert db.session.scalar(select(func.count(Screening.id))) == 0
    assert client.get("/start").status_code == 405


def test_start_now_creates_a_draft_bound_to_the_session(client):
    _start(client)
    screening = db.session.scalar(select(Screening))
    assert screening.status == "draft"
    with client.session_transaction() as session:
        assert session["screening_token"] == screening.token
        assert session.permanent
    # The token is never in a URL
    html = client.get("/step/about").get_data(as_text=True)
    assert screening.token not in html


def test_steps_without_a_draft_go_to_the_start_page(client):
    response = client.get("/step/pain")
    assert response.status_code == 302 and response.location.endswith("/")
    assert client.get("/check").location.endswith("/")
    assert client.get("/step/nope").status_code == 404


@pytest.mark.parametrize("index", range(len(questionnaire.STEPS)))
def test_every_step_renders_its_questions_from_the_definition(client, index):
    _start(client)
    step = questionnaire.STEPS[index]
    if step.key == "treatments_other":
        _post(client, "treatments_exercise")
    html = client.get(f"/step/{step.key}").get_data(as_text=True)
    total = len(questionnaire.STEPS)
    assert f"<title>{step.title} – step {index + 1} of {total} – SI joint screening</title>" in html
    assert html.count("<h1") == 1
    assert "novalidate" in html and " required" not in html
    assert 'class="back-link"' in html[: html.index("<main")]
    for q in step.questions:
        assert f'name="{q.key}"' in html, q.key
        assert str(q.text) in html
        if not q.required:
            assert f"{q.text} (optional)" in html
        for c in q.choices:
            assert f'value="{c.value}"' in html
        if q.type == "integer":
            assert re.search(rf'id="{q.key}"[^>]*inputmode="numeric"', html)
        if q.autocomplete:
            assert re.search(rf'id="{q.key}"[^>]*autocomplete="{q.autocomplete}"', html)
    assert ">Continue<" in html
    assert "Save and come back later" in html
    assert "Delete my answers" in html


def test_single_question_page_uses_the_legend_as_the_heading(client):
    _start(client)
    html = client.get("/step/safety").get_data(as_text=True)
    assert re.search(
        r"<legend[^>]*>.*<h1 class=\"fieldset__heading\">Do any of these apply", html, re.S
    )


def test_each_step_is_saved_as_soon_as_it_is_submitted(client):
    _start(client)
    response = _post(client, "about")
    assert response.location.endswith("/step/pain")
    assert _stored() == {
        "name": "Alex Example",
        "date_of_birth": "1972-05-14",
        "height_cm": 170,
        "weight_kg": 72,
    }
    response = _post(client, "pain")
    assert response.location.endswith("/step/pain_more")
    stored = _stored()
    assert stored["pain_duration_months"] == 18
    assert stored["pain_locations"] == ["lower_back", "buttock"]
    # The answers come back on the page
    html = client.get("/step/pain").get_data(as_text=True)
    assert 'value="18"' in html
    assert re.search(r'value="lower_back" checked', html)


def test_whole_journey_every_step_in_order(client):
    _start(client)
    for i, step in enumerate(questionnaire.STEPS):
        response = _post(client, step.key)
        expected = (
            f"/step/{questionnaire.STEPS[i + 1].key}"
            if i + 1 < len(questionnaire.STEPS)
            else "/check"
        )
        assert response.location.endswith(expected)
    html = client.get("/check").get_data(as_text=True)
    assert "Submit your answers" in html
    html = _submit(client)
    screening = db.session.scalar(select(Screening))
    assert screening.status == "submitted"
    assert re.fullmatch(r"SIJ-[A-Z0-9]{4}-[A-Z0-9]{4}", screening.reference)
    assert screening.reference in html
    assert screening.criteria_version == screening.evaluation["criteria_version"]
    assert screening.evaluation["profile"] == "documents"


# --- validation ----------------------------------------------------------------------------


def _errors(html: str) -> list[str]:
    return re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', html)


@pytest.mark.parametrize(
    ("step", "key", "value", "message"),
    [
        (
            "pain",
            "pain_duration_months",
            "six",
            "Enter how many months you have had this pain as a whole number, like 12",
        ),
        (
            "pain",
            "pain_duration_months",
            "-3",
            "The number for how many months you have had this pain must be 0 or more",
        ),
        (
            "pain",
            "pain_duration_months",
            "10,000",
            "Enter how many months you have had this pain as a whole number without commas, "
            "dots or spaces, like 12",
        ),
        ("pain", "pain_duration_months", "", "Enter how many months you have had this pain"),
        ("pain", "pain_side", "upside_down", "Select which side the pain is on from the list"),
        (
            "pain_scores",
            "pain_average",
            "11",
            "The number for how bad your pain was on average must be 10 or less",
        ),
        ("about", "date_of_birth", "2999-01-01", "Your date of birth must be today or in the past"),
        (
            "about",
            "date_of_birth",
            "31/02/1970",
            "Enter your date of birth as a real date, like 1970-03-27",
        ),
        (
            "about",
            "height_cm",
            "1.7",
            "Enter your height as a whole number without commas, dots or spaces, like 12",
        ),
        ("about", "height_cm", "--170", "Enter your height as a whole number, like 12"),
        ("about", "name", "x" * 101, "Your name must be 100 characters or fewer"),
    ],
)
def test_a_wrong_answer_gets_a_specific_message_and_keeps_what_was_typed(
    client, step, key, value, message
):
    _start(client)
    data = dict(POSTS[step])
    data[key] = value
    response = _post(client, step, data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("There is a problem") == 1
    assert "<title>Error: " in html
    assert (key, message) in _errors(html)
    # The same message beside the field, with a hidden "Error:" prefix
    assert (
        f'<p class="error-message" id="{key}-error"><span class="visually-hidden">Error:</span> {message}</p>'
        in html
    )
    if value and questionnaire.BY_KEY[key].type not in ("single", "multi"):
        assert f'value="{value}"' in html
    # Nothing of that step was saved
    assert key not in _stored()
    assert "pain_locations" not in _stored()


def test_missing_required_choice_questions_link_to_the_first_box(client):
    _start(client)
    html = _post(client, "pain", {"pain_duration_months": "4"}).get_data(as_text=True)
    assert ("pain_locations", "Select at least one option for where you feel the pain") in _errors(
        html
    )
    assert 'id="pain_locations" name="pain_locations" type="checkbox"' in html
    html = _post(client, "injection", {}).get_data(as_text=True)
    assert ("diagnostic_injection", "Select if you have had a numbing injection") in _errors(html)


def test_none_combined_with_a_red_flag_is_refused(client):
    _start(client)
    html = _post(client, "safety", {"red_flags": ["none", "cancer_history"]}).get_data(as_text=True)
    assert _errors(html) == [
        ("red_flags", "Select ‘None of these’ only if none of the others apply")
    ]
    # Both boxes stay ticked so the patient can see what to fix
    assert re.search(r'value="none" checked', html)
    assert re.search(r'value="cancer_history" checked', html)
    assert "red_flags" not in _stored()


def test_an_invalid_checkbox_value_is_refused(client):
    _start(client)
    html = _post(
        client, "pain", {**POSTS["pain"], "pain_locations": ["lower_back", "elbow"]}
    ).get_data(as_text=True)
    assert ("pain_locations", "Select where you feel the pain from the list") in _errors(html)


def test_several_errors_are_listed_in_page_order(client):
    _start(client)
    html = _post(client, "pain_scores", {"pain_average": "", "pain_interference": "lots"}).get_data(
        as_text=True
    )
    assert [k for k, _m in _errors(html)] == ["pain_average", "pain_interference"]


def test_unknown_fields_are_ignored(client):
    _start(client)
    _post(client, "pain", {**POSTS["pain"], "is_admin": "1", "pain_average": "3"})
    stored = _stored()
    assert "is_admin" not in stored and "pain_average" not in stored


# --- conditional questions ---------------------------------------------------------------------


def test_follow_ups_are_revealed_under_their_answer(client):
    _start(client)
    html = client.get("/step/tests").get_data(as_text=True)
    assert re.search(
        r'value="yes" data-controls="conditional-exam_done-yes">.*?'
        r'<div class="conditional conditional--hidden" id="conditional-exam_done-yes">.*?name="exam_result"',
        html,
        re.S,
    )
    # The scan follow-up is shown when any scan is ticked
    assert re.search(r'value="xray" data-controls="conditional-imaging"', html)


def test_follow_ups_are_not_stored_when_their_condition_is_false(client):
    _start(client)
    data = {
        "exam_done": "no",
        "exam_result": "reproduced_pain",
        "exam_positive_tests": "lots",  # ignored, so no error either
        "imaging_result": "normal",
    }
    response = _post(client, "tests", data)
    assert response.status_code == 302
    assert _stored() == {"exam_done": "no"}


def test_follow_ups_are_required_when_their_condition_holds(client):
    _start(client)
    html = _post(client, "tests", {"exam_done": "yes", "imaging": ["ct"]}).get_data(as_text=True)
    assert [k for k, _m in _errors(html)] == ["exam_result", "imaging_result"]


def test_changing_an_earlier_answer_deletes_answers_that_no_longer_apply(client):
    _start(client)
    _post(client, "tests")
    assert _stored()["exam_result"] == "reproduced_pain"
    _post(client, "tests", {"exam_done": "no", "imaging": []})
    assert _stored() == {"exam_done": "no"}


def test_changing_an_answer_on_an_earlier_page_deletes_later_answers(client):
    _start(client)
    _post(client, "treatments_exercise")
    _post(client, "treatments_other")
    assert _stored()["conservative_care_months"] == 9
    nothing = {k: "no" for k in POSTS["treatments_exercise"] if k.endswith("_tried")}
    _post(client, "treatments_exercise", nothing)
    stored = _stored()
    assert "conservative_care_months" not in stored
    assert "physical_therapy_weeks" not in stored


def test_question_asked_only_because_of_another_page_is_hidden_until_it_applies(client):
    _start(client)
    html = client.get("/step/treatments_other").get_data(as_text=True)
    # Shown: a treatment on this page could still make it apply.
    assert 'name="conservative_care_months"' in html
    response = _post(
        client,
        "treatments_other",
        {"si_belt_tried": "no", "manual_therapy_tried": "no", "steroid_injection_tried": "no"},
    )
    assert response.status_code == 302
    _post(client, "treatments_exercise")
    html = _post(
        client,
        "treatments_other",
        {"si_belt_tried": "no", "manual_therapy_tried": "no", "steroid_injection_tried": "no"},
    ).get_data(as_text=True)
    assert [k for k, _m in _errors(html)] == ["conservative_care_months"]


# --- check answers and change links ---------------------------------------------------------------


def test_check_answers_lists_every_answer_in_words_by_section(client):
    _answer_all(client)
    html = client.get("/check").get_data(as_text=True)
    assert "<title>Check your answers before you send them – SI joint screening</title>" in html
    for section in questionnaire.SECTIONS:
        assert f'<h2 class="heading-m">{section.title}</h2>' in html
    assert "18 months" in html
    assert "Lower back, Buttock" in html
    assert "14 May 1972" in html
    # The appointment date was skipped
    assert re.search(r"Appointment</dt>\s*<dd[^>]*>Not provided<", html)
    assert (
        'Change<span class="visually-hidden"> how many months you have had this pain</span>' in html
    )
    assert 'href="/step/pain?return=check#pain_duration_months"' in html
    # A treatment's questions are one row, its Change link goes to the first of them.
    assert re.search(r"Physical therapy \(physiotherapy\)</dt>\s*<dd[^>]*>Yes · 12 weeks · ", html)
    assert 'href="/step/treatments_exercise?return=check#physical_therapy_tried"' in html


def test_change_link_returns_to_check_answers(client):
    _answer_all(client)
    html = client.get("/step/pain?return=check").get_data(as_text=True)
    assert 'action="/step/pain?return=check"' in html
    assert '<a href="/check" class="back-link">' in html
    response = _post(
        client, "pain", {**POSTS["pain"], "pain_duration_months": "24"}, returning=True
    )
    assert response.location.endswith("/check")
    assert "24 months" in client.get("/check").get_data(as_text=True)


def test_a_change_that_asks_a_new_question_on_a_later_page_goes_there_first(client):
    nothing = {k: "no" for k in POSTS["treatments_exercise"] if k.endswith("_tried")}
    _answer_all(
        client,
        {
            "treatments_exercise": nothing,
            "treatments_other": {
                "si_belt_tried": "no",
                "manual_therapy_tried": "no",
                "steroid_injection_tried": "no",
            },
        },
    )
    assert client.get("/check").status_code == 200
    _post(client, "treatments_exercise", returning=True)
    response = client.get("/check")
    assert response.location.endswith("/step/treatments_other?return=check")


# --- submit and lock --------------------------------------------------------------------------------


def test_submit_locks_and_a_double_post_makes_one_submission(client):
    _answer_all(client)
    first = _submit(client)
    reference = db.session.scalar(select(Screening.reference))
    second = client.post("/check")
    assert second.status_code == 302 and second.location.endswith("/confirmation")
    assert db.session.scalar(select(func.count(Screening.id))) == 1
    assert db.session.scalar(select(Screening.reference)) == reference
    assert reference in first
    # Steps can no longer be changed
    response = _post(client, "pain", {**POSTS["pain"], "pain_duration_months": "1"})
    assert response.location.endswith("/confirmation")
    assert db.session.scalar(select(Screening)).answers["pain_duration_months"] == 18
    assert client.get("/step/pain").location.endswith("/confirmation")
    assert client.get("/check").location.endswith("/confirmation")
    assert client.post("/delete").location.endswith("/confirmation")


def test_confirmation_shows_reference_next_steps_and_comparison_in_words(client):
    _answer_all(client)
    html = _main(_submit(client))
    assert "Your answers have been sent" in html
    assert "What happens next" in html
    assert "Your answer: 18 months. The criteria look for: Pain for at least 3 months." in html
    assert re.search(
        r"Pain for at least 3 months\. <strong class=\"tag tag--met\">Matches\.</strong>", html
    )
    assert "not a diagnosis" in html
    assert "Get urgent medical help" not in html
    assert "/summary.pdf" in html


def test_confirmation_before_submit_goes_back_to_the_questions(client):
    _start(client)
    assert client.get("/confirmation").location.endswith("/step/pain")


def test_submit_with_a_required_answer_missing_goes_to_that_step(client):
    _start(client)
    _post(client, "pain")
    assert client.post("/check").location.endswith("/step/pain_scores?return=check")
    assert db.session.scalar(select(Screening.status)) == "draft"


# --- red flags -------------------------------------------------------------------------------------


def test_red_flag_warning_is_shown_as_soon_as_the_safety_step_is_submitted(client):
    _start(client)
    response = _post(client, "safety", {"red_flags": ["saddle_numbness"]})
    assert response.location.endswith("/urgent")
    html = client.get("/urgent").get_data(as_text=True)
    main = _main(html)
    assert main.index("Get urgent medical help now") < main.index("Numbness or tingling")
    assert "Call your emergency number" in main
    assert "<title>Get urgent medical help now – SI joint screening</title>" in html


def test_no_red_flag_goes_straight_on(client):
    _start(client)
    assert _post(client, "safety").location.endswith("/check")
    assert client.get("/urgent").status_code == 302


def test_red_flags_are_the_first_thing_on_the_confirmation_page(client):
    _answer_all(client, {"safety": {"red_flags": ["bladder_bowel", "leg_weakness"]}})
    html = _main(_submit(client))
    first_heading = re.search(r"<h1[^>]*>([^<]+)</h1>", html).group(1)
    assert first_heading == "Get urgent medical help now"
    assert html.index("Get urgent medical help now") < html.index("Your reference")
    assert "New problems controlling your bladder" in html
    assert db.session.scalar(select(Screening.has_red_flags)) is True


# --- save, resume and delete --------------------------------------------------------------------------


def _save_page(client, step="pain", data=None) -> str:
    # The code is shown once, in the answer to the save itself (no redirect, nothing stored).
    response = _post(client, step, data, action="save")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _code_in(html: str) -> str:
    match = re.search(r'<p class="code-box" id="resume-code">([A-Z0-9-]+)</p>', html)
    assert match, html
    return match.group(1)


def _save(client, step="pain", data=None) -> str:
    return _code_in(_save_page(client, step, data))


def test_save_and_come_back_later_shows_a_code_to_write_down(client, app):
    _start(client)
    _post(client, "about")
    html = _save_page(client, "pain", {"pain_duration_months": "18"})
    code = _code_in(html)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert "Write this code down" in html
    expires = (dt.date.today() + dt.timedelta(days=app.config["RESUME_CODE_DAYS"])).strftime(
        "%-d %B %Y"
    )
    assert expires in html
    # A partial page is saved: valid answers kept, missing required ones are not errors
    assert _stored()["pain_duration_months"] == 18
    screening = db.session.scalar(select(Screening))
    assert code not in (screening.resume_code_hash or "")


def test_saving_a_page_with_a_wrong_answer_shows_the_error(client):
    _start(client)
    response = _post(client, "pain", {"pain_duration_months": "six"}, action="save")
    assert response.status_code == 200
    assert "Your answers on this page are not saved yet" in response.get_data(as_text=True)
    assert _stored() == {}
    assert (
        "pain_duration_months",
        "Enter how many months you have had this pain as a whole number, like 12",
    ) in _errors(response.get_data(as_text=True))


@pytest.mark.parametrize(
    "transform",
    [
        str,
        str.lower,
        lambda c: c.replace("-", ""),
        lambda c: " " + c.lower().replace("-", " ") + " ",
    ],
)
def test_resume_with_the_code_in_any_form_continues_where_the_patient_stopped(make_app, transform):
    app = make_app()
    with app.app_context():
        first = app.test_client()
        _start(first)
        _post(first, "about")
        _post(first, "pain")
        code = _save(first, "pain_more")
        # A new browser, no session
        second = app.test_client()
        html = second.get("/resume").get_data(as_text=True)
        assert 'name="code"' in html
        response = second.post("/resume", data={"code": transform(code)})
        assert response.status_code == 302
        assert response.location.endswith("/step/pain_scores")
        html = second.get("/step/pain").get_data(as_text=True)
        assert 'value="18"' in html
        db.session.remove()


def test_resume_when_everything_is_answered_goes_to_check_answers(client, app):
    _answer_all(client)
    code = _save(client, "safety")
    other = app.test_client()
    assert other.post("/resume", data={"code": code}).location.endswith("/check")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter the code you were given when you saved your answers"),
        ("K7QM-9XDA", "The code must have 12 letters and numbers"),
        ("K7QM-9XDA-2PTW", "This code does not open any saved answers"),
    ],
)
def test_a_wrong_resume_code_gets_a_clear_error_beside_the_field(client, code, message):
    _start(client)
    _save(client)
    with client.session_transaction() as session:
        session.clear()
    response = client.post("/resume", data={"code": code})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html
    assert re.search(rf'<li><a href="#code">{message}', html)
    assert re.search(
        rf'id="code-error"><span class="visually-hidden">Error:</span> {message}', html
    )


def test_an_expired_resume_code_does_not_work(client, app):
    _start(client)
    code = _save(client)
    screening = db.session.scalar(select(Screening))
    screening.resume_expires_at = screening.resume_expires_at - dt.timedelta(days=31)
    db.session.commit()
    other = app.test_client()
    html = other.post("/resume", data={"code": code}).get_data(as_text=True)
    assert "This code does not open any saved answers" in html


def test_a_new_code_replaces_the_old_one(client, app):
    _start(client)
    old = _save(client)
    new = _save(client)
    other = app.test_client()
    assert other.post("/resume", data={"code": old}).status_code == 200
    assert other.post("/resume", data={"code": new}).status_code == 302


def test_delete_my_answers_asks_first_then_deletes_for_good(client):
    _start(client)
    _post(client, "about")
    html = client.get("/delete").get_data(as_text=True)
    assert "Are you sure you want to delete your answers?" in html
    assert db.session.scalar(select(func.count(Screening.id))) == 1
    response = client.post("/delete")
    assert response.location.endswith("/deleted")
    assert db.session.scalar(select(func.count(Screening.id))) == 0
    assert "Your answers have been deleted" in client.get("/deleted").get_data(as_text=True)
    assert client.get("/step/pain").location.endswith("/")


def test_delete_from_the_resume_page_needs_the_code(client, app):
    _start(client)
    code = _save(client)
    other = app.test_client()
    response = other.post("/resume", data={"code": code.lower(), "action": "delete"})
    assert response.location.endswith("/delete")
    assert other.post("/delete").location.endswith("/deleted")
    assert db.session.scalar(select(func.count(Screening.id))) == 0


# --- CSRF on, end to end ----------------------------------------------------------------------------


def test_whole_journey_with_csrf_on(csrf_app):
    client = csrf_app.test_client()
    html = client.get("/").get_data(as_text=True)
    assert client.post("/start").status_code == 400  # no token
    response = client.post("/start", data={"csrf_token": csrf_token(html)})
    assert response.location.endswith("/step/about")
    for step in questionnaire.STEPS:
        page = client.get(f"/step/{step.key}").get_data(as_text=True)
        data = {**POSTS[step.key], "csrf_token": csrf_token(page)}
        response = client.post(f"/step/{step.key}", data=data)
        assert response.status_code == 302, step.key
    page = client.get("/check").get_data(as_text=True)
    token = csrf_token(page)
    assert client.post("/check", data={"csrf_token": token}).location.endswith("/confirmation")
    assert client.post("/check", data={"csrf_token": token}).location.endswith("/confirmation")
    assert db.session.scalar(select(func.count(Screening.id))) == 1
    assert db.session.scalar(select(Screening.status)) == "submitted"


def test_a_step_posted_without_a_valid_token_comes_back_with_the_answers(csrf_app):
    client = csrf_app.test_client()
    html = client.get("/").get_data(as_text=True)
    client.post("/start", data={"csrf_token": csrf_token(html)})
    response = client.post("/step/pain", data={**POSTS["pain"], "csrf_token": "expired"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "were not saved yet" in html
    assert 'value="18"' in html
    assert db.session.scalar(select(Screening)).answers == {}


# --- guessing and logs --------------------------------------------------------------------------------


def test_resume_code_guesses_are_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        statuses = [
            client.post("/resume", data={"code": "AAAA-AAAA-AAAA"}).status_code for _ in range(11)
        ]
        assert statuses[:10] == [200] * 10
        assert statuses[10] == 429
        assert client.get("/resume").status_code == 200  # reading the form is not limited
        db.session.remove()


def test_no_answers_names_or_codes_in_the_logs(client, caplog):
    caplog.set_level("DEBUG")
    _answer_all(client)
    code = _save(client, "safety")
    client.post("/resume", data={"code": code})
    client.post("/step/pain", data={**POSTS["pain"], "pain_duration_months": "six"})
    _submit(client)
    logged = caplog.text
    for secret in ("Alex Example", "1972-05-14", code, code.replace("-", ""), "six"):
        assert secret not in logged


def test_what_a_patient_types_is_escaped(client):
    _start(client)
    _post(client, "about", {"name": "<script>alert(1)</script>"})
    _post(client, "pain", {"pain_duration_months": "<b>x</b>"})
    html = client.get("/step/about").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_start_page_offers_to_carry_on_or_see_sent_answers(client):
    _start(client)
    _post(client, "about")
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/step/pain">Carry on with the answers you started on this device</a>' in html
    _answer_all(client)
    _submit(client)
    html = client.get("/").get_data(as_text=True)
    assert "See the answers you have already sent" in html
    assert "Carry on with the answers" not in html


def _error_beside(key: str, message: str) -> str:
    return (
        f'<p class="error-message" id="{key}-error">'
        f'<span class="visually-hidden">Error:</span> {message}</p>'
    )


MONTHS = "how many months you have had this pain"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1,5", f"Enter {MONTHS} as a whole number without commas, dots or spaces, like 12"),
        ("7.5", f"Enter {MONTHS} as a whole number without commas, dots or spaces, like 12"),
        ("--5", f"Enter {MONTHS} as a whole number, like 12"),
        ("---0", f"Enter {MONTHS} as a whole number, like 12"),
        ("+5", f"Enter {MONTHS} as a whole number, like 12"),
        ("0" * 5000 + "5", f"Enter {MONTHS} as a whole number, like 12"),
        ("\uff11\uff12", f"Enter {MONTHS} using the digits 0 to 9, like 12"),
    ],
)
def test_a_number_that_is_not_plain_digits_is_refused_and_the_saved_answer_kept(
    client, typed, message
):
    _start(client)
    assert _post(client, "pain").status_code == 302
    assert _stored()["pain_duration_months"] == 18
    response = _post(client, "pain", dict(POSTS["pain"], pain_duration_months=typed))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _errors(html) == [("pain_duration_months", message)]
    assert _error_beside("pain_duration_months", message) in html
    assert _stored()["pain_duration_months"] == 18


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Alex\u2028Example", "Your name must be on one line"),
        ("Alex\u0085Example", "Your name must be on one line"),
        (
            "\u202eelpmaxE xelA",
            "Your name has a hidden or unusual character in it: please type it again instead "
            "of pasting it",
        ),
        (
            "\u200b\u200d",
            "Your name has a hidden or unusual character in it: please type it again instead "
            "of pasting it",
        ),
        ("\u0301\u0301", "Enter your name using letters you can see"),
    ],
)
def test_a_name_with_a_line_break_or_hidden_characters_is_refused_beside_the_field(
    client, typed, message
):
    _start(client)
    assert _post(client, "about").status_code == 302
    response = _post(client, "about", dict(POSTS["about"], name=typed))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _errors(html) == [("name", message)]
    assert _error_beside("name", message) in html
    assert _stored()["name"] == "Alex Example"


def test_a_name_with_accents_apostrophes_and_other_scripts_is_kept(client):
    _start(client)
    for typed, kept in [
        ("Siobhán O’Brien-Ní Dhuibhir", "Siobhán O’Brien-Ní Dhuibhir"),
        ("Jose\u0301 Nun\u0303ez", "José Nuñez"),
        ("王小明", "王小明"),
        ("علی\u200cرضا", "علی\u200cرضا"),
        ("דוד לוי", "דוד לוי"),
    ]:
        assert _post(client, "about", dict(POSTS["about"], name=typed)).status_code == 302
        assert _stored()["name"] == kept
