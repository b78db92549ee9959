"""The questionnaire, written once as data: the current version of the tree.

Everything that shows or checks a question derives from this tree: the WTForms forms of each
step, the check-answers page, the summary and PDF answers, validation of imported answers (CLI),
CSV columns, the FHIR Questionnaire and the data dictionary. Keys, types and values are the public
data dictionary. The building blocks (Question, Group, Step, Section, Definition) are in
`screening.definition`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .definition import (  # noqa: F401 - the building blocks, re-exported for callers
    AnswerError,
    Answers,
    Choice,
    Definition,
    DefinitionError,
    Derived,
    Group,
    Question,
    Section,
    Step,
    When,
    build,
    long_date,
)
from .i18n import gettext as _
from .i18n import lazy_gettext as _l
from .i18n import ngettext

QUESTIONNAIRE_VERSION = "2026.12"

# --- worked out from answers (derived rows, and the criteria engine) ---------------------------


def bmi(answers: Mapping[str, Any]) -> float | None:
    """Body mass index from height and weight, when both were given."""
    h, w = answers.get("height_cm"), answers.get("weight_kg")
    if not h or not w:
        return None
    return round(w / (h / 100) ** 2, 1)


def age(answers: Mapping[str, Any], on: dt.date) -> int | None:
    """Age in whole years on a given day, when the date of birth was given."""
    dob = answers.get("date_of_birth")
    if not dob:
        return None
    born = dt.date.fromisoformat(dob)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def months_since(month: str | None, on: dt.date) -> int | None:
    """Whole calendar months from a month ("YYYY-MM") to the month of `on`; None if not given.

    Counted by calendar month: from March 2026 to any day of September 2026 is 6 months.
    """
    if not month:
        return None
    year, number = (int(part) for part in month.split("-"))
    return (on.year * 12 + on.month) - (year * 12 + number)


def _since_words(key: str) -> Callable[[Mapping[str, Any], dt.date], str | None]:
    def words(answers: Mapping[str, Any], on: dt.date) -> str | None:
        months = months_since(answers.get(key), on)
        return None if months is None else _months(max(months, 0))

    return words


def _age_words(answers: Mapping[str, Any], on: dt.date) -> str | None:
    years = age(answers, on)
    return None if years is None else str(years)


def _bmi_words(answers: Mapping[str, Any], on: dt.date) -> str | None:
    index = bmi(answers)
    return None if index is None else f"{index:.1f}"


# --- numbers in words (check answers, the PDF, the comparison) -----------------------------


def _months(n: int) -> str:
    return ngettext("%(num)s month", "%(num)s months", n)


def _weeks(n: int) -> str:
    return ngettext("%(num)s week", "%(num)s weeks", n)


def _cm(n: int) -> str:
    return _("%(n)s cm", n=n)


def _kg(n: int) -> str:
    return _("%(n)s kg", n=n)


def _out_of_10(n: int) -> str:
    return _("%(n)s out of 10", n=n)


def _relief(n: int) -> str:
    return _("%(n)s%% less pain", n=n)


# --- the definition ------------------------------------------------------------------------

YES_NO = (Choice("yes", _l("Yes")), Choice("no", _l("No")))
NOT_SURE = Choice("not_sure", _l("I’m not sure"))
YES_NO_NOT_SURE = (*YES_NO, NOT_SURE)


@dataclass(frozen=True)
class Treatment:
    """A non-surgical treatment: its key, its name, and how questions refer to it."""

    key: str
    label: Any
    short: Any
    # Asked how many weeks it was tried (not for injections and nerve treatments: one-off).
    weeks: bool = True


TREATMENTS: tuple[Treatment, ...] = (
    Treatment("physical_therapy", _l("Physical therapy (physiotherapy)"), _l("physical therapy")),
    Treatment("home_exercise", _l("An exercise programme at home"), _l("exercises at home")),
    Treatment("medication", _l("Pain medicine"), _l("pain medicine")),
    Treatment(
        "activity_modification",
        _l("Changing or resting from activities that make the pain worse"),
        _l("changing your activities"),
    ),
    Treatment("si_belt", _l("A pelvic or SI joint belt (brace)"), _l("a pelvic belt")),
    Treatment(
        "manual_therapy",
        _l("Hands-on treatment, like chiropractic or osteopathy"),
        _l("hands-on treatment"),
    ),
    Treatment(
        "steroid_injection",
        _l("A steroid injection into the SI joint to treat the pain"),
        _l("steroid injections"),
        weeks=False,
    ),
    Treatment(
        "radiofrequency_ablation",
        _l("A nerve treatment with heat (radiofrequency ablation)"),
        _l("the nerve treatment"),
        weeks=False,
    ),
)
TREATMENT_KEYS: tuple[str, ...] = tuple(t.key for t in TREATMENTS)

TREATMENT_RESULTS = (
    Choice("lasting_relief", _l("It helped, and the help lasted")),
    Choice("temporary_relief", _l("It helped for a while, then the pain came back")),
    Choice("no_relief", _l("It did not help")),
    Choice("worse", _l("It made the pain worse")),
)


def _tried(t: Treatment) -> tuple[When, ...]:
    return (When("treatments_tried", "contains", t.key),)


def _result(t: Treatment) -> Question:
    return Question(
        f"{t.key}_result",
        "single",
        _l("How did %(t)s work for you?", t=t.short),
        _l("how %(t)s went", t=t.short),
        choices=TREATMENT_RESULTS,
        required=True,
        when=_tried(t),
    )


def _treatment_questions(t: Treatment) -> tuple[Question, ...]:
    """The questions of one treatment's page, asked when it was tried."""
    if t.key == "steroid_injection":
        return (
            Question(
                "steroid_injection_count",
                "integer",
                _l("How many steroid injections into the SI joint have you had?"),
                _l("how many steroid injections you have had"),
                required=True,
                min=1,
                max=20,
                when=_tried(t),
            ),
            Question(
                "steroid_injection_relief_weeks",
                "integer",
                _l("After the injection that helped most, for how many weeks was the pain better?"),
                _l("how many weeks the pain was better"),
                hint=_l("A rough number is fine. Enter 0 if it did not help at all."),
                min=0,
                max=104,
                when=_tried(t),
                words=_weeks,
            ),
            _result(t),
        )
    weeks = Question(
        f"{t.key}_weeks",
        "integer",
        _l("For about how many weeks did you try %(t)s?", t=t.short),
        _l("how many weeks you tried %(t)s", t=t.short),
        hint=_l("A rough number is fine. For example, 8"),
        required=True,
        min=0,
        max=520,
        when=_tried(t),
        words=_weeks,
    )
    return (weeks, _result(t)) if t.weeks else (_result(t),)


