"""Answer inputs of the building blocks: dates and months in boxes, heights and weights in either
unit, percentages and 0-10 scales, through the form (posted names), JSON checks, wording and the
form macro. Questions are built here, so these tests hold whatever the questionnaire asks."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict

from screening import forms
from screening.definition import (
    AnswerError,
    Choice,
    DefinitionError,
    Question,
    Section,
    Step,
    When,
    build,
)

TODAY = dt.date(2026, 5, 20)


def _step(key: str, *items: Question) -> Step:
    (section,) = build(Section(f"section_{key}", "Section", steps=(Step(key, "Step", items),)))
    return section.steps[0]


DOB = Question(
    "dob",
    "date",
    "Your date of birth",
    "your date of birth",
    hint="For example, 27 3 1970",
    date_rule="past",
    autocomplete="bday",
)
STARTED = Question("started", "month", "When did the pain start?", "when the pain started")
HEIGHT = Question(
    "height_cm", "integer", "Your height", "your height", min=100, max=250, units="height"
)
WEIGHT = Question(
    "weight_kg", "integer", "Your weight", "your weight", min=30, max=300, units="weight"
)
RELIEF = Question(
    "relief",
    "integer",
    "How much less pain did you have?",
    "how much less pain you had",
    min=0,
    max=100,
    percent=True,
)
PAIN = Question(
    "pain",
    "integer",
    "How bad is your pain?",
    "how bad your pain is",
    hint="0 is no pain, 10 is the worst pain you can imagine",
    min=0,
    max=10,
    scale=True,
    required=True,
)

DATES = _step("dates", DOB)
MONTHS = _step("months", STARTED)
UNITS = _step("units", HEIGHT, WEIGHT)
NUMBERS = _step("numbers", RELIEF, PAIN)
REQUIRED_DATE = _step(
    "required_date", Question("seen", "date", "When were you seen?", "the date", required=True)
)
MIXED = _step(
    "mixed",
    Question(
        "injured",
        "single",
        "Have you had an injury?",
        "if you had an injury",
        choices=(Choice("yes", "Yes"), Choice("no", "No")),
    ),
    Question(
        "injured_on",
        "month",
        "When was the injury?",
        "when the injury was",
        when=(When("injured", "eq", "yes"),),
    ),
    Question(
        "places",
        "multi",
        "Where does it hurt?",
        "where it hurts",
        choices=(Choice("back", "Back"), Choice("hip", "Hip")),
    ),
    Question("name", "text", "Your name", "your name", max_length=10),
)


def _post(step: Step, data: dict[str, str], stored: dict | None = None, *, partial=False):
    form = forms.step_form(step, formdata=MultiDict(data))
    return form, form.clean(stored or {}, partial=partial)


def _error(step: Step, data: dict[str, str], *, partial=False) -> tuple[str, str]:
    form, values = _post(step, data, partial=partial)
    assert values is None
    (error,) = form.error_list
    return error


PAGE = (
    '{% from "macros/form.html" import question, error_summary %}'
    "{% if errors %}{{ error_summary(errors) }}{% endif %}"
    '{% for block in blocks %}{{ question(block, heading="h2") }}{% endfor %}'
)


def _render(form: forms.StepForm, stored: dict | None = None) -> str:
    return render_template_string(
        PAGE, blocks=forms.layout(form, stored or {}), errors=form.error_list
    )


def _input(html: str, id: str) -> str:
    """The whole <input> tag with this id."""
    found = re.findall(rf'<input [^>]*\bid="{re.escape(id)}"[^>]*>', html)
    assert len(found) == 1, (id, found)
    return found[0]


# --- dates: three boxes ------------------------------------------------------------------------


def test_a_date_typed_in_three_boxes_is_stored_as_iso():
    form, values = _post(DATES, {"dob-day": "14", "dob-month": "5", "dob-year": "1972"})
    assert values == {"dob": "1972-05-14"}
    form, values = _post(DATES, {"dob-day": " 04 ", "dob-month": "05", "dob-year": "1972"})
    assert values == {"dob": "1972-05-04"}
    assert _post(DATES, {"dob-day": "29", "dob-month": "2", "dob-year": "2024"})[1] == {
        "dob": "2024-02-29"
    }


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "first_box"),
    [
        ("29", "2", "2023", "Your date of birth must be a real date", "dob-day"),
        ("31", "4", "1980", "Your date of birth must be a real date", "dob-day"),
        ("1", "13", "2000", "Your date of birth must be a real date", "dob-month"),
        ("32", "5", "1972", "Your date of birth must be a real date", "dob-day"),
        ("0", "5", "1972", "Your date of birth must be a real date", "dob-day"),
        ("x", "13", "1972", "Your date of birth must be a real date", "dob-day"),
        ("١٤", "5", "1972", "Your date of birth must be a real date", "dob-day"),
        ("14", "5", "19x2", "Your date of birth must be a real date", "dob-year"),
        ("1", "1", "99", "Your date of birth must include a year with 4 numbers", "dob-year"),
        ("1", "1", "01972", "Your date of birth must include a year with 4 numbers", "dob-year"),
        ("", "5", "1972", "Your date of birth must include a day", "dob-day"),
        ("14", "", "1972", "Your date of birth must include a month", "dob-month"),
        ("14", "5", "", "Your date of birth must include a year", "dob-year"),
        ("", "", "1972", "Your date of birth must include a day and month", "dob-day"),
        ("", "5", "", "Your date of birth must include a day and year", "dob-day"),
        ("14", "", "", "Your date of birth must include a month and year", "dob-month"),
        ("1", "1", "2999", "Your date of birth must be today or in the past", "dob-day"),
        ("1", "1", "1850", "Your date of birth must be within the last 120 years", "dob-day"),
    ],
)
def test_a_date_in_boxes_gets_the_gov_uk_message_linked_to_the_first_box_with_a_problem(
    day, month, year, message, first_box
):
    posted = {"dob-day": day, "dob-month": month, "dob-year": year}
    assert _error(DATES, posted) == (first_box, message)


def test_only_the_boxes_with_a_problem_are_shown_in_error(app):
    form, _ = _post(DATES, {"dob-day": "1", "dob-month": "13", "dob-year": "2000"})
    html = _render(form)
    assert "input--error" in _input(html, "dob-month")
    assert "input--error" not in _input(html, "dob-day")
    assert "input--error" not in _input(html, "dob-year")
    # A date in the future: the date as a whole
    form, _ = _post(DATES, {"dob-day": "1", "dob-month": "1", "dob-year": "2999"})
    html = _render(form)
    for box in ("dob-day", "dob-month", "dob-year"):
        assert "input--error" in _input(html, box)
    # Missing day and month: those two
    form, _ = _post(DATES, {"dob-day": "", "dob-month": "", "dob-year": "1972"})
    html = _render(form)
    assert "input--error" in _input(html, "dob-day")
    assert "input--error" in _input(html, "dob-month")
    assert "input--error" not in _input(html, "dob-year")


def test_an_empty_date_is_no_answer_unless_required_and_save_for_later_keeps_the_rules():
    assert _post(DATES, {"dob-day": "", "dob-month": "", "dob-year": ""})[1] == {"dob": None}
    assert _post(DATES, {})[1] == {"dob": None}
    empty = {"seen-day": "", "seen-month": "", "seen-year": ""}
    assert _error(REQUIRED_DATE, empty) == ("seen-day", "Enter the date")
    # Save and come back later: missing is fine, wrong is not
    assert _post(REQUIRED_DATE, empty, partial=True)[1] == {"seen": None}
    half = {"seen-day": "3", "seen-month": "", "seen-year": ""}
    assert _error(REQUIRED_DATE, half, partial=True) == (
        "seen-month",
        "The date must include a month and year",
    )


def test_a_whole_iso_date_posted_under_the_key_is_still_accepted():
    # Scripts and older tests post date_of_birth=1972-05-14 as one value.
    assert _post(DATES, {"dob": "1972-05-14"})[1] == {"dob": "1972-05-14"}
    assert _error(DATES, {"dob": "31/02/1970"}) == (
        "dob-day",
        "Enter your date of birth as a real date, like 1970-03-27",
    )
    # The boxes win when both are sent
    posted = {"dob": "1999-01-01", "dob-day": "14", "dob-month": "5", "dob-year": "1972"}
    assert _post(DATES, posted)[1] == {"dob": "1972-05-14"}


def test_a_whole_iso_date_posted_under_the_key_is_shown_back_in_the_boxes(app):
    form, _ = _post(DATES, {"dob": "2999-01-31"})
    html = _render(form)
    assert 'value="31"' in _input(html, "dob-day")
    assert 'value="1"' in _input(html, "dob-month")
    assert 'value="2999"' in _input(html, "dob-year")


def test_the_json_form_of_a_date_is_unchanged():
    assert DOB.check("1972-05-14", TODAY) == "1972-05-14"
    for wrong in ("1972-5-14", "14/05/1972", 19720514, "1972-02-30"):
        with pytest.raises(AnswerError) as caught:
            DOB.check(wrong, TODAY)
        assert caught.value.message == "Enter your date of birth as a real date, like 1970-03-27"
    assert DOB.in_words("1972-05-14") == "14 May 1972"


def test_date_boxes_render_as_a_gov_uk_date_input(app):
    form, _ = _post(DATES, {"dob-day": "29", "dob-month": "2", "dob-year": "2023"})
    html = _render(form)
    assert '<fieldset class="fieldset" role="group" aria-describedby="dob-hint dob-error">' in html
    assert re.search(r"<legend[^>]*>.*Your date of birth \(optional\).*</legend>", html, re.S)
    assert '<div class="hint" id="dob-hint">For example, 27 3 1970</div>' in html
    assert (
        '<p class="error-message" id="dob-error"><span class="visually-hidden">Error:</span> '
        "Your date of birth must be a real date</p>"
    ) in html
    assert '<div class="date-input" id="dob">' in html
    for box, label, width, value, auto in (
        ("dob-day", "Day", "2", "29", "bday-day"),
        ("dob-month", "Month", "2", "2", "bday-month"),
        ("dob-year", "Year", "4", "2023", "bday-year"),
    ):
        tag = _input(html, box)
        assert f'name="{box}"' in tag
        assert f"input--width-{width}" in tag
        assert 'inputmode="numeric"' in tag
        assert f'value="{value}"' in tag
        assert f'autocomplete="{auto}"' in tag
        assert f'<label class="label date-input__label" for="{box}">{label}</label>' in html
    # The error summary links to the first box
    assert '<li><a href="#dob-day">Your date of birth must be a real date</a></li>' in html
    # No box is named after the key alone
    assert 'name="dob"' not in html


def test_a_stored_date_is_shown_back_in_its_boxes_without_leading_zeros(app):
    form = forms.step_form(DATES, answers={"dob": "1972-05-04"})
    html = _render(form, {"dob": "1972-05-04"})
    assert 'value="4"' in _input(html, "dob-day")
    assert 'value="5"' in _input(html, "dob-month")
    assert 'value="1972"' in _input(html, "dob-year")
    assert "error" not in html


def test_a_stored_date_that_breaks_a_rule_shows_its_error_on_all_boxes(app):
    form = forms.step_form(DATES, answers={"dob": "2999-01-01"})
    form.check_stored({"dob": "2999-01-01"})
    assert form.error_list == [("dob-day", "Your date of birth must be today or in the past")]
    html = _render(form)
    for box in ("dob-day", "dob-month", "dob-year"):
        assert "input--error" in _input(html, box)


def test_date_boxes_without_bday_have_no_autocomplete(app):
    form = forms.step_form(REQUIRED_DATE)
    html = _render(form)
    assert "autocomplete" not in html
    assert 'id="seen-day"' in html


# --- months: two boxes, stored YYYY-MM ---------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "year", "stored"),
    [("3", "2025", "2025-03"), ("03", "2025", "2025-03"), ("12", "1990", "1990-12")],
)
def test_a_month_typed_in_two_boxes_is_stored_as_year_and_month(month, year, stored):
    posted = {"started-month": month, "started-year": year}
    assert _post(MONTHS, posted)[1] == {"started": stored}


@pytest.mark.parametrize(
    ("month", "year", "message", "first_box"),
    [
        ("", "2025", "When the pain started must include a month", "started-month"),
        ("3", "", "When the pain started must include a year", "started-year"),
        ("13", "2025", "When the pain started must be a real date", "started-month"),
        ("0", "2025", "When the pain started must be a real date", "started-month"),
        ("March", "2025", "When the pain started must be a real date", "started-month"),
        ("3", "99", "When the pain started must include a year with 4 numbers", "started-year"),
        ("1", "2999", "When the pain started must be this month or in the past", "started-month"),
        ("1", "1850", "When the pain started must be within the last 120 years", "started-month"),
    ],
)
def test_a_month_in_boxes_gets_the_gov_uk_message(month, year, message, first_box):
    posted = {"started-month": month, "started-year": year}
    assert _error(MONTHS, posted) == (first_box, message)


def test_a_whole_month_posted_under_the_key_is_accepted():
    assert _post(MONTHS, {"started": "2025-03"})[1] == {"started": "2025-03"}


def test_month_json_check_accepts_only_year_dash_month():
    assert STARTED.check("2025-03", TODAY) == "2025-03"
    assert STARTED.check("2026-05", TODAY) == "2026-05"  # this month is fine
    assert STARTED.check("1906-05", TODAY) == "1906-05"  # 120 years ago to the month
    wrong = "Enter when the pain started as a year and month, like 2025-03"
    for value in ("2025-3", "2025-13", "2025-00", "2025-03-01", "03/2025", 202503, "0000-01"):
        with pytest.raises(AnswerError) as caught:
            STARTED.check(value, TODAY)
        assert caught.value.message == wrong, value
    with pytest.raises(
        AnswerError, match="^When the pain started must be this month or in the past$"
    ):
        STARTED.check("2026-06", TODAY)
    with pytest.raises(AnswerError, match="^When the pain started must be within the last 120"):
        STARTED.check("1906-04", TODAY)


def test_a_month_with_the_any_rule_is_within_5_years():
    appointment = Question("booked", "month", "Booked for", "the month booked", date_rule="any")
    assert appointment.check("2031-12", TODAY) == "2031-12"
    with pytest.raises(AnswerError, match="^The month booked must be within 5 years of today$"):
        appointment.check("2032-01", TODAY)


def test_a_month_in_words():
    assert STARTED.in_words("2025-03") == "March 2025"
    assert STARTED.in_words("1999-12") == "December 1999"
    assert STARTED.in_words(None) == "Not provided"


def test_a_month_in_words_follows_the_language_of_the_request(make_app):
    app = make_app()
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert STARTED.in_words("2025-03") == "marzo de 2025"
    with app.test_request_context("/"):
        assert STARTED.in_words("2025-03") == "March 2025"


def test_month_boxes_render_month_then_year(app):
    form = forms.step_form(MONTHS, answers={"started": "2025-03"})
    html = _render(form, {"started": "2025-03"})
    assert '<fieldset class="fieldset" role="group">' in html
    assert html.index('id="started-month"') < html.index('id="started-year"')
    assert 'value="3"' in _input(html, "started-month")
    assert "input--width-2" in _input(html, "started-month")
    assert 'value="2025"' in _input(html, "started-year")
    assert "input--width-4" in _input(html, "started-year")
    assert 'id="started-day"' not in html
    assert ">Month</label>" in html and ">Year</label>" in html and ">Day</label>" not in html


# --- heights and weights in either unit --------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "stored"),
    [
        ({"height_cm": "170"}, 170),
        ({"height_cm": "170", "height_cm-ft": "", "height_cm-in": ""}, 170),
        ({"height_cm": "", "height_cm-ft": "5", "height_cm-in": "7"}, 170),
        ({"height_cm-ft": "6", "height_cm-in": ""}, 183),  # 182.88 cm
        ({"height_cm-ft": "6", "height_cm-in": "0"}, 183),
        ({"height_cm-ft": "05", "height_cm-in": "07"}, 170),
        ({"height_cm-ft": "3", "height_cm-in": "4"}, 102),  # 101.6 cm: the least allowed
    ],
)
def test_a_height_in_centimetres_or_feet_and_inches_is_stored_in_whole_centimetres(posted, stored):
    assert _post(UNITS, posted)[1] == {"height_cm": stored, "weight_kg": None}


@pytest.mark.parametrize(
    ("posted", "stored"),
    [
        ({"weight_kg": "72"}, 72),
        ({"weight_kg-st": "11", "weight_kg-lb": "4"}, 72),  # 71.67 kg
        ({"weight_kg-st": "", "weight_kg-lb": "160"}, 73),  # 72.57 kg
        ({"weight_kg-st": "15"}, 95),  # 95.25 kg
    ],
)
def test_a_weight_in_kilograms_or_stones_and_pounds_is_stored_in_whole_kilograms(posted, stored):
    assert _post(UNITS, posted)[1] == {"height_cm": None, "weight_kg": stored}


HEIGHT_RANGE = "Your height must be between 100 cm and 250 cm (3 ft 4 in and 8 ft 2 in)"
WEIGHT_RANGE = "Your weight must be between 30 kg and 300 kg (4 st 10 lb and 47 st 4 lb)"


@pytest.mark.parametrize(
    ("posted", "error"),
    [
        (
            {"height_cm": "170", "height_cm-ft": "5", "height_cm-in": "7"},
            ("height_cm", "Enter your height in centimetres, or in feet and inches, not both"),
        ),
        (
            {"height_cm": "170", "height_cm-in": "2"},
            ("height_cm", "Enter your height in centimetres, or in feet and inches, not both"),
        ),
        (
            {"weight_kg": "72", "weight_kg-st": "11"},
            ("weight_kg", "Enter your weight in kilograms, or in stones and pounds, not both"),
        ),
        ({"height_cm": "99"}, ("height_cm", HEIGHT_RANGE)),
        ({"height_cm": "-170"}, ("height_cm", HEIGHT_RANGE)),
        ({"height_cm": "9" * 30}, ("height_cm", HEIGHT_RANGE)),
        ({"height_cm-ft": "3", "height_cm-in": "3"}, ("height_cm-ft", HEIGHT_RANGE)),
        ({"height_cm-ft": "8", "height_cm-in": "3"}, ("height_cm-ft", HEIGHT_RANGE)),
        ({"height_cm-in": "500"}, ("height_cm-in", HEIGHT_RANGE)),
        ({"height_cm-ft": "9" * 30}, ("height_cm-ft", HEIGHT_RANGE)),
        (
            {"height_cm": "1.7"},
            (
                "height_cm",
                "Enter your height as a whole number without commas, dots or spaces, like 12",
            ),
        ),
        (
            {"height_cm-ft": "5.5"},
            ("height_cm-ft", "Enter your height in feet and inches as whole numbers, like 5 and 7"),
        ),
        (
            {"height_cm-ft": "5", "height_cm-in": "seven"},
            ("height_cm-in", "Enter your height in feet and inches as whole numbers, like 5 and 7"),
        ),
        (
            {"height_cm-ft": "5", "height_cm-in": "12"},
            ("height_cm-in", "The inches for your height must be 11 or less"),
        ),
        ({"weight_kg": "301"}, ("weight_kg", WEIGHT_RANGE)),
        ({"weight_kg-st": "4", "weight_kg-lb": "9"}, ("weight_kg-st", WEIGHT_RANGE)),
        (
            {"weight_kg-st": "11", "weight_kg-lb": "14"},
            ("weight_kg-lb", "The pounds for your weight must be 13 or less"),
        ),
        (
            {"weight_kg-st": "-11"},
            (
                "weight_kg-st",
                "Enter your weight in stones and pounds as whole numbers, like 11 and 4",
            ),
        ),
    ],
)
def test_a_height_or_weight_that_cannot_be_stored_gets_one_clear_message(posted, error):
    assert _error(UNITS, posted) == error


def test_the_least_and_most_in_imperial_units_are_accepted():
    assert _post(UNITS, {"weight_kg-st": "4", "weight_kg-lb": "10"})[1]["weight_kg"] == 30
    assert _post(UNITS, {"weight_kg-st": "47", "weight_kg-lb": "4"})[1]["weight_kg"] == 300
    assert _post(UNITS, {"height_cm-ft": "8", "height_cm-in": "2"})[1]["height_cm"] == 249


def test_the_json_form_of_a_height_is_still_whole_centimetres():
    assert HEIGHT.check(170, TODAY) == 170
    with pytest.raises(AnswerError) as caught:
        HEIGHT.check("170", TODAY)
    assert caught.value.message == "Enter your height as a whole number, like 12"
    with pytest.raises(AnswerError) as caught:
        HEIGHT.check(99, TODAY)
    assert caught.value.message == "The number for your height must be 100 or more"
    assert HEIGHT.in_words(170) == "170"


def test_height_and_weight_boxes_render_both_units(app):
    form = forms.step_form(UNITS, answers={"height_cm": 170})
    html = _render(form, {"height_cm": 170})
    for box, label in (
        ("height_cm", "Centimetres"),
        ("height_cm-ft", "Feet"),
        ("height_cm-in", "Inches"),
        ("weight_kg", "Kilograms"),
        ("weight_kg-st", "Stones"),
        ("weight_kg-lb", "Pounds"),
    ):
        tag = _input(html, box)
        assert f'name="{box}"' in tag and 'inputmode="numeric"' in tag
        assert f'<label class="label date-input__label" for="{box}">{label}</label>' in html
    # A stored height comes back in the centimetres box only
    assert 'value="170"' in _input(html, "height_cm")
    assert 'value=""' in _input(html, "height_cm-ft")
    assert 'value=""' in _input(html, "height_cm-in")
    assert html.count('<p class="units__or">or</p>') == 2
    assert html.count('<fieldset class="fieldset" role="group">') == 2


def test_both_units_filled_in_shows_every_box_in_error_and_keeps_what_was_typed(app):
    posted = {"height_cm": "170", "height_cm-ft": "5", "height_cm-in": "7"}
    form, _ = _post(UNITS, posted)
    html = _render(form)
    for box, value in (("height_cm", "170"), ("height_cm-ft", "5"), ("height_cm-in", "7")):
        tag = _input(html, box)
        assert "input--error" in tag and f'value="{value}"' in tag
    assert 'aria-describedby="height_cm-error"' in html
    assert '<li><a href="#height_cm">Enter your height in centimetres, or in feet' in html
    # An error on the inches alone shows on that box only
    form, _ = _post(UNITS, {"height_cm-ft": "5", "height_cm-in": "12"})
    html = _render(form)
    assert "input--error" in _input(html, "height_cm-in")
    assert "input--error" not in _input(html, "height_cm-ft")
    assert "input--error" not in _input(html, "height_cm")
    assert '<li><a href="#height_cm-in">The inches for your height must be 11 or less' in html


# --- percentages -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["80", "80%", "80 %", " 80% ", "80\u00a0%", "080"])
def test_a_percentage_may_be_typed_with_or_without_the_sign(typed):
    assert _post(NUMBERS, {"relief": typed, "pain": "3"})[1] == {"relief": 80, "pain": 3}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("101%", "The number for how much less pain you had must be 100 or less"),
        ("-5%", "The number for how much less pain you had must be 0 or more"),
        ("80%%", "Enter how much less pain you had as a whole number, like 12"),
        ("%80", "Enter how much less pain you had as a whole number, like 12"),
        (
            "80.5%",
            "Enter how much less pain you had as a whole number without commas, dots or "
            "spaces, like 12",
        ),
    ],
)
def test_a_percentage_out_of_range_or_not_whole_is_refused(typed, message):
    assert _error(NUMBERS, {"relief": typed, "pain": "3"}) == ("relief", message)


def test_the_json_form_of_a_percentage_is_an_integer():
    assert RELIEF.check(80, TODAY) == 80
    with pytest.raises(AnswerError):
        RELIEF.check("80%", TODAY)
    with pytest.raises(AnswerError, match="100 or less"):
        RELIEF.check(101, TODAY)
    assert RELIEF.in_words(80) == "80%"


def test_a_percentage_box_shows_the_sign_beside_it(app):
    form = forms.step_form(NUMBERS, answers={"relief": 80})
    html = _render(form, {"relief": 80})
    tag = _input(html, "relief")
    assert 'name="relief"' in tag and 'value="80"' in tag and 'inputmode="numeric"' in tag
    assert '<div class="input__suffix" aria-hidden="true">%</div>' in html


# --- scales ------------------------------------------------------------------------------------


def test_a_scale_posts_a_digit_and_stores_an_integer():
    assert _post(NUMBERS, {"pain": "0"})[1] == {"relief": None, "pain": 0}
    assert _post(NUMBERS, {"pain": "10"})[1] == {"relief": None, "pain": 10}
    assert _error(NUMBERS, {"pain": "11"}) == (
        "pain",
        "The number for how bad your pain is must be 10 or less",
    )
    assert _error(NUMBERS, {}) == ("pain", "Select how bad your pain is")
    assert PAIN.check(7, TODAY) == 7
    with pytest.raises(AnswerError, match="^Select how bad your pain is$"):
        PAIN.check(None, TODAY)


def test_a_scale_renders_eleven_radio_buttons_with_the_hint(app):
    form = forms.step_form(NUMBERS, answers={"pain": 7})
    html = _render(form, {"pain": 7})
    radios = re.findall(r'<input [^>]*name="pain"[^>]*>', html)
    assert len(radios) == 11
    assert [re.search(r'value="(\d+)"', r).group(1) for r in radios] == [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"
    ]  # fmt: skip
    assert all('type="radio"' in r for r in radios)
    assert [r for r in radios if " checked" in r] == [_input(html, "pain-7")]
    assert 'value="0"' in _input(html, "pain")  # the first one's id is the key
    assert '<label class="choices__label" for="pain-10">10</label>' in html
    assert '<div class="choices choices--radio choices--scale">' in html
    assert '<fieldset class="fieldset" aria-describedby="pain-hint">' in html
    assert (
        '<div class="hint" id="pain-hint">0 is no pain, 10 is the worst pain you can imagine</div>'
    ) in html


def test_a_scale_error_links_to_its_first_radio_button(app):
    form, _ = _post(NUMBERS, {"relief": "50"})
    html = _render(form)
    assert '<li><a href="#pain">Select how bad your pain is</a></li>' in html
    assert '<fieldset class="fieldset" aria-describedby="pain-hint pain-error">' in html


# --- existing inputs beside the new ones -------------------------------------------------------


def test_choices_text_and_a_revealed_month_work_together():
    posted = MultiDict(
        [
            ("injured", "yes"),
            ("injured_on-month", "7"),
            ("injured_on-year", "2019"),
            ("places", "hip"),
            ("places", "back"),
            ("name", "Sam"),
        ]
    )
    form = forms.step_form(MIXED, formdata=posted)
    assert form.clean({}) == {
        "injured": "yes",
        "injured_on": "2019-07",
        "places": ["back", "hip"],
        "name": "Sam",
    }
    # Not asked: whatever is in its boxes is ignored
    posted.setlist("injured", ["no"])
    posted.setlist("injured_on-month", ["13"])
    form = forms.step_form(MIXED, formdata=posted)
    assert form.clean({}) == {"injured": "no", "places": ["back", "hip"], "name": "Sam"}


def test_errors_of_every_kind_are_listed_in_page_order():
    posted = MultiDict(
        [
            ("injured", "yes"),
            ("injured_on-month", "13"),
            ("injured_on-year", "2019"),
            ("places", "knee"),
            ("name", "x" * 11),
        ]
    )
    form = forms.step_form(MIXED, formdata=posted)
    assert form.clean({}) is None
    assert form.error_list == [
        ("injured_on-month", "When the injury was must be a real date"),
        ("places", "Select where it hurts from the list"),
        ("name", "Your name must be 10 characters or fewer"),
    ]


def test_a_month_revealed_under_a_choice_renders_inside_its_conditional(app):
    form = forms.step_form(MIXED)
    html = _render(form)
    reveal = html[html.index('id="conditional-injured-yes"') :]
    assert 'id="injured_on-month"' in reveal[: reveal.index("</fieldset>")]
    assert 'data-controls="conditional-injured-yes"' in html
    assert 'name="name"' in html and 'name="places"' in html


# --- the tree refuses the new inputs where they make no sense ----------------------------------


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (Question("a", "text", "A", "a", units="height"), "only for integer"),
        (Question("a", "integer", "A", "a", units="weight"), "needs a min"),
        (Question("a", "integer", "A", "a", min=0, max=200, percent=True), "within 0-100"),
        (Question("a", "integer", "A", "a", min=0, max=20, scale=True), "10 or less apart"),
        (Question("a", "integer", "A", "a", scale=True), "10 or less apart"),
        (
            Question("a", "integer", "A", "a", min=0, max=10, scale=True, percent=True),
            "both percent and scale",
        ),
        (Question("a", "integer", "A", "a", date_rule="past"), "only for dates and months"),
    ],
)
def test_the_tree_refuses_an_input_on_a_question_it_is_not_made_for(question, message):
    with pytest.raises(DefinitionError, match=message):
        _step("bad", question)


def test_a_month_question_is_past_by_default():
    assert STARTED.rule == "past"
    assert DOB.rule == "past"
    assert Question("d", "date", "D", "d").rule == "any"


def test_a_follow_up_of_a_number_on_the_same_page_is_shown_in_place(app):
    count = Question("count", "integer", "How many?", "how many", min=0, max=3)
    detail = Question(
        "detail", "integer", "How much?", "how much", min=0, max=100, percent=True,
        when=(When("count", "gte", 1),),
    )  # fmt: skip
    step = _step("numbers_in_place", count, detail)
    form = forms.step_form(step)
    assert [b.question.key for b in forms.layout(form, {})] == ["count", "detail"]
    html = _render(form)
    assert 'name="count"' in html and 'name="detail"' in html
    form, values = _post(step, {"count": "0", "detail": "50"})
    assert values == {"count": 0}
    form, values = _post(step, {"count": "2", "detail": "50%"})
    assert values == {"count": 2, "detail": 50}


def test_a_follow_up_revealed_by_several_boxes_is_on_the_page_once(app):
    scans = Question(
        "scans",
        "multi",
        "Which scans have you had?",
        "which scans you had",
        choices=(Choice("xray", "X-ray"), Choice("mri", "MRI"), Choice("none", "None")),
        exclusive="none",
    )
    told = Question(
        "told",
        "text",
        "What were you told?",
        "what you were told",
        when=(When("scans", "contains", "mri"), When("scans", "contains", "xray")),
    )
    form = forms.step_form(_step("shared_reveal", scans, told))
    html = _render(form)
    assert html.count('name="told"') == 1
    assert html.count('id="conditional-scans-xray-mri"') == 1
    for scan in ("xray", "mri"):
        assert f'value="{scan}" data-controls="conditional-scans-xray-mri"' in html
    assert 'value="none" data-controls' not in html
    # The container follows the last box that reveals it
    assert html.index('value="mri"') < html.index('id="conditional-scans-xray-mri"')
    assert html.index('id="conditional-scans-xray-mri"') < html.index('value="none"')
