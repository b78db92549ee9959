"""Questionnaire 2026.11, frozen: the tree that screenings submitted under 2026.11 were answered with.

Never edit: it renders those screenings exactly as they were sent. New questions go in
`screening.questionnaire`; drafts started under 2026.11 are converted (`screening.upgrade`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..definition import (  # noqa: F401 - the building blocks, re-exported for callers
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
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..i18n import ngettext

QUESTIONNAIRE_VERSION = "2026.11"

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
YES_NO_NOT_SURE = YES_NO + (Choice("not_sure", _l("I’m not sure")),)


@dataclass(frozen=True)
class Treatment:
    """A non-surgical treatment: its key prefix, its name, and the question that asks about it."""

    key: str
    label: Any
    short: Any
    question: Any


TREATMENTS: tuple[Treatment, ...] = (
    Treatment(
        "physical_therapy",
        _l("Physical therapy (physiotherapy)"),
        _l("physical therapy"),
        _l("Have you tried physical therapy (physiotherapy)?"),
    ),
    Treatment(
        "home_exercise",
        _l("An exercise programme at home"),
        _l("exercises at home"),
        _l("Have you tried an exercise programme at home?"),
    ),
    Treatment(
        "medication",
        _l("Pain medicine"),
        _l("pain medicine"),
        _l("Have you tried pain medicine?"),
    ),
    Treatment(
        "activity_modification",
        _l("Changing or resting from activities that make the pain worse"),
        _l("changing your activities"),
        _l("Have you tried changing or resting from activities that make the pain worse?"),
    ),
    Treatment(
        "si_belt",
        _l("A pelvic or SI joint belt (brace)"),
        _l("a pelvic belt"),
        _l("Have you tried a pelvic or SI joint belt (brace)?"),
    ),
    Treatment(
        "manual_therapy",
        _l("Hands-on treatment, like chiropractic or osteopathy"),
        _l("hands-on treatment"),
        _l("Have you tried hands-on treatment, like chiropractic or osteopathy?"),
    ),
    Treatment(
        "steroid_injection",
        _l("A steroid injection into the SI joint to treat the pain"),
        _l("a steroid injection"),
        _l("Have you had a steroid injection into the SI joint to treat the pain?"),
    ),
)
TREATMENT_KEYS: tuple[str, ...] = tuple(t.key for t in TREATMENTS)

TREATMENT_RESULTS = (
    Choice("lasting_relief", _l("It helped, and the help lasted")),
    Choice("temporary_relief", _l("It helped for a while, then the pain came back")),
    Choice("no_relief", _l("It did not help")),
    Choice("worse", _l("It made the pain worse")),
)


def _treatment_group(t: Treatment) -> Group:
    """One treatment's questions: tried, for how long, how it went (one row in answers lists)."""
    tried = When(f"{t.key}_tried", "eq", "yes")
    return Group(
        t.key,
        t.label,
        (
            Question(
                f"{t.key}_tried",
                "single",
                t.question,
                _l("if you have tried %(t)s", t=t.short),
                choices=YES_NO,
                required=True,
            ),
            Question(
                f"{t.key}_weeks",
                "integer",
                _l("For how many weeks in total did you try %(t)s?", t=t.short),
                _l("how many weeks you tried %(t)s", t=t.short),
                hint=_l("A rough number is fine. For example, 8"),
                required=True,
                min=0,
                max=520,
                when=(tried,),
                words=_weeks,
            ),
            Question(
                f"{t.key}_result",
                "single",
                _l("How did %(t)s work for you?", t=t.short),
                _l("how %(t)s went", t=t.short),
                choices=TREATMENT_RESULTS,
                required=True,
                when=(tried,),
            ),
        ),
    )