def _treatment_step(t: Treatment) -> Step:
    """One short page per treatment tried; skipped when it was not tried."""
    return Step(
        f"treatment_{t.key}", t.label, items=(Group(t.key, t.label, _treatment_questions(t)),)
    )


def _safety(key: str, text: Any, short: Any, label: Any) -> Question:
    """One safety question: its own required yes or no, so none is skipped by leaving a box."""
    return Question(key, "single", text, short, choices=YES_NO, required=True, label=label)


# Injection n's questions are asked when at least n injections were had (the count itself is
# asked only after a "yes", so one condition is enough).
_NTH_INJECTION = (When("diagnostic_injection_count", "gte", "{n}"),)

# Problems a doctor may have named, or scans may have shown: one wording for both questions.
OTHER_PROBLEMS = (
    Choice("disc_problem", _l("A disc problem in the spine")),
    Choice("spinal_stenosis", _l("Narrowing of the spine (spinal stenosis)")),
    Choice("nerve_compression", _l("A trapped or pressed nerve")),
    Choice("hip_arthritis", _l("Arthritis in the hip")),
)


TREE: tuple[Section, ...] = build(
    Section(
        "safety",
        _l("Signs that need help now"),
        steps=(
            Step(
                "safety_emergency",
                _l("Before you start: check for signs that need help now"),
                intro=_l(
                    "Some back problems need a doctor straight away. Answer yes if this is new, or "
                    "has got worse, in the last few weeks."
                ),
                items=(
                    _safety(
                        "rf_bladder_bowel",
                        _l(
                            "Have you had new trouble peeing, or lost control of your bladder or bowels?"
                        ),
                        _l("if you have trouble peeing or controlling your bladder or bowels"),
                        _l("Bladder or bowels"),
                    ),
                    _safety(
                        "rf_saddle_numbness",
                        _l(
                            "Do you have numbness or tingling around your genitals or bottom, or does it feel different when you wipe yourself?"
                        ),
                        _l("if you have numbness around your genitals or bottom"),
                        _l("Numbness around the genitals or bottom"),
                    ),
                    _safety(
                        "rf_leg_weakness",
                        _l(
                            "Do you have new or worse weakness or numbness in one or both legs, or pain in both legs that is getting worse?"
                        ),
                        _l("if you have weakness or numbness in your legs"),
                        _l("Weakness or numbness in the legs"),
                    ),
                    _safety(
                        "rf_sexual_function",
                        _l(
                            "Have you lost any sexual function, like feeling during sex or being able to get an erection?"
                        ),
                        _l("if you have lost any sexual function"),
                        _l("Sexual function"),
                    ),
                    _safety(
                        "rf_major_trauma",
                        _l(
                            "In the last few weeks, have you had a bad fall, a crash or a serious injury?"
                        ),
                        _l("if you have had a bad fall, crash or injury"),
                        _l("A bad fall, crash or injury"),
                    ),
                    _safety(
                        "rf_minor_trauma",
                        _l(
                            "Have you had a small fall or strain, and you have thin bones (osteoporosis) or take steroid tablets for a long time?"
                        ),
                        _l("if you have had a small fall with thin bones or steroid tablets"),
                        _l("A small fall with thin bones or steroid tablets"),
                    ),
                ),
            ),
            Step(
                "safety_urgent",
                _l("More signs to check"),
                intro=_l("Answer yes if this is true for you now."),
                items=(
                    _safety(
                        "rf_fever",
                        _l("Do you have a high temperature, or do you feel hot and shivery?"),
                        _l("if you have a high temperature"),
                        _l("High temperature"),
                    ),
                    _safety(
                        "rf_weight_loss",
                        _l("Have you lost weight without trying?"),
                        _l("if you have lost weight without trying"),
                        _l("Weight loss without trying"),
                    ),
                    _safety(
                        "rf_cancer",
                        _l("Do you have cancer now, or have you had cancer and this pain is new?"),
                        _l("if you have or have had cancer"),
                        _l("Cancer"),
                    ),
                    _safety(
                        "rf_night_pain",
                        _l(
                            "Do you have pain at night that does not get better when you rest or change position?"
                        ),
                        _l("if you have pain at night that does not get better"),
                        _l("Pain at night"),
                    ),
                    _safety(
                        "rf_immune",
                        _l(
                            "Is your body less able to fight infections, for example because of medicines you take, or do you inject drugs?"
                        ),
                        _l("if your body is less able to fight infections"),
                        _l("Less able to fight infections"),
                    ),
                    _safety(
                        "rf_lump",
                        _l(
                            "Do you have a lump or swelling in your back, or has your back changed shape?"
                        ),
                        _l("if you have a lump or swelling in your back"),
                        _l("A lump, or the back changed shape"),
                    ),
                ),
            ),
        ),
    ),
    Section(
        "about",
        _l("About you"),
        steps=(
            Step(
                "about",
                _l("About you"),
                intro=_l("All these questions are optional. Fill in what you are happy to share."),
                items=(
                    Question(
                        "name",
                        "text",
                        _l("Your full name"),
                        _l("your name"),
                        hint=_l("So the clinic can match this summary to you."),
                        max_length=100,
                        autocomplete="name",
                        label=_l("Name"),
                    ),
                    Question(
                        "date_of_birth",
                        "date",
                        _l("Your date of birth"),
                        _l("your date of birth"),
                        hint=_l("For example, 27 3 1970"),
                        date_rule="past",
                        autocomplete="bday",
                        label=_l("Date of birth"),
                    ),
                    Question(
                        "height_cm",
                        "integer",
                        _l("Your height"),
                        _l("your height"),
                        hint=_l("In centimetres, or in feet and inches."),
                        min=100,
                        max=250,
                        words=_cm,
                        label=_l("Height"),
                        units="height",
                    ),
                    Question(
                        "weight_kg",
                        "integer",
                        _l("Your weight"),
                        _l("your weight"),
                        hint=_l("In kilograms, or in stones and pounds."),
                        min=30,
                        max=300,
                        words=_kg,
                        label=_l("Weight"),
                        units="weight",
                    ),
                    Question(
                        "appointment_date",
                        "date",
                        _l("The date of your appointment with the specialist"),
                        _l("the date of your appointment"),
                        hint=_l("If you know it. For example, 15 1 2027"),
                        label=_l("Appointment"),
                    ),
                ),
            ),
        ),
        derived=(
            Derived("age", _l("Age at submission"), after="date_of_birth", compute=_age_words),
            Derived("bmi", _l("BMI"), after="weight_kg", compute=_bmi_words),
        ),
    ),
    Section(
        "pain",
        _l("Your pain"),
        steps=(
            Step(
                "pain",
                _l("Your pain"),
                items=(
                    Question(
                        "pain_started",
                        "month",
                        _l("When did this pain start?"),
                        _l("when the pain started"),
                        hint=_l("A rough month is fine. For example, 3 2025"),
                        required=True,
                        date_rule="past",
                    ),
                    Question(
                        "pain_locations",
                        "multi",
                        _l("Where do you feel the pain?"),
                        _l("where you feel the pain"),
                        hint=_l("Select all that apply."),
                        choices=(
                            Choice("lower_back", _l("Lower back")),
                            Choice("buttock", _l("Buttock")),
                            Choice("groin", _l("Groin")),
                            Choice("hip", _l("Hip")),
                            Choice("thigh", _l("Thigh (upper leg)")),
                            Choice("below_knee", _l("Below the knee")),
                        ),
                        required=True,
                    ),
                    Question(
                        "pain_side",
                        "single",
                        _l("Which side is the pain on?"),
                        _l("which side the pain is on"),
                        choices=(
                            Choice("left", _l("Left side")),
                            Choice("right", _l("Right side")),
                            Choice("both", _l("Both sides")),
                            Choice("middle", _l("In the middle")),
                        ),
                    ),
                    Question(
                        "leg_numbness",
                        "single",
                        _l("Do you have numbness, tingling or pins and needles in a leg or foot?"),
                        _l("if you have numbness or tingling in a leg or foot"),
                        choices=YES_NO_NOT_SURE,
                    ),
                ),
            ),
            Step(
                "pain_more",
                _l("More about your pain"),
                items=(
                    Question(
                        "pain_triggers",
                        "multi",
                        _l("Which of these make the pain worse?"),
                        _l("what makes the pain worse"),
                        hint=_l("Select all that apply."),
                        choices=(
                            Choice("sit_to_stand", _l("Standing up from a chair")),
                            Choice("stairs", _l("Climbing stairs")),
                            Choice("walking", _l("Walking")),
                            Choice("prolonged_sitting", _l("Sitting for a long time")),
                            Choice("lying_on_side", _l("Lying on the painful side")),
                            Choice("bending", _l("Bending forward")),
                            Choice("none", _l("None of these")),
                        ),
                        exclusive="none",
                    ),
                    Question(
                        "points_to_si_joint",
                        "single",
                        _l(
                            "Can you point with one finger to where it hurts most, just below the dimple at the back of your pelvis?"
                        ),
                        _l("if you can point to where it hurts most"),
                        hint=_l(
                            "The dimples are at the top of the buttocks, either side of the spine."
                        ),
                        choices=YES_NO_NOT_SURE,
                    ),
                    Question(
                        "pain_causes",
                        "multi",
                        _l("What do you think started the pain?"),
                        _l("what started the pain"),
                        hint=_l("Select all that apply."),
                        choices=(
                            Choice("injury", _l("An injury, fall or accident")),
                            Choice("pregnancy", _l("Pregnancy or giving birth")),
                            Choice("arthritis", _l("Arthritis")),
                            Choice("spine_surgery", _l("An operation on my spine")),
                            Choice(
                                "leg_length_or_gait",
                                _l("One leg being longer, or a change in how I walk"),
                            ),
                            Choice("gradual", _l("It came on slowly over time")),
                            Choice("unknown", _l("I don’t know")),
                        ),
                        exclusive="unknown",
                    ),
                ),
            ),
            Step(
                "pain_scores",
                _l("How much the pain affects you"),
                items=(
                    Question(
                        "pain_average",
                        "integer",
                        _l("Over the past week, how bad was your pain on average?"),
                        _l("how bad your pain was on average"),
                        hint=_l("0 means no pain. 10 means the worst pain you can imagine."),
                        required=True,
                        min=0,
                        max=10,
                        words=_out_of_10,
                        scale=True,
                    ),
                    Question(
                        "pain_interference",
                        "integer",
                        _l(
                            "Over the past week, how much did the pain get in the way of your daily activities?"
                        ),
                        _l("how much the pain got in the way"),
                        hint=_l("0 means not at all. 10 means you could not do anything."),
                        required=True,
                        min=0,
                        max=10,
                        words=_out_of_10,
                        scale=True,
                    ),
                ),
            ),
            Step(
                "activities",
                _l("Activities the pain makes hard"),
                intro=_l(
                    "These questions are optional. Name up to 3 things you find hard to do "
                    "because of the pain, like putting on socks or walking to the shops. Then "
                    "say how well you can do each one now."
                ),
                items=(
                    Group(
                        # Patient-Specific Functional Scale: up to three activities.
                        "psfs",
                        _l("Activity %(n)s"),
                        (
                            Question(
                                "activity_{n}",
                                "text",
                                _l("Activity %(n)s"),
                                _l("activity %(n)s"),
                                max_length=80,
                            ),
                            Question(
                                "activity_{n}_score",
                                "integer",
                                _l("How well can you do activity %(n)s now?"),
                                _l("how well you can do activity %(n)s"),
                                hint=_l(
                                    "0 means you cannot do it at all. 10 means you can do it as "
                                    "well as before the pain."
                                ),
                                min=0,
                                max=10,
                                words=_out_of_10,
                                scale=True,
                            ),
                        ),
                        repeat=3,
                    ),
                ),
            ),
        ),
        derived=(
            Derived(
                "pain_months",
                _l("Months since the pain started"),
                after="pain_started",
                compute=_since_words("pain_started"),
            ),
        ),
    ),
    Section(
        "treatments",
        _l("Treatments you have tried"),
        steps=(
            Step(
                "treatments",
                _l("Treatments you have tried"),
                items=(
                    Question(
                        "treatments_tried",
                        "multi",
                        _l("Which treatments without surgery have you tried for this pain?"),
                        _l("which treatments you have tried"),
                        hint=_l("Select all that apply."),
                        choices=(
                            *(Choice(t.key, t.label) for t in TREATMENTS),
                            Choice("none", _l("I have not tried any of these")),
                        ),
                        required=True,
                        exclusive="none",
                    ),
                ),
            ),
            *(_treatment_step(t) for t in TREATMENTS),
            Step(
                "treatment_started",
                _l("When treatment started"),
                items=(
                    Question(
                        "treatment_started",
                        "month",
                        _l("When did you first have treatment for this pain?"),
                        _l("when you first had treatment"),
                        hint=_l("A rough month is fine. For example, 9 2025"),
                        required=True,
                        date_rule="past",
                        when=tuple(When("treatments_tried", "contains", k) for k in TREATMENT_KEYS),
                    ),
                ),
            ),
        ),
        derived=(
            Derived(
                "treatment_months",
                _l("Months since treatment started"),
                after="treatment_started",
                compute=_since_words("treatment_started"),
            ),
        ),
    ),
    Section(
        "tests",
        _l("Tests and other health conditions"),
        steps=(
            Step(
                "tests",
                _l("Tests you have had"),
                items=(
                    Question(
                        "exam_done",
                        "single",
                        _l(
                            "Has a doctor or physiotherapist examined you by pressing on or moving your pelvis to test the SI joint?"
                        ),
                        _l("if a clinician has tested your SI joint"),
                        choices=YES_NO_NOT_SURE,
                    ),
                    Question(
                        "exam_result",
                        "single",
                        _l("Did those tests bring on your usual pain?"),
                        _l("if the tests brought on your pain"),
                        choices=(
                            Choice("reproduced_pain", _l("Yes, they brought on my usual pain")),
                            Choice("did_not", _l("No, they did not")),
                            Choice("not_told", _l("I was not told")),
                        ),
                        required=True,
                        when=(When("exam_done", "eq", "yes"),),
                    ),
                    Question(
                        "exam_positive_tests",
                        "integer",
                        _l("If you were told, how many of the tests brought on your pain?"),
                        _l("how many tests brought on your pain"),
                        hint=_l("Leave it empty if you were not told."),
                        min=0,
                        max=6,
                        when=(When("exam_done", "eq", "yes"),),
                    ),
                    Question(
                        "imaging",
                        "multi",
                        _l("Which scans or X-rays have you had of your lower back or pelvis?"),
                        _l("which scans you have had"),
                        hint=_l("Select all that apply."),
                        choices=(
                            Choice("xray", _l("X-ray")),
                            Choice("ct", _l("CT scan")),
                            Choice("mri", _l("MRI scan")),
                            Choice("none", _l("I have not had any of these")),
                        ),
                        exclusive="none",
                    ),
                    Question(
                        "imaging_result",
                        "single",
                        _l("What were you told about the scans?"),
                        _l("what you were told about the scans"),
                        choices=(
                            Choice("si_joint_changes", _l("They showed changes in the SI joint")),
                            Choice("other_problem", _l("They showed a different problem")),
                            Choice("normal", _l("They were normal")),
                            Choice("not_told", _l("I was not told")),
                        ),
                        required=True,
                        when=tuple(When("imaging", "contains", v) for v in ("xray", "ct", "mri")),
                    ),
                    Question(
                        "imaging_other_problem",
                        "multi",
                        _l("What problem did the scans show?"),
                        _l("what problem the scans showed"),
                        hint=_l("Select all that apply."),
                        choices=(
                            *OTHER_PROBLEMS,
                            Choice("fracture", _l("A broken bone (fracture)")),
                            Choice("tumour_or_infection", _l("A growth or an infection")),
                            Choice("inflammation", _l("Inflammation, like from arthritis")),
                            Choice("other", _l("Something else")),
                            Choice("not_sure", _l("I’m not sure")),
                        ),
                        exclusive="not_sure",
                        when=(When("imaging_result", "eq", "other_problem"),),
                    ),
                ),
            ),
            Step(
                "injection",
                _l("Numbing injections"),
                items=(
                    Question(
                        "diagnostic_injection",
                        "single",
                        _l(
                            "Have you had an injection to numb the SI joint, to find out if it is causing the pain?"
                        ),
                        _l("if you have had a numbing injection"),
                        hint=_l("This is sometimes called a diagnostic block."),
                        choices=YES_NO_NOT_SURE,
                        required=True,
                    ),
                    Question(
                        "diagnostic_injection_count",
                        "integer",
                        _l("How many numbing injections have you had?"),
                        _l("how many numbing injections you have had"),
                        min=1,
                        max=10,
                        required=True,
                        when=(When("diagnostic_injection", "eq", "yes"),),
                    ),
                ),
            ),
            Step(
                "injection_details",
                _l("Your numbing injections"),
                intro=_l(
                    "Tell us about each numbing injection. If you have had more than 2, tell us "
                    "about the 2 most recent. Injection 1 is the most recent."
                ),
                items=(
                    Group(
                        "injection",
                        _l("Numbing injection %(n)s"),
                        (
                            Question(
                                "injection_{n}_guidance",
                                "single",
                                _l("Injection %(n)s: what was used to guide the needle?"),
                                _l("what guided the needle for injection %(n)s"),
                                choices=(
                                    Choice("xray_or_ct", _l("An X-ray or CT scan")),
                                    Choice("ultrasound", _l("An ultrasound scan")),
                                    Choice("none", _l("Nothing, no scan was used")),
                                    NOT_SURE,
                                ),
                                required=True,
                                when=_NTH_INJECTION,
                            ),
                            Question(
                                "injection_{n}_relief",
                                "integer",
                                _l(
                                    "Injection %(n)s: in the hours after it, how much less pain did you have?"
                                ),
                                _l("how much less pain you had after injection %(n)s"),
                                hint=_l(
                                    "As a percentage from 0 to 100. For example, 80 means your pain was 80% less."
                                ),
                                min=0,
                                max=100,
                                required=True,
                                when=_NTH_INJECTION,
                                words=_relief,
                                percent=True,
                            ),
                            Question(
                                "injection_{n}_relief_lasted",
                                "single",
                                _l("Injection %(n)s: how long did the pain relief last?"),
                                _l("how long the relief from injection %(n)s lasted"),
                                choices=(
                                    Choice("under_an_hour", _l("Less than an hour")),
                                    Choice("a_few_hours", _l("A few hours")),
                                    Choice("a_day_or_more", _l("A day or more")),
                                    NOT_SURE,
                                ),
                                required=True,
                                when=_NTH_INJECTION,
                            ),
                        ),
                        repeat=2,
                    ),
                ),
            ),
            Step(
                "health",
                _l("Other health conditions"),
                items=(
                    Question(
                        "other_conditions",
                        "multi",
                        _l("Has a doctor told you that you have any of these?"),
                        _l("other conditions"),
                        hint=_l("Select all that apply."),
                        choices=(
                            *OTHER_PROBLEMS,
                            Choice("fibromyalgia", _l("Fibromyalgia")),
                            Choice(
                                "inflammatory_arthritis",
                                _l("Inflammatory arthritis, like ankylosing spondylitis"),
                            ),
                            Choice("osteoporosis", _l("Thin bones (osteoporosis)")),
                            NOT_SURE,
                            Choice("none", _l("None of these")),
                        ),
                        exclusive="none",
                    ),
                    Question(
                        "previous_lumbar_fusion",
                        "single",
                        _l("Have you had an operation to join (fuse) bones in your lower back?"),
                        _l("if you have had a lower back fusion"),
                        choices=YES_NO,
                    ),
                    Question(
                        "previous_si_fusion",
                        "single",
                        _l("Have you had an operation on your SI joint before?"),
                        _l("if you have had an operation on your SI joint"),
                        choices=YES_NO,
                    ),
                    Question(
                        "pregnancy",
                        "single",
                        _l(
                            "Are you pregnant, planning a pregnancy, or did you give birth in the last year?"
                        ),
                        _l("about pregnancy"),
                        choices=(
                            Choice("no", _l("No")),
                            Choice("pregnant_now", _l("I am pregnant")),
                            Choice("planning_pregnancy", _l("I am planning a pregnancy")),
                            Choice("gave_birth_last_year", _l("I gave birth in the last year")),
                            Choice("not_applicable", _l("This does not apply to me")),
                        ),
                    ),
                    Question(
                        "metal_allergy",
                        "single",
                        _l("Are you allergic to any metals, like nickel or titanium?"),
                        _l("if you are allergic to metals"),
                        choices=YES_NO_NOT_SURE,
                    ),
                    Question(
                        "regular_opioids",
                        "single",
                        _l(
                            "Do you take strong painkillers called opioids most days, like codeine, tramadol or morphine?"
                        ),
                        _l("if you take opioid painkillers most days"),
                        choices=YES_NO,
                    ),
                    Question(
                        "nicotine_use",
                        "single",
                        _l("Do you smoke, vape or use any other nicotine?"),
                        _l("if you use nicotine"),
                        choices=YES_NO,
                    ),
                ),
            ),
        ),
    ),
)

