"""Skipped or "not sure" answers give `unknown`, never `met` or `not_met` (criteria 2026.12-1).

Answers are accepted with `complete=False` where a required answer is left out on purpose (a
draft, or a file given to `flask evaluate`). Expected statuses are written out.
"""

from __future__ import annotations

import datetime as dt

import pytest
from support import full

from screening import questionnaire
from screening.engine import evaluate

ON = dt.date(2026, 11, 22)


def status(answers, profile, criterion):
    """The status of one criterion, for answers that may leave required ones out.

    Answers asked only because of one left out are dropped too, as the form drops them.
    """
    clean = questionnaire.validate(questionnaire.prune(answers), ON, complete=False)
    evaluation = evaluate(clean, profile, on=ON)
    return {c.id: c.status for c in evaluation.criteria}[criterion]


@pytest.mark.parametrize(
    ("changes", "profile", "criterion"),
    [
        # Pain
        ({"pain_started": None}, "documents", "chronic_pain"),
        ({"pain_started": None}, "published", "chronic_pain"),
        ({"pain_interference": None}, "documents", "pain_affects_daily_life"),
        ({"pain_average": None}, "published", "pain_severity"),
        ({"pain_interference": None}, "published", "pain_severity"),
        ({"pain_locations": None}, "documents", "pain_area"),
        ({"points_to_si_joint": None}, "published", "pain_pattern"),
        ({"points_to_si_joint": "not_sure"}, "published", "pain_pattern"),
        # Treatments
        ({"treatments_tried": None}, "documents", "treatments_tried"),
        ({"treatments_tried": None}, "published", "conservative_care"),
        ({"treatment_started": None}, "published", "conservative_care"),
        ({"medication_result": None}, "documents", "treatments_tried"),
        ({"medication_result": None}, "published", "conservative_care"),
        # Numbing injections
        ({"diagnostic_injection": None}, "documents", "diagnostic_injection"),
        ({"diagnostic_injection": None}, "published", "diagnostic_injection"),
        ({"injection_1_guidance": None}, "published", "diagnostic_injection"),
        ({"injection_2_guidance": None}, "published", "diagnostic_injection"),
        ({"injection_2_guidance": "not_sure"}, "published", "diagnostic_injection"),
        ({"injection_2_relief": None}, "published", "diagnostic_injection"),
        # Examination
        ({"exam_done": "not_sure"}, "documents", "exam"),
        ({"exam_done": "not_sure"}, "published", "exam"),
        ({"exam_result": "not_told"}, "documents", "exam"),
        ({"exam_result": "not_told", "exam_positive_tests": None}, "published", "exam"),
        ({"exam_result": "reproduced_pain", "exam_positive_tests": None}, "published", "exam"),
        ({"exam_result": "did_not", "exam_positive_tests": 4}, "published", "exam"),  # contradicts
        # Imaging: skipped scans are not "no scans"
        ({"imaging": None, "imaging_result": None}, "documents", "imaging"),
        ({"imaging": None, "imaging_result": None}, "published", "imaging"),
        ({"imaging": ["mri"], "imaging_result": "not_told"}, "published", "imaging"),
        ({"imaging_result": None}, "published", "imaging"),
        # Health: a skipped conditions question is not "none"
        ({"other_conditions": None}, "published", "no_inflammatory_arthritis"),
        ({"other_conditions": None}, "published", "no_generalised_pain"),
        ({"other_conditions": ["not_sure"]}, "published", "no_inflammatory_arthritis"),
        ({"other_conditions": ["not_sure"]}, "published", "no_generalised_pain"),
        ({"other_conditions": ["disc_problem", "not_sure"]}, "published", "no_generalised_pain"),
        ({"nicotine_use": None}, "published", "nicotine_free"),
    ],
)
def test_skipped_or_not_sure_is_unknown(changes, profile, criterion):
    assert status(full(**changes), profile, criterion) == "unknown"


def _no_injection_details(answer):
    answers = full(diagnostic_injection=answer, diagnostic_injection_count=None)
    for n in (1, 2):
        for part in ("guidance", "relief", "relief_lasted"):
            answers.pop(f"injection_{n}_{part}")
    return answers


@pytest.mark.parametrize("profile", ["documents", "published"])
def test_not_sure_about_a_numbing_injection_is_unknown(profile):
    answers = _no_injection_details("not_sure")
    assert status(answers, profile, "diagnostic_injection") == "unknown"


@pytest.mark.parametrize("profile", ["documents", "published"])
def test_a_numbing_injection_without_its_count_is_unknown(profile):
    answers = _no_injection_details("yes")
    assert status(answers, profile, "diagnostic_injection") == "unknown"


def test_documents_injection_relief_missing_is_unknown_unless_the_other_reached_50():
    assert (
        status(
            full(injection_1_relief=None, injection_2_relief=30),
            "documents",
            ("diagnostic_injection"),
        )
        == "unknown"
    )
    assert (
        status(
            full(injection_1_relief=None, injection_2_relief=60),
            "documents",
            ("diagnostic_injection"),
        )
        == "met"
    )


def test_a_skipped_answer_never_hides_a_known_mismatch():
    # Unknown only where the answers given do not already decide: 1 injection is never enough.
    answers = full(diagnostic_injection_count=1, injection_2_guidance=None)
    answers.pop("injection_2_relief")
    answers.pop("injection_2_relief_lasted")
    answers["injection_1_guidance"] = "not_sure"
    assert status(answers, "published", "diagnostic_injection") == "not_met"
    # Average pain 3 is below 5 whatever the interference would have been.
    assert status(full(pain_average=3, pain_interference=None), "published", "pain_severity") == (
        "not_met"
    )


def test_the_answer_column_says_not_provided_for_a_skipped_question():
    clean = questionnaire.validate(full(other_conditions=None, nicotine_use=None), ON)
    evaluation = evaluate(clean, "published", on=ON)
    answers = {c.id: c.answer for c in evaluation.criteria}
    assert answers["no_generalised_pain"] == "Not provided"
    assert answers["nicotine_free"] == "Not provided"
    assert evaluation.overall == "incomplete"
    assert evaluation.as_dict()["counts_text"] == (
        "6 of 9 main criteria met, 0 not met, 3 not known"
    )