TREE: tuple[Section, ...] = build(
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
                        hint=_l("For example, 1970-03-27 (year, month, day)"),
                        date_rule="past",
                        autocomplete="bday",
                        label=_l("Date of birth"),
                    ),
                    Question(
                        "height_cm",
                        "integer",
                        _l("Your height in centimetres"),
                        _l("your height"),
                        hint=_l("For example, 170"),
                        min=100,
                        max=250,
                        words=_cm,
                        label=_l("Height"),
                    ),
                    Question(
                        "weight_kg",
                        "integer",
                        _l("Your weight in kilograms"),
                        _l("your weight"),
                        hint=_l("For example, 75"),
                        min=30,
                        max=300,
                        words=_kg,
                        label=_l("Weight"),
                    ),
                    Question(
                        "appointment_date",
                        "date",
                        _l("The date of your appointment with the specialist"),
                        _l("the date of your appointment"),
                        hint=_l("If you know it. For example, 2027-01-15"),
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
                        "pain_duration_months",
                        "integer",
                        _l("How many months have you had this pain?"),
                        _l("how many months you have had this pain"),
                        hint=_l("A rough number is fine. For 2 years, enter 24."),
                        required=True,
                        min=0,
                        max=600,
                        words=_months,
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
                        hint=_l("Select all that apply. Leave them all empty if none do."),
                        choices=(
                            Choice("sit_to_stand", _l("Standing up from a chair")),
                            Choice("stairs", _l("Climbing stairs")),
                            Choice("walking", _l("Walking")),
                            Choice("prolonged_sitting", _l("Sitting for a long time")),
                            Choice("lying_on_side", _l("Lying on the painful side")),
                            Choice("bending", _l("Bending forward")),
                        ),
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
                        hint=_l(
                            "Enter a number from 0 (no pain) to 10 (the worst pain you can imagine)."
                        ),
                        required=True,
                        min=0,
                        max=10,
                        words=_out_of_10,
                    ),
                    Question(
                        "pain_interference",
                        "integer",
                        _l(
                            "Over the past week, how much did the pain get in the way of your daily activities?"
                        ),
                        _l("how much the pain got in the way"),
                        hint=_l(
                            "Enter a number from 0 (not at all) to 10 (I could not do anything)."
                        ),
                        required=True,
                        min=0,
                        max=10,
                        words=_out_of_10,
                    ),
                ),
            ),
        ),
    ),
    Section(
        "treatments",
        _l("Treatments you have tried"),
        steps=(
            Step(
                "treatments_exercise",
                _l("Treatments you have tried"),
                intro=_l("Tell us about treatments without surgery."),
                items=tuple(_treatment_group(t) for t in TREATMENTS[:4]),
            ),
            Step(
                "treatments_other",
                _l("More treatments you have tried"),
                items=(
                    *(_treatment_group(t) for t in TREATMENTS[4:]),
                    Question(
                        "conservative_care_months",
                        "integer",
                        _l(
                            "Altogether, for how many months have you had treatment without surgery?"
                        ),
                        _l("how many months you have had treatment without surgery"),
                        hint=_l("Count all the treatments together. A rough number is fine."),
                        required=True,
                        min=0,
                        max=600,
                        when=tuple(When(f"{t.key}_tried", "eq", "yes") for t in TREATMENTS),
                        words=_months,
                    ),
                ),
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
                        hint=_l("A number from 0 to 6. Leave it empty if you were not told."),
                        min=0,
                        max=6,
                        when=(When("exam_done", "eq", "yes"),),
                    ),
                    Question(
                        "imaging",
                        "multi",
                        _l("Which scans or X-rays have you had of your lower back or pelvis?"),
                        _l("which scans you have had"),
                        hint=_l(
                            "Select all that apply. Leave them all empty if you have had none."
                        ),
                        choices=(
                            Choice("xray", _l("X-ray")),
                            Choice("ct", _l("CT scan")),
                            Choice("mri", _l("MRI scan")),
                        ),
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
                        when=(When("imaging", "nonempty"),),
                    ),
                ),
            ),
            Step(
                "injection",
                _l("Numbing injection"),
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
                    Question(
                        "diagnostic_injection_guided",
                        "single",
                        _l("Was a scan or X-ray used to guide the needle?"),
                        _l("if a scan was used to guide the needle"),
                        hint=_l("For example X-ray, CT or ultrasound."),
                        choices=YES_NO_NOT_SURE,
                        required=True,
                        when=(When("diagnostic_injection", "eq", "yes"),),
                    ),
                    Question(
                        "diagnostic_injection_relief",
                        "integer",
                        _l(
                            "In the hours after the injection, how much less pain did you have, at best?"
                        ),
                        _l("how much less pain you had"),
                        hint=_l(
                            "As a percentage from 0 to 100. For example, 80 means your pain was 80% less."
                        ),
                        min=0,
                        max=100,
                        required=True,
                        when=(When("diagnostic_injection", "eq", "yes"),),
                        words=_relief,
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
                        hint=_l("Select all that apply. Leave them all empty if none do."),
                        choices=(
                            Choice("disc_problem", _l("A disc problem in the spine")),
                            Choice(
                                "spinal_stenosis", _l("Narrowing of the spine (spinal stenosis)")
                            ),
                            Choice("nerve_compression", _l("A trapped or pressed nerve")),
                            Choice("hip_arthritis", _l("Arthritis in the hip")),
                            Choice("fibromyalgia", _l("Fibromyalgia")),
                            Choice(
                                "inflammatory_arthritis",
                                _l("Inflammatory arthritis, like ankylosing spondylitis"),
                            ),
                        ),
                    ),
                    Question(
                        "previous_lumbar_fusion",
                        "single",
                        _l("Have you had an operation to join (fuse) bones in your lower back?"),
                        _l("if you have had a lower back fusion"),
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
    Section(
        "safety",
        _l("Safety questions"),
        steps=(
            Step(
                "safety",
                _l("Safety questions"),
                intro=_l("These questions check for signs that need a doctor straight away."),
                items=(
                    Question(
                        "red_flags",
                        "multi",
                        _l("Do any of these apply to you now?"),
                        _l("the safety questions"),
                        hint=_l("Select all that apply. If none do, select ‘None of these’."),
                        choices=(
                            Choice(
                                "bladder_bowel",
                                _l(
                                    "New problems controlling your bladder or bowels, or trouble starting to pee"
                                ),
                            ),
                            Choice(
                                "saddle_numbness",
                                _l("Numbness or tingling around your genitals or bottom"),
                            ),
                            Choice(
                                "leg_weakness",
                                _l(
                                    "Weakness in your legs that is bad or getting worse, or new trouble walking"
                                ),
                            ),
                            Choice(
                                "both_legs_pain",
                                _l(
                                    "New pain down both legs, or leg pain that has spread from one leg to both"
                                ),
                            ),
                            Choice(
                                "fever_weight_loss",
                                _l(
                                    "Fever or chills with the back pain, or losing weight without trying"
                                ),
                            ),
                            Choice("cancer_history", _l("You have had cancer")),
                            Choice(
                                "major_trauma",
                                _l(
                                    "A recent serious injury, like a fall from a height or a road accident. Or a "
                                    "smaller fall or knock if you have thin bones (osteoporosis) or take steroid "
                                    "medicine for a long time"
                                ),
                            ),
                            Choice("none", _l("None of these")),
                        ),
                        required=True,
                        exclusive="none",
                    ),
                ),
            ),
        ),
    ),
)


DEFINITION = Definition(QUESTIONNAIRE_VERSION, TREE)
BY_KEY = DEFINITION.by_key