CURRENT = Definition(QUESTIONNAIRE_VERSION, TREE)

# The current version's parts, by the names the rest of the application uses.
SECTIONS = TREE
STEPS = CURRENT.steps
QUESTIONS = CURRENT.questions
BY_KEY = CURRENT.by_key
STEP_BY_KEY = CURRENT.step_by_key
DERIVED = CURRENT.derived


# Functions of the current version (they look CURRENT up when called, so a test may replace it).
def prune(answers: Mapping[str, Any]) -> Answers:
    """Drop answers to questions that are not asked under their conditions."""
    return CURRENT.prune(answers)


def validate(
    raw: Mapping[str, Any], today: dt.date | None = None, *, complete: bool = True
) -> Answers:
    """Validate imported answers against the current version (see Definition.validate)."""
    return CURRENT.validate(raw, today, complete=complete)


def step_of(key: str) -> Step | None:
    """The step that asks a question."""
    return CURRENT.step_of(key)


def first_unanswered_step(answers: Mapping[str, Any]) -> Step | None:
    """The first step with a required question that is asked but not answered yet."""
    return CURRENT.first_unanswered_step(answers)


def data_dictionary() -> list[dict[str, Any]]:
    """The public data dictionary of the current version."""
    return CURRENT.data_dictionary()
