"""The patient journey through the Flask test client: steps, validation, drafts, check, submit.

Questionnaire 2026.12: one short page per treatment tried (a treatment not tried has no page),
dates and months typed in Day/Month/Year boxes, heights and weights in either unit, pain scores
as 0-10 radio scales, and the numbing injections as injection 1 and (from 2 injections) 2.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select
from support import EMERGENCY_KEYS, URGENT_KEYS, csrf_token

from screening import questionnaire
from screening.extensions import db
from screening.models import Screening

# One post per page, as a browser sends it: one value per checked box, a date as its boxes.
POSTS: dict[str, dict[str, object]] = {
    "about": {
        "name": "Alex Example",
        "date_of_birth-day": "14",
        "date_of_birth-month": "5",
        "date_of_birth-year": "1972",
        "height_cm": "170",
        "height_cm-ft": "",
        "height_cm-in": "",
        "weight_kg": "72",
        "weight_kg-st": "",
        "weight_kg-lb": "",
        "appointment_date-day": "",
        "appointment_date-month": "",
        "appointment_date-year": "",
    },
    "pain": {
        "pain_started-month": "5",
        "pain_started-year": "2025",
        "pain_locations": ["lower_back", "buttock"],
        "pain_side": "left",
        "leg_numbness": "no",
    },
    "pain_more": {
        "pain_triggers": ["sit_to_stand", "stairs"],
        "points_to_si_joint": "yes",
        "pain_causes": ["injury"],
    },
    "pain_scores": {"pain_average": "7", "pain_interference": "6"},
    "activities": {
        "activity_1": "Putting on socks",
        "activity_1_score": "3",
        "activity_2": "Walking to the shops",
        "activity_2_score": "4",
    },
    "treatments": {"treatments_tried": ["physical_therapy", "home_exercise"]},
    "treatment_physical_therapy": {
        "physical_therapy_weeks": "12",
        "physical_therapy_result": "temporary_relief",
    },
    "treatment_home_exercise": {"home_exercise_weeks": "20", "home_exercise_result": "no_relief"},
    "treatment_medication": {"medication_weeks": "30", "medication_result": "temporary_relief"},
    "treatment_activity_modification": {
        "activity_modification_weeks": "16",
        "activity_modification_result": "no_relief",
    },
    "treatment_si_belt": {"si_belt_weeks": "8", "si_belt_result": "no_relief"},
    "treatment_manual_therapy": {
        "manual_therapy_weeks": "6",
        "manual_therapy_result": "temporary_relief",
    },
    "treatment_steroid_injection": {
        "steroid_injection_count": "2",
        "steroid_injection_relief_weeks": "3",
        "steroid_injection_result": "temporary_relief",
    },
    "treatment_radiofrequency_ablation": {"radiofrequency_ablation_result": "no_relief"},
    "treatment_started": {"treatment_started-month": "8", "treatment_started-year": "2025"},
    "tests": {
        "exam_done": "yes",
        "exam_result": "reproduced_pain",
        "exam_positive_tests": "4",
        "imaging": ["xray", "mri"],
        "imaging_result": "si_joint_changes",
    },
    "injection": {"diagnostic_injection": "yes", "diagnostic_injection_count": "2"},
    "injection_details": {
        "injection_1_guidance": "xray_or_ct",
        "injection_1_relief": "80%",
        "injection_1_relief_lasted": "a_few_hours",
        "injection_2_guidance": "xray_or_ct",
        "injection_2_relief": "85",
        "injection_2_relief_lasted": "a_few_hours",
    },
    "health": {
        "other_conditions": ["none"],
        "previous_lumbar_fusion": "no",
        "previous_si_fusion": "no",
        "pregnancy": "not_applicable",
        "metal_allergy": "no",
        "regular_opioids": "no",
        "nicotine_use": "no",
    },
    "safety_emergency": dict.fromkeys(EMERGENCY_KEYS, "no"),
    "safety_urgent": dict.fromkeys(URGENT_KEYS, "no"),
}

# The pages a patient with POSTS sees, in order: two treatments tried, so two treatment pages.
JOURNEY = [
    "safety_emergency",
    "safety_urgent",
    "about",
    "pain",
    "pain_more",
    "pain_scores",
    "activities",
    "treatments",
    "treatment_physical_therapy",
    "treatment_home_exercise",
    "treatment_started",
    "tests",
    "injection",
    "injection_details",
    "health",
]

# Every page of 2026.12 with its title, in the order of the tree.
TITLES = {
    "safety_emergency": "Before you start: check for signs that need help now",
    "safety_urgent": "More signs to check",
    "about": "About you",
    "pain": "Your pain",
    "pain_more": "More about your pain",
    "pain_scores": "How much the pain affects you",
    "activities": "Activities the pain makes hard",
    "treatments": "Treatments you have tried",
    "treatment_physical_therapy": "Physical therapy (physiotherapy)",
    "treatment_home_exercise": "An exercise programme at home",
    "treatment_medication": "Pain medicine",
    "treatment_activity_modification": (
        "Changing or resting from activities that make the pain worse"
    ),
    "treatment_si_belt": "A pelvic or SI joint belt (brace)",
    "treatment_manual_therapy": "Hands-on treatment, like chiropractic or osteopathy",
    "treatment_steroid_injection": "A steroid injection into the SI joint to treat the pain",
    "treatment_radiofrequency_ablation": "A nerve treatment with heat (radiofrequency ablation)",
    "treatment_started": "When treatment started",
    "tests": "Tests you have had",
    "injection": "Numbing injections",
    "injection_details": "Your numbing injections",
    "health": "Other health conditions",
}
ALL_TREATMENTS = [
    "physical_therapy",
    "home_exercise",
    "medication",
    "activity_modification",
    "si_belt",
    "manual_therapy",
    "steroid_injection",
    "radiofrequency_ablation",
]


def _start(client, safety: bool = True) -> None:
    """Start a new screening; the safety pages come first, and (unless `safety` is False) are
    answered "no" as most patients do, so that a test goes on from "About you"."""
    # "again": start a new screening even when this client has answers in progress.
    response = client.post("/start", data={"again": "yes"})
    assert response.status_code == 302
    assert response.location.endswith("/step/safety_emergency")
    if safety:
        assert _post(client, "safety_emergency").location == "/step/safety_urgent"
        assert _post(client, "safety_urgent").location == "/step/about"


def _stored() -> dict:
    """The stored answers, without the safety answers (tests/test_safety.py reads those)."""
    screening = db.session.scalar(select(Screening))
    db.session.refresh(screening)
    return {k: v for k, v in screening.answers.items() if not k.startswith("rf_")}


def _post(client, step: str, data: dict | None = None, **params):
    query = "?return=check" if params.get("returning") else ""
    body = dict(POSTS[step] if data is None else data)
    if params.get("action"):
        body["action"] = params["action"]
    return client.post(f"/step/{step}{query}", data=body)


def _answer_all(client, overrides: dict[str, dict] | None = None) -> list[str]:
    """Start, then answer each page the app leads to, as a patient does; the pages seen."""
    _start(client, safety=False)
    seen: list[str] = []
    location = "/step/safety_emergency"
    while location.startswith("/step/"):
        key = location.removeprefix("/step/")
        assert key not in seen, (key, seen)
        seen.append(key)
        response = _post(client, key, (overrides or {}).get(key))
        assert response.status_code == 302, (key, response.get_data(as_text=True)[:2000])
        location = response.location
    assert location == "/check" or location.startswith("/urgent?"), location
    return seen


def _main(html: str) -> str:
    return html[html.index("<main") :]


def _title(html: str) -> str:
    return re.search(r"<title>([^<]*)</title>", html).group(1)


def _back(html: str) -> str:
    return re.search(r'<a href="([^"]*)" class="back-link">', html).group(1)


def _submit(client) -> str:
    response = client.post("/check")
    assert response.status_code == 302
    assert response.location.endswith("/confirmation")
    return client.get("/confirmation").get_data(as_text=True)


def _errors(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', html)


def _error_beside(key: str, message: str) -> str:
    return (
        f'<p class="error-message" id="{key}-error">'
        f'<span class="visually-hidden">Error:</span> {message}</p>'
    )


def _box(html: str, box_id: str) -> str:
    """The <input> tag of one box (a day, a month, feet...)."""
    match = re.search(rf'<input [^>]*id="{re.escape(box_id)}"[^>]*>', html)
    assert match, box_id
    return match.group(0)


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


def _open_every_page(client) -> None:
    """Answers that show all 20 pages: every treatment tried, and two numbing injections."""
    _start(client)
    assert _post(client, "treatments", {"treatments_tried": ALL_TREATMENTS}).status_code == 302
    assert _post(client, "injection").status_code == 302


@pytest.mark.parametrize(("index", "key"), list(enumerate(TITLES, start=1)))
def test_every_page_renders_its_questions_from_the_definition(client, index, key):
    _open_every_page(client)
    step = questionnaire.STEP_BY_KEY[key]
    html = client.get(f"/step/{key}").get_data(as_text=True)
    assert _title(html) == f"{TITLES[key]} – step {index} of 21 – SI joint screening"
    assert html.count("<h1") == 1
    assert "novalidate" in html and " required" not in html
    assert 'class="back-link"' in html[: html.index("<main")]
    for q in step.questions:
        assert str(q.text) in html, q.key
        if not q.required:
            assert f"{q.text} (optional)" in html
        for c in q.choices:
            assert re.search(rf'name="{q.key}" type="(radio|checkbox)" value="{c.value}"', html)
        if q.type in ("date", "month"):
            parts = ("day", "month", "year") if q.type == "date" else ("month", "year")
            for part in parts:
                assert re.search(
                    rf'id="{q.key}-{part}" name="{q.key}-{part}" type="text" inputmode="numeric"',
                    html,
                )
        elif q.scale:
            for n in range(q.min, q.max + 1):
                assert f'name="{q.key}" type="radio" value="{n}"' in html
        elif q.type == "integer":
            assert re.search(rf'id="{q.key}" name="{q.key}"[^>]*inputmode="numeric"', html)
        elif q.type == "text":
            assert re.search(rf'id="{q.key}" name="{q.key}" type="text"', html)
        if q.autocomplete == "name":
            assert re.search(rf'id="{q.key}"[^>]*autocomplete="name"', html)
    assert ">Continue<" in html
    assert "Save and come back later" in html
    assert "Delete my answers" in html


def test_dates_and_months_are_typed_in_labelled_day_month_year_boxes(client):
    _start(client)
    html = client.get("/step/about").get_data(as_text=True)
    for part, label in (("day", "Day"), ("month", "Month"), ("year", "Year")):
        assert (
            f'<label class="label date-input__label" for="date_of_birth-{part}">{label}</label>'
            in html
        )
        assert f'autocomplete="bday-{part}"' in _box(html, f"date_of_birth-{part}")
    assert "input--width-2" in _box(html, "date_of_birth-day")
    assert "input--width-4" in _box(html, "date_of_birth-year")
    html = client.get("/step/pain").get_data(as_text=True)
    assert 'for="pain_started-month">Month</label>' in html
    assert 'for="pain_started-year">Year</label>' in html
    assert 'id="pain_started-day"' not in html
    assert re.search(r"<h2 class=\"fieldset__heading\">When did this pain start\?</h2>", html)


def test_height_and_weight_offer_either_unit(client):
    _start(client)
    html = client.get("/step/about").get_data(as_text=True)
    for box_id, label in (
        ("height_cm", "Centimetres"),
        ("height_cm-ft", "Feet"),
        ("height_cm-in", "Inches"),
        ("weight_kg", "Kilograms"),
        ("weight_kg-st", "Stones"),
        ("weight_kg-lb", "Pounds"),
    ):
        assert f'for="{box_id}">{label}</label>' in html
        assert 'inputmode="numeric"' in _box(html, box_id)


def test_pain_scores_are_0_to_10_radio_scales(client):
    _start(client)
    html = client.get("/step/pain_scores").get_data(as_text=True)
    for key in ("pain_average", "pain_interference"):
        values = re.findall(rf'name="{key}" type="radio" value="(\d+)"', html)
        assert values == [str(n) for n in range(11)]
    _post(client, "pain_scores")
    assert (_stored()["pain_average"], _stored()["pain_interference"]) == (7, 6)
    html = client.get("/step/pain_scores").get_data(as_text=True)
    assert re.search(r'name="pain_average" type="radio" value="7" checked', html)
    assert re.search(r'name="pain_interference" type="radio" value="6" checked', html)
    assert not re.search(r'name="pain_average" type="radio" value="6" checked', html)


def test_single_question_page_uses_the_legend_as_the_heading(client):
    _start(client)
    html = client.get("/step/treatments").get_data(as_text=True)
    assert re.search(
        r"<legend[^>]*>.*<h1 class=\"fieldset__heading\">Which treatments without surgery",
        html,
        re.S,
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
    assert stored["pain_started"] == "2025-05"
    assert stored["pain_locations"] == ["lower_back", "buttock"]
    assert stored["leg_numbness"] == "no"
    assert "pain_duration_months" not in stored
    # The answers come back on the page, in their boxes
    html = client.get("/step/pain").get_data(as_text=True)
    assert 'value="5"' in _box(html, "pain_started-month")
    assert 'value="2025"' in _box(html, "pain_started-year")
    assert re.search(r'value="lower_back" checked', html)
    html = client.get("/step/about").get_data(as_text=True)
    assert 'value="14"' in _box(html, "date_of_birth-day")
    assert 'value="5"' in _box(html, "date_of_birth-month")
    assert 'value="1972"' in _box(html, "date_of_birth-year")
    assert 'value="170"' in _box(html, "height_cm")


def test_whole_journey_every_page_in_order(client):
    assert _answer_all(client) == JOURNEY
    assert _stored()["treatments_tried"] == ["physical_therapy", "home_exercise"]
    assert _stored()["treatment_started"] == "2025-08"
    assert _stored()["injection_1_relief"] == 80  # typed as "80%"
    html = client.get("/check").get_data(as_text=True)
    assert "Submit your answers" in html
    html = _submit(client)
    screening = db.session.scalar(select(Screening))
    assert screening.status == "submitted"
    assert screening.questionnaire_version == "2026.12"
    assert re.fullmatch(r"SIJ-[A-Z0-9]{4}-[A-Z0-9]{4}", screening.reference)
    assert screening.reference in html
    assert screening.criteria_version == screening.evaluation["criteria_version"]
    assert screening.evaluation["profile"] == "documents"


def test_the_least_a_patient_must_answer_is_eleven_pages(client):
    seen = _answer_all(
        client,
        {
            "about": {},
            "pain": {
                "pain_started-month": "10",
                "pain_started-year": "2026",
                "pain_locations": ["hip"],
            },
            "pain_more": {},
            "pain_scores": {"pain_average": "3", "pain_interference": "2"},
            "activities": {},
            "treatments": {"treatments_tried": ["none"]},
            "tests": {},
            "injection": {"diagnostic_injection": "no"},
            "health": {},
        },
    )
    assert seen == [
        "safety_emergency",
        "safety_urgent",
        "about",
        "pain",
        "pain_more",
        "pain_scores",
        "activities",
        "treatments",
        "tests",
        "injection",
        "health",
    ]
    assert _stored() == {
        "pain_started": "2026-10",
        "pain_locations": ["hip"],
        "pain_average": 3,
        "pain_interference": 2,
        "treatments_tried": ["none"],
        "diagnostic_injection": "no",
    }
    assert "Your answers have been sent" in _submit(client)


# --- validation ----------------------------------------------------------------------------


def _treatment_page(client, treatments: list[str]) -> None:
    _start(client)
    assert _post(client, "treatments", {"treatments_tried": treatments}).status_code == 302


@pytest.mark.parametrize(
    ("step", "key", "value", "message"),
    [
        ("pain", "pain_side", "upside_down", "Select which side the pain is on from the list"),
        (
            "pain",
            "leg_numbness",
            "maybe",
            "Select if you have numbness or tingling in a leg or foot from the list",
        ),
        (
            "pain_scores",
            "pain_average",
            "11",
            "The number for how bad your pain was on average must be 10 or less",
        ),
        ("pain_scores", "pain_interference", "", "Select how much the pain got in the way"),
        (
            "about",
            "height_cm",
            "1.7",
            "Enter your height as a whole number without commas, dots or spaces, like 12",
        ),
        ("about", "height_cm", "--170", "Enter your height as a whole number, like 12"),
        ("about", "name", "x" * 101, "Your name must be 100 characters or fewer"),
        ("activities", "activity_1", "y" * 81, "Activity 1 must be 80 characters or fewer"),
        (
            "activities",
            "activity_1_score",
            "11",
            "The number for how well you can do activity 1 must be 10 or less",
        ),
        (
            "injection",
            "diagnostic_injection_count",
            "0",
            "The number for how many numbing injections you have had must be 1 or more",
        ),
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
    assert _error_beside(key, message) in html
    q = questionnaire.BY_KEY[key]
    if value and q.type not in ("single", "multi") and not q.scale:
        assert f'value="{value}"' in _box(html, key)
    # Nothing of that page was saved
    assert _stored() == {}


@pytest.mark.parametrize(
    ("treatment", "key", "value", "message"),
    [
        (
            "physical_therapy",
            "physical_therapy_weeks",
            "six",
            "Enter how many weeks you tried physical therapy as a whole number, like 12",
        ),
        (
            "physical_therapy",
            "physical_therapy_weeks",
            "521",
            "The number for how many weeks you tried physical therapy must be 520 or less",
        ),
        (
            "physical_therapy",
            "physical_therapy_weeks",
            "",
            "Enter how many weeks you tried physical therapy",
        ),
        (
            "steroid_injection",
            "steroid_injection_count",
            "0",
            "The number for how many steroid injections you have had must be 1 or more",
        ),
        (
            "steroid_injection",
            "steroid_injection_relief_weeks",
            "105",
            "The number for how many weeks the pain was better must be 104 or less",
        ),
        (
            "radiofrequency_ablation",
            "radiofrequency_ablation_result",
            "",
            "Select how the nerve treatment went",
        ),
    ],
)
def test_a_treatment_page_checks_its_answers(client, treatment, key, value, message):
    _treatment_page(client, [treatment])
    step = f"treatment_{treatment}"
    response = _post(client, step, {**POSTS[step], key: value})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _errors(html) == [(key, message)]
    assert _error_beside(key, message) in html
    if value:
        assert f'value="{value}"' in _box(html, key)
    assert key not in _stored()


def test_a_numbing_injection_relief_accepts_a_percent_sign_and_refuses_more_than_100(client):
    _start(client)
    _post(client, "injection", {"diagnostic_injection": "yes", "diagnostic_injection_count": "1"})
    body = {
        "injection_1_guidance": "ultrasound",
        "injection_1_relief": "120%",
        "injection_1_relief_lasted": "under_an_hour",
    }
    html = _post(client, "injection_details", body).get_data(as_text=True)
    message = "The number for how much less pain you had after injection 1 must be 100 or less"
    assert _errors(html) == [("injection_1_relief", message)]
    assert 'value="120%"' in _box(html, "injection_1_relief")
    assert re.search(r'value="ultrasound" checked', html)
    response = _post(client, "injection_details", {**body, "injection_1_relief": "60 %"})
    assert response.status_code == 302
    assert _stored()["injection_1_relief"] == 60


# (boxes posted, link of the error summary, message, boxes shown with the error, without it)
BOX_ERRORS = [
    (
        "pain",
        {"pain_started-month": "13", "pain_started-year": "2025"},
        "pain_started-month",
        "When the pain started must be a real date",
        ["pain_started-month"],
        ["pain_started-year"],
    ),
    (
        "pain",
        {"pain_started-month": "May", "pain_started-year": "2025"},
        "pain_started-month",
        "When the pain started must be a real date",
        ["pain_started-month"],
        ["pain_started-year"],
    ),
    (
        "pain",
        {"pain_started-month": "5", "pain_started-year": "25"},
        "pain_started-year",
        "When the pain started must include a year with 4 numbers",
        ["pain_started-year"],
        ["pain_started-month"],
    ),
    (
        "pain",
        {"pain_started-month": "", "pain_started-year": "2025"},
        "pain_started-month",
        "When the pain started must include a month",
        ["pain_started-month"],
        ["pain_started-year"],
    ),
    (
        "pain",
        {"pain_started-month": "5", "pain_started-year": ""},
        "pain_started-year",
        "When the pain started must include a year",
        ["pain_started-year"],
        ["pain_started-month"],
    ),
    (
        "pain",
        {"pain_started-month": "", "pain_started-year": ""},
        "pain_started-month",
        "Enter when the pain started",
        ["pain_started-month", "pain_started-year"],
        [],
    ),
    (
        "pain",
        {"pain_started-month": "1", "pain_started-year": "2999"},
        "pain_started-month",
        "When the pain started must be this month or in the past",
        ["pain_started-month", "pain_started-year"],
        [],
    ),
    (
        "about",
        {"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "1970"},
        "date_of_birth-day",
        "Your date of birth must be a real date",
        ["date_of_birth-day", "date_of_birth-month", "date_of_birth-year"],
        [],
    ),
    (
        "about",
        {"date_of_birth-day": "32", "date_of_birth-month": "5", "date_of_birth-year": "1970"},
        "date_of_birth-day",
        "Your date of birth must be a real date",
        ["date_of_birth-day"],
        ["date_of_birth-month", "date_of_birth-year"],
    ),
    (
        "about",
        {"date_of_birth-day": "", "date_of_birth-month": "5", "date_of_birth-year": "1972"},
        "date_of_birth-day",
        "Your date of birth must include a day",
        ["date_of_birth-day"],
        ["date_of_birth-month", "date_of_birth-year"],
    ),
    (
        "about",
        {"date_of_birth-day": "14", "date_of_birth-month": "", "date_of_birth-year": ""},
        "date_of_birth-month",
        "Your date of birth must include a month and year",
        ["date_of_birth-month", "date_of_birth-year"],
        ["date_of_birth-day"],
    ),
    (
        "about",
        {"date_of_birth-day": "14", "date_of_birth-month": "5", "date_of_birth-year": "72"},
        "date_of_birth-year",
        "Your date of birth must include a year with 4 numbers",
        ["date_of_birth-year"],
        ["date_of_birth-day", "date_of_birth-month"],
    ),
    (
        "about",
        {"date_of_birth-day": "1", "date_of_birth-month": "1", "date_of_birth-year": "2999"},
        "date_of_birth-day",
        "Your date of birth must be today or in the past",
        ["date_of_birth-day", "date_of_birth-month", "date_of_birth-year"],
        [],
    ),
    (
        "about",
        {"height_cm": "170", "height_cm-ft": "5", "height_cm-in": "7"},
        "height_cm",
        "Enter your height in centimetres, or in feet and inches, not both",
        ["height_cm", "height_cm-ft", "height_cm-in"],
        [],
    ),
    (
        "about",
        {"height_cm": "", "height_cm-ft": "5", "height_cm-in": "12"},
        "height_cm-in",
        "The inches for your height must be 11 or less",
        ["height_cm-in"],
        ["height_cm", "height_cm-ft"],
    ),
    (
        "about",
        {"height_cm": "", "height_cm-ft": "five", "height_cm-in": "7"},
        "height_cm-ft",
        "Enter your height in feet and inches as whole numbers, like 5 and 7",
        ["height_cm-ft"],
        ["height_cm", "height_cm-in"],
    ),
    (
        "about",
        {"height_cm": "", "height_cm-ft": "9", "height_cm-in": "0"},
        "height_cm-ft",
        "Your height must be between 100 cm and 250 cm (3 ft 4 in and 8 ft 2 in)",
        ["height_cm-ft", "height_cm-in"],
        ["height_cm"],
    ),
    (
        "about",
        {"weight_kg": "", "weight_kg-st": "11", "weight_kg-lb": "14"},
        "weight_kg-lb",
        "The pounds for your weight must be 13 or less",
        ["weight_kg-lb"],
        ["weight_kg", "weight_kg-st"],
    ),
    (
        "about",
        {"weight_kg": "20", "weight_kg-st": "", "weight_kg-lb": ""},
        "weight_kg",
        "Your weight must be between 30 kg and 300 kg (4 st 10 lb and 47 st 4 lb)",
        ["weight_kg"],
        ["weight_kg-st", "weight_kg-lb"],
    ),
]


@pytest.mark.parametrize(
    ("step", "typed", "link", "message", "wrong", "right"),
    BOX_ERRORS,
    ids=[f"{row[0]}-{'-'.join(v or '_' for v in row[1].values())}" for row in BOX_ERRORS],
)
def test_an_answer_in_boxes_shows_its_error_beside_the_right_box_and_keeps_what_was_typed(
    client, step, typed, link, message, wrong, right
):
    _start(client)
    response = _post(client, step, {**POSTS[step], **typed})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    key = link.split("-")[0]
    # The summary links to the first box with a problem; the message is beside the question
    assert _errors(html) == [(link, message)]
    assert _error_beside(key, message) in html
    assert re.search(rf'aria-describedby="[^"]*{key}-error"', html)
    for box_id in wrong:
        assert "input--error" in _box(html, box_id), box_id
    for box_id in right:
        assert "input--error" not in _box(html, box_id), box_id
    # Every box shows what was typed, right or wrong
    for box_id, text in typed.items():
        assert f'value="{text}"' in _box(html, box_id), box_id
    assert _stored() == {}


def test_a_height_in_feet_and_inches_and_a_weight_in_stones_and_pounds_are_kept_metric(client):
    _start(client)
    body = {
        **POSTS["about"],
        "height_cm": "",
        "height_cm-ft": "5",
        "height_cm-in": "7",
        "weight_kg": "",
        "weight_kg-st": "11",
        "weight_kg-lb": "4",
    }
    assert _post(client, "about", body).status_code == 302
    assert (_stored()["height_cm"], _stored()["weight_kg"]) == (170, 72)
    html = client.get("/step/about").get_data(as_text=True)
    assert 'value="170"' in _box(html, "height_cm")
    assert 'value="72"' in _box(html, "weight_kg")


def test_missing_required_choice_questions_link_to_the_first_box(client):
    _start(client)
    html = _post(client, "pain", {"pain_started-month": "4", "pain_started-year": "2025"}).get_data(
        as_text=True
    )
    assert ("pain_locations", "Select at least one option for where you feel the pain") in _errors(
        html
    )
    assert 'id="pain_locations" name="pain_locations" type="checkbox"' in html
    html = _post(client, "injection", {}).get_data(as_text=True)
    assert ("diagnostic_injection", "Select if you have had a numbing injection") in _errors(html)
    html = _post(client, "treatments", {}).get_data(as_text=True)
    assert _errors(html) == [
        ("treatments_tried", "Select at least one option for which treatments you have tried")
    ]
    html = _post(client, "pain_scores", {}).get_data(as_text=True)
    assert _errors(html) == [
        ("pain_average", "Select how bad your pain was on average"),
        ("pain_interference", "Select how much the pain got in the way"),
    ]
    assert 'id="pain_average" name="pain_average" type="radio" value="0"' in html


@pytest.mark.parametrize(
    ("step", "key", "ticked", "message"),
    [
        (
            "treatments",
            "treatments_tried",
            ["none", "medication"],
            "Select ‘I have not tried any of these’ only if none of the others apply",
        ),
        (
            "health",
            "other_conditions",
            ["none", "fibromyalgia"],
            "Select ‘None of these’ only if none of the others apply",
        ),
        (
            "tests",
            "imaging",
            ["none", "ct"],
            "Select ‘I have not had any of these’ only if none of the others apply",
        ),
    ],
)
def test_none_combined_with_another_answer_is_refused(client, step, key, ticked, message):
    _start(client)
    html = _post(client, step, {key: ticked}).get_data(as_text=True)
    assert _errors(html) == [(key, message)]
    # Both boxes stay ticked so the patient can see what to fix
    for value in ticked:
        assert re.search(rf'name="{key}" type="checkbox" value="{value}" checked', html)
    assert key not in _stored()


def test_an_invalid_checkbox_value_is_refused(client):
    _start(client)
    html = _post(
        client, "pain", {**POSTS["pain"], "pain_locations": ["lower_back", "elbow"]}
    ).get_data(as_text=True)
    assert ("pain_locations", "Select where you feel the pain from the list") in _errors(html)
    html = _post(client, "treatments", {"treatments_tried": ["surgery"]}).get_data(as_text=True)
    assert ("treatments_tried", "Select which treatments you have tried from the list") in _errors(
        html
    )


def test_several_errors_are_listed_in_page_order(client):
    _start(client)
    html = _post(
        client,
        "about",
        {
            "date_of_birth-day": "",
            "date_of_birth-month": "5",
            "date_of_birth-year": "1972",
            "height_cm": "tall",
            "weight_kg-st": "11",
            "weight_kg-lb": "20",
        },
    ).get_data(as_text=True)
    assert [k for k, _m in _errors(html)] == ["date_of_birth-day", "height_cm", "weight_kg-lb"]
    html = _post(client, "pain_scores", {"pain_average": "", "pain_interference": "lots"}).get_data(
        as_text=True
    )
    assert [k for k, _m in _errors(html)] == ["pain_average", "pain_interference"]


def test_unknown_fields_are_ignored(client):
    _start(client)
    _post(client, "pain", {**POSTS["pain"], "is_admin": "1", "pain_average": "3"})
    stored = _stored()
    assert "is_admin" not in stored and "pain_average" not in stored
    assert stored["pain_started"] == "2025-05"


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
    # The scan follow-up is revealed when a scan is ticked, and not by "none"
    for scan in ("xray", "ct", "mri"):
        assert re.search(rf'name="imaging" type="checkbox" value="{scan}" data-controls="', html)
    assert not re.search(r'name="imaging" type="checkbox" value="none" data-controls=', html)
    # What the different problem was is revealed under "They showed a different problem"
    assert re.search(
        r'value="other_problem" data-controls="conditional-imaging_result-other_problem">.*?'
        r'id="conditional-imaging_result-other_problem">.*?name="imaging_other_problem"',
        html,
        re.S,
    )
    html = client.get("/step/injection").get_data(as_text=True)
    assert re.search(
        r'value="yes" data-controls="conditional-diagnostic_injection-yes">.*?'
        r'id="conditional-diagnostic_injection-yes">.*?name="diagnostic_injection_count"',
        html,
        re.S,
    )


def test_each_question_of_the_tests_page_is_on_it_once(client):
    # Ids are unique on a page: a follow-up revealed by any of several boxes is asked once.
    _start(client)
    html = client.get("/step/tests").get_data(as_text=True)
    ids = re.findall(r' id="([^"]+)"', _main(html))
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert html.count("What were you told about the scans?") == 1
    assert html.count("What problem did the scans show?") == 1


def test_follow_ups_are_not_stored_when_their_condition_is_false(client):
    _start(client)
    data = {
        "exam_done": "no",
        "exam_result": "reproduced_pain",
        "exam_positive_tests": "lots",  # ignored, so no error either
        "imaging": ["none"],
        "imaging_result": "normal",
        "imaging_other_problem": ["fracture"],
    }
    response = _post(client, "tests", data)
    assert response.status_code == 302
    assert _stored() == {"exam_done": "no", "imaging": ["none"]}


def test_follow_ups_are_required_when_their_condition_holds(client):
    _start(client)
    html = _post(client, "tests", {"exam_done": "yes", "imaging": ["ct"]}).get_data(as_text=True)
    assert [k for k, _m in _errors(html)] == ["exam_result", "imaging_result"]
    html = _post(client, "injection", {"diagnostic_injection": "yes"}).get_data(as_text=True)
    assert _errors(html) == [
        ("diagnostic_injection_count", "Enter how many numbing injections you have had")
    ]


def test_what_a_different_problem_was_is_kept_when_asked(client):
    _start(client)
    data = {
        "imaging": ["mri"],
        "imaging_result": "other_problem",
        "imaging_other_problem": ["disc_problem", "hip_arthritis"],
    }
    assert _post(client, "tests", data).status_code == 302
    assert _stored()["imaging_other_problem"] == ["disc_problem", "hip_arthritis"]
    _post(client, "tests", {**data, "imaging_result": "normal"})
    assert "imaging_other_problem" not in _stored()


def test_changing_an_earlier_answer_deletes_answers_that_no_longer_apply(client):
    _start(client)
    _post(client, "tests")
    assert _stored()["exam_result"] == "reproduced_pain"
    _post(client, "tests", {"exam_done": "no", "imaging": []})
    assert _stored() == {"exam_done": "no"}


# --- one page per treatment tried ----------------------------------------------------------------


def test_a_treatment_ticked_gets_its_own_page_and_one_not_ticked_is_skipped(client):
    _start(client)
    for key in ("about", "pain", "pain_more", "pain_scores", "activities"):
        _post(client, key)
    response = _post(
        client, "treatments", {"treatments_tried": ["physical_therapy", "steroid_injection"]}
    )
    assert response.location == "/step/treatment_physical_therapy"
    html = client.get(response.location).get_data(as_text=True)
    assert _title(html) == ("Physical therapy (physiotherapy) – step 9 of 14 – SI joint screening")
    assert "For about how many weeks did you try physical therapy?" in html
    assert "How did physical therapy work for you?" in html
    assert _back(html) == "/step/treatments"

    response = _post(client, "treatment_physical_therapy")
    assert response.location == "/step/treatment_steroid_injection"
    html = client.get(response.location).get_data(as_text=True)
    assert _title(html) == (
        "A steroid injection into the SI joint to treat the pain – step 10 of 14 – "
        "SI joint screening"
    )
    assert "How many steroid injections into the SI joint have you had?" in html
    assert "After the injection that helped most, for how many weeks was the pain better?" in html
    assert "How did steroid injections work for you?" in html
    assert "weeks did you try steroid" not in html
    # Back skips the pages of treatments not tried
    assert _back(html) == "/step/treatment_physical_therapy"

    response = _post(client, "treatment_steroid_injection")
    assert response.location == "/step/treatment_started"
    html = client.get(response.location).get_data(as_text=True)
    assert _title(html) == "When treatment started – step 11 of 14 – SI joint screening"
    assert _back(html) == "/step/treatment_steroid_injection"
    assert 'for="treatment_started-month">Month</label>' in html
    assert _post(client, "treatment_started").location == "/step/tests"
    html = client.get("/step/tests").get_data(as_text=True)
    assert _title(html) == "Tests you have had – step 12 of 14 – SI joint screening"
    assert _back(html) == "/step/treatment_started"
    assert _stored()["steroid_injection_count"] == 2
    assert _stored()["steroid_injection_relief_weeks"] == 3


def test_a_direct_link_to_a_page_that_does_not_apply_goes_where_the_patient_should_continue(
    client,
):
    _start(client)
    _post(client, "about")
    _post(client, "pain")
    _post(client, "treatments", {"treatments_tried": ["medication"]})
    # Not tried: its page is skipped, and opening it leads to the first unanswered page
    response = client.get("/step/treatment_physical_therapy")
    assert response.status_code == 302
    assert response.location == "/step/pain_scores"
    assert client.get("/step/treatment_medication").status_code == 200
    # Nothing posted to a skipped page is kept
    _post(client, "treatment_physical_therapy")
    assert "physical_therapy_weeks" not in _stored()
    # Numbing injection details before saying there were any
    assert client.get("/step/injection_details").location == "/step/pain_scores"


def test_no_treatment_tried_skips_every_treatment_page_and_when_treatment_started(client):
    _start(client)
    response = _post(client, "treatments", {"treatments_tried": ["none"]})
    assert response.location == "/step/tests"
    html = client.get("/step/tests").get_data(as_text=True)
    assert _back(html) == "/step/treatments"
    assert _title(html) == "Tests you have had – step 9 of 11 – SI joint screening"
    assert client.get("/step/treatment_started").status_code == 302


def test_a_page_with_one_question_only_asks_it_as_the_heading(client):
    _treatment_page(client, ["radiofrequency_ablation"])
    html = client.get("/step/treatment_radiofrequency_ablation").get_data(as_text=True)
    assert re.search(
        r"<legend[^>]*>.*<h1 class=\"fieldset__heading\">How did the nerve treatment work for you\?",
        html,
        re.S,
    )
    assert "weeks" not in _main(html).split("<form")[1].split("</form>")[0]
    assert _post(client, "treatment_radiofrequency_ablation").location == (
        "/step/treatment_started"
    )
    assert _stored()["radiofrequency_ablation_result"] == "no_relief"


def test_unticking_a_treatment_on_an_earlier_page_deletes_its_answers(client):
    _treatment_page(client, ["physical_therapy", "home_exercise"])
    _post(client, "treatment_physical_therapy")
    _post(client, "treatment_home_exercise")
    _post(client, "treatment_started")
    assert _stored()["home_exercise_weeks"] == 20
    _post(client, "treatments", {"treatments_tried": ["none"]})
    assert _stored() == {"treatments_tried": ["none"]}


def test_unticking_a_treatment_from_check_answers_removes_its_answers_and_its_page(client):
    _answer_all(client)
    html = client.get("/check").get_data(as_text=True)
    assert 'href="/step/treatment_home_exercise?return=check#home_exercise_weeks"' in html
    response = _post(
        client, "treatments", {"treatments_tried": ["physical_therapy"]}, returning=True
    )
    assert response.location == "/check"
    stored = _stored()
    assert "home_exercise_weeks" not in stored and "home_exercise_result" not in stored
    assert stored["physical_therapy_weeks"] == 12
    html = client.get("/check").get_data(as_text=True)
    assert "An exercise programme at home" not in _main(html)
    assert "/step/treatment_home_exercise" not in html
    assert re.search(
        r"Physical therapy \(physiotherapy\)</dt>\s*<dd[^>]*>12 weeks · It helped for a while", html
    )
    assert client.get("/step/treatment_home_exercise").location == "/check"
    # The page numbers count the pages left: 14 instead of 15
    html = client.get("/step/health").get_data(as_text=True)
    assert _title(html) == "Other health conditions – step 14 of 14 – SI joint screening"


def test_ticking_a_new_treatment_from_check_answers_asks_its_page_then_returns(client):
    _answer_all(client)
    treatments = ["physical_therapy", "home_exercise", "si_belt"]
    response = _post(client, "treatments", {"treatments_tried": treatments}, returning=True)
    assert response.location == "/step/treatment_si_belt?return=check"
    # Check answers is not shown while the new page is unanswered
    assert client.get("/check").location == "/step/treatment_si_belt?return=check"
    html = client.get("/step/treatment_si_belt?return=check").get_data(as_text=True)
    assert "For about how many weeks did you try a pelvic belt?" in html
    assert _back(html) == "/check"
    assert 'action="/step/treatment_si_belt?return=check"' in html
    response = _post(client, "treatment_si_belt", returning=True)
    assert response.location == "/check"
    html = client.get("/check").get_data(as_text=True)
    assert re.search(
        r"A pelvic or SI joint belt \(brace\)</dt>\s*<dd[^>]*>8 weeks · It did not help", html
    )
    # The answers given before are all still there
    assert _stored()["physical_therapy_weeks"] == 12
    assert _stored()["treatment_started"] == "2025-08"


def test_a_first_treatment_ticked_from_check_answers_asks_its_page_and_when_treatment_started(
    client,
):
    _answer_all(client, {"treatments": {"treatments_tried": ["none"]}})
    assert client.get("/check").status_code == 200
    response = _post(client, "treatments", {"treatments_tried": ["medication"]}, returning=True)
    assert response.location == "/step/treatment_medication?return=check"
    response = _post(client, "treatment_medication", returning=True)
    assert response.location == "/step/treatment_started?return=check"
    response = _post(client, "treatment_started", returning=True)
    assert response.location == "/check"


# --- the numbing injections -------------------------------------------------------------------------


def test_injection_2_is_asked_only_when_there_were_2_or_more(client):
    _start(client)
    _post(client, "injection", {"diagnostic_injection": "yes", "diagnostic_injection_count": "1"})
    html = client.get("/step/injection_details").get_data(as_text=True)
    assert "Injection 1: what was used to guide the needle?" in html
    assert "Injection 1: in the hours after it, how much less pain did you have?" in html
    assert "Injection 1: how long did the pain relief last?" in html
    assert "Injection 2" not in html
    assert 'name="injection_2_guidance"' not in html
    # Posted anyway: ignored
    response = _post(client, "injection_details")
    assert response.status_code == 302
    assert "injection_2_relief" not in _stored()
    assert _stored()["injection_1_relief"] == 80

    _post(client, "injection", {"diagnostic_injection": "yes", "diagnostic_injection_count": "3"})
    html = client.get("/step/injection_details").get_data(as_text=True)
    assert "Injection 2: what was used to guide the needle?" in html
    assert "tell us about the 2 most recent" in html
    # Injection 1's answers are kept, injection 2's are now required
    assert 'value="80"' in _box(html, "injection_1_relief")
    body = {k: v for k, v in POSTS["injection_details"].items() if k.startswith("injection_1")}
    html = _post(client, "injection_details", body).get_data(as_text=True)
    assert _errors(html) == [
        ("injection_2_guidance", "Select what guided the needle for injection 2"),
        ("injection_2_relief", "Enter how much less pain you had after injection 2"),
        ("injection_2_relief_lasted", "Select how long the relief from injection 2 lasted"),
    ]


def test_fewer_injections_from_check_answers_removes_injection_2(client):
    _answer_all(client)
    html = client.get("/check").get_data(as_text=True)
    assert re.search(
        r"Numbing injection 2</dt>\s*<dd[^>]*>An X-ray or CT scan · 85% less pain · A few hours",
        html,
    )
    response = _post(
        client,
        "injection",
        {"diagnostic_injection": "yes", "diagnostic_injection_count": "1"},
        returning=True,
    )
    assert response.location == "/check"
    assert not any(key.startswith("injection_2") for key in _stored())
    html = client.get("/check").get_data(as_text=True)
    assert "Numbing injection 2" not in html
    assert re.search(
        r"Numbing injection 1</dt>\s*<dd[^>]*>An X-ray or CT scan · 80% less pain · A few hours",
        html,
    )
    # No injection at all: the details page goes too
    _post(client, "injection", {"diagnostic_injection": "no"}, returning=True)
    assert not any(key.startswith("injection_") for key in _stored())
    assert client.get("/step/injection_details").location == "/check"


# --- check answers and change links ---------------------------------------------------------------


def test_check_answers_lists_every_answer_in_words_by_section(client):
    _answer_all(client)
    html = client.get("/check").get_data(as_text=True)
    assert "<title>Check your answers before you send them – SI joint screening</title>" in html
    for title in (
        "Signs that need help now",
        "About you",
        "Your pain",
        "Treatments you have tried",
        "Tests and other health conditions",
    ):
        assert f'<h2 class="heading-m">{title}</h2>' in html
    assert re.search(r"When did this pain start\?</dt>\s*<dd[^>]*>May 2025<", html)
    assert "Lower back, Buttock" in html
    assert re.search(r"Date of birth</dt>\s*<dd[^>]*>14 May 1972<", html)
    assert re.search(r"Height</dt>\s*<dd[^>]*>170 cm<", html)
    assert re.search(
        r"over the past week, how bad was your pain on average\?</dt>\s*<dd[^>]*>7 out of 10<",
        html,
        re.I,
    )
    assert re.search(r"Activity 1</dt>\s*<dd[^>]*>Putting on socks · 3 out of 10<", html)
    # The appointment date was skipped
    assert re.search(r"Appointment</dt>\s*<dd[^>]*>Not provided<", html)
    assert 'Change<span class="visually-hidden"> when the pain started</span>' in html
    assert 'href="/step/pain?return=check#pain_started"' in html
    assert re.search(
        r"Which treatments without surgery have you tried for this pain\?</dt>\s*"
        r"<dd[^>]*>Physical therapy \(physiotherapy\), An exercise programme at home<",
        html,
    )
    # A treatment's questions are one row, its Change link goes to the first of them.
    assert re.search(
        r"Physical therapy \(physiotherapy\)</dt>\s*<dd[^>]*>12 weeks · "
        r"It helped for a while, then the pain came back<",
        html,
    )
    assert 'href="/step/treatment_physical_therapy?return=check#physical_therapy_weeks"' in html
    assert re.search(
        r"When did you first have treatment for this pain\?</dt>\s*<dd[^>]*>August 2025<", html
    )
    assert 'href="/step/injection_details?return=check#injection_1_guidance"' in html
    # Treatments not tried have no row
    assert "Pain medicine" not in _main(html)
    assert "/step/treatment_medication" not in html


def test_change_link_returns_to_check_answers(client):
    _answer_all(client)
    html = client.get("/step/pain?return=check").get_data(as_text=True)
    assert 'action="/step/pain?return=check"' in html
    assert '<a href="/check" class="back-link">' in html
    response = _post(
        client,
        "pain",
        {**POSTS["pain"], "pain_started-month": "11", "pain_started-year": "2024"},
        returning=True,
    )
    assert response.location.endswith("/check")
    html = client.get("/check").get_data(as_text=True)
    assert re.search(r"When did this pain start\?</dt>\s*<dd[^>]*>November 2024<", html)


def test_a_change_that_asks_a_new_question_on_a_later_page_goes_there_first(client):
    _answer_all(client, {"injection": {"diagnostic_injection": "no"}})
    assert client.get("/check").status_code == 200
    response = _post(client, "injection", returning=True)
    assert response.location.endswith("/step/injection_details?return=check")
    assert client.get("/check").location.endswith("/step/injection_details?return=check")


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
    # Pages can no longer be changed
    response = _post(
        client, "pain", {**POSTS["pain"], "pain_started-month": "1", "pain_started-year": "2026"}
    )
    assert response.location.endswith("/confirmation")
    assert db.session.scalar(select(Screening)).answers["pain_started"] == "2025-05"
    response = _post(client, "treatments", {"treatments_tried": ["none"]})
    assert response.location.endswith("/confirmation")
    assert db.session.scalar(select(Screening)).answers["physical_therapy_weeks"] == 12
    assert client.get("/step/pain").location.endswith("/confirmation")
    assert client.get("/step/treatment_physical_therapy").location.endswith("/confirmation")
    assert client.get("/check").location.endswith("/confirmation")
    assert client.post("/delete").location.endswith("/confirmation")


def test_confirmation_shows_reference_next_steps_and_no_verdict(client):
    _answer_all(client)
    html = _main(_submit(client))
    assert "Your answers have been sent" in html
    assert "What happens next" in html
    assert "Things your specialist may ask about" in html
    assert "not a diagnosis" in html
    assert "reports or letters about your scans or X-rays" in html
    assert "What are all my options, including not having surgery?" in html
    assert "/summary.pdf" in html
    # No verdict of any kind on a patient page: no overall sentence, no status tags.
    for verdict in (
        "Matches",
        "Does not match",
        "main criterion",
        "main criteria",
        "criteria met",
        "tag--met",
        "tag--not_met",
        "candidate",
    ):
        assert verdict not in html, verdict


def test_confirmation_names_what_could_not_be_told_from_the_answers(client):
    # The exam was not done: its criterion is not known in both profiles, named once.
    _answer_all(client, {"tests": {"exam_done": "not_sure"}})
    html = _main(_submit(client))
    assert "We could not tell these from your answers" in html
    assert html.count("<li>Physical examination</li>") == 1
    assert "Matches" not in html and "Not known" not in html


def test_confirmation_before_submit_goes_back_to_the_questions(client):
    _start(client)
    assert client.get("/confirmation").location.endswith("/step/pain")


def test_submit_with_a_required_answer_missing_goes_to_that_step(client):
    _start(client)
    _post(client, "pain")
    assert client.post("/check").location.endswith("/step/pain_scores?return=check")
    _post(client, "pain_scores")
    _post(client, "treatments")
    # A treatment ticked whose page is unanswered
    assert client.post("/check").location.endswith("/step/treatment_physical_therapy?return=check")
    assert db.session.scalar(select(Screening.status)) == "draft"


# --- red flags -------------------------------------------------------------------------------------


# (tests/test_safety.py has the rest: both levels, the history, coming back after a day.)

EMERGENCY = "Call your emergency number or go to an emergency department now"


def test_red_flag_warning_is_shown_as_soon_as_the_safety_step_is_submitted(client):
    _start(client, safety=False)
    data = dict(POSTS["safety_emergency"], rf_saddle_numbness="yes")
    response = _post(client, "safety_emergency", data)
    assert response.location == "/urgent?after=safety_emergency"
    html = client.get(response.location).get_data(as_text=True)
    main = _main(html)
    assert main.index(EMERGENCY) < main.index("Numbness around the genitals or bottom")
    assert f"<title>{EMERGENCY} – SI joint screening</title>" in html


def test_no_red_flag_goes_straight_on(client):
    _start(client, safety=False)
    assert _post(client, "safety_emergency").location == "/step/safety_urgent"
    assert _post(client, "safety_urgent").location == "/step/about"
    assert client.get("/urgent").status_code == 302


def test_red_flags_are_the_first_thing_on_the_confirmation_page(client):
    emergency = dict(POSTS["safety_emergency"], rf_bladder_bowel="yes", rf_leg_weakness="yes")
    seen = _answer_all(client, {"safety_emergency": emergency})
    assert seen == ["safety_emergency"]  # then the advice page
    client.get("/urgent?after=safety_emergency")
    location = _post(client, "safety_urgent").location
    while location.startswith("/step/"):
        location = _post(client, location.removeprefix("/step/")).location
    html = _main(_submit(client))
    first_heading = re.search(r"<h1[^>]*>([^<]+)</h1>", html).group(1)
    assert first_heading == EMERGENCY
    assert html.index(EMERGENCY) < html.index("Your reference")
    assert "Bladder or bowels" in html
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
    html = _save_page(client, "pain", {"pain_started-month": "5", "pain_started-year": "2025"})
    code = _code_in(html)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert "Write this code down" in html
    expires = (dt.date.today() + dt.timedelta(days=app.config["RESUME_CODE_DAYS"])).strftime(
        "%-d %B %Y"
    )
    assert expires in html
    # A partial page is saved: valid answers kept, missing required ones are not errors
    assert _stored()["pain_started"] == "2025-05"
    assert "pain_locations" not in _stored()
    screening = db.session.scalar(select(Screening))
    assert code not in (screening.resume_code_hash or "")


def test_saving_a_page_with_a_wrong_answer_keeps_the_others_and_says_which(client):
    _start(client)
    response = _post(
        client,
        "pain",
        {
            "pain_started-month": "13",
            "pain_started-year": "2025",
            "pain_locations": ["lower_back", "buttock"],
        },
        action="save",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The saved page (a code), the valid answer kept, the wrong one named with its reason.
    assert _code_in(html)
    assert _stored() == {"pain_locations": ["lower_back", "buttock"]}
    assert (
        "We did not keep: When the pain started — When the pain started must be a real date" in html
    )


def test_saving_a_treatment_page_half_done_keeps_it_and_resume_comes_back_to_it(client, app):
    _treatment_page(client, ["physical_therapy", "medication"])
    _save(client, "treatment_physical_therapy", {"physical_therapy_weeks": "12"})
    assert _stored()["physical_therapy_weeks"] == 12
    code = _save(client, "treatment_physical_therapy", {"physical_therapy_weeks": "12"})
    other = app.test_client()
    # The first page with a required answer missing: about and pain come first
    assert other.post("/resume", data={"code": code}).location.endswith("/step/pain")
    html = other.get("/step/treatment_physical_therapy").get_data(as_text=True)
    assert 'value="12"' in _box(html, "physical_therapy_weeks")


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
        assert 'value="5"' in _box(html, "pain_started-month")
        assert 'value="2025"' in _box(html, "pain_started-year")
        db.session.remove()


def test_resume_when_everything_is_answered_goes_to_check_answers(client, app):
    _answer_all(client)
    code = _save(client, "health")
    other = app.test_client()
    assert other.post("/resume", data={"code": code}).location.endswith("/check")


def test_resume_with_a_treatment_page_unanswered_goes_to_that_page(client, app):
    _answer_all(client)
    _post(
        client,
        "treatments",
        {"treatments_tried": ["physical_therapy", "home_exercise", "manual_therapy"]},
    )
    code = _save(client, "health")
    other = app.test_client()
    response = other.post("/resume", data={"code": code})
    assert response.location.endswith("/step/treatment_manual_therapy")


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
    assert response.location.endswith("/step/safety_emergency")
    seen = []
    location = response.location
    while location.startswith("/step/"):
        key = location.removeprefix("/step/")
        seen.append(key)
        page = client.get(location).get_data(as_text=True)
        data = {**POSTS[key], "csrf_token": csrf_token(page)}
        response = client.post(location, data=data)
        assert response.status_code == 302, key
        location = response.location
    assert seen == JOURNEY
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
    assert 'value="5"' in _box(html, "pain_started-month")
    assert 'value="2025"' in _box(html, "pain_started-year")
    assert re.search(r'value="buttock" checked', html)
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
    _answer_all(
        client, {"activities": {"activity_1": "Gardening with Pat", "activity_1_score": "2"}}
    )
    code = _save(client, "health")
    client.post("/resume", data={"code": code})
    client.post("/step/pain", data={**POSTS["pain"], "pain_started-month": "sixteen"})
    _submit(client)
    logged = caplog.text
    for secret in (
        "Alex Example",
        "1972-05-14",
        "Gardening with Pat",
        code,
        code.replace("-", ""),
        "sixteen",
    ):
        assert secret not in logged


def test_what_a_patient_types_is_escaped(client):
    _start(client)
    _post(client, "about", {"name": "<script>alert(1)</script>"})
    html = client.get("/step/about").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Typed into a date box and an activity, shown back with the error
    html = _post(
        client,
        "pain",
        {"pain_started-month": '"><b>x</b>', "pain_started-year": "2025", "pain_locations": "hip"},
    ).get_data(as_text=True)
    assert "<b>x</b>" not in html
    assert "&#34;&gt;&lt;b&gt;x&lt;/b&gt;" in _box(html, "pain_started-month")
    html = _post(client, "activities", {"activity_1": "<img src=x onerror=alert(1)>" * 5}).get_data(
        as_text=True
    )
    assert "<img src=x" not in html


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


WEEKS = "how many weeks you tried physical therapy"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1,5", f"Enter {WEEKS} as a whole number without commas, dots or spaces, like 12"),
        ("7.5", f"Enter {WEEKS} as a whole number without commas, dots or spaces, like 12"),
        ("--5", f"Enter {WEEKS} as a whole number, like 12"),
        ("---0", f"Enter {WEEKS} as a whole number, like 12"),
        ("+5", f"Enter {WEEKS} as a whole number, like 12"),
        ("0" * 5000 + "5", f"Enter {WEEKS} as a whole number, like 12"),
        ("\uff11\uff12", f"Enter {WEEKS} using the digits 0 to 9, like 12"),
    ],
)
def test_a_number_that_is_not_plain_digits_is_refused_and_the_saved_answer_kept(
    client, typed, message
):
    _treatment_page(client, ["physical_therapy"])
    assert _post(client, "treatment_physical_therapy").status_code == 302
    assert _stored()["physical_therapy_weeks"] == 12
    body = dict(POSTS["treatment_physical_therapy"], physical_therapy_weeks=typed)
    response = _post(client, "treatment_physical_therapy", body)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _errors(html) == [("physical_therapy_weeks", message)]
    assert _error_beside("physical_therapy_weeks", message) in html
    assert _stored()["physical_therapy_weeks"] == 12


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
