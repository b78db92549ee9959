"""Every threshold of criteria 2026.12-1 at and either side of its number, in both profiles.

The comparison day is 22 November 2026: a pain that started in August 2026 is 3 months old on
it, one that started in May 2026 is 6 months old. Expected statuses are written out.
"""

from __future__ import annotations

import datetime as dt

import pytest
from support import TREATMENTS, full

from screening import questionnaire
from screening.engine import evaluate

ON = dt.date(2026, 11, 22)


def status(answers, profile, criterion):
    """The status of one criterion for answers accepted as complete."""
    evaluation = evaluate(questionnaire.validate(answers, ON), profile, on=ON)
    return {c.id: c.status for c in evaluation.criteria}[criterion]


def treatments(started="2025-08", **tried):
    """FULL with only the given treatments tried (name -> result), or none at all."""
    changes = {"treatments_tried": list(tried) or ["none"]}
    for t in TREATMENTS:
        for key in (f"{t}_weeks", f"{t}_result"):
            changes[key] = None
    for key in ("steroid_injection_count", "steroid_injection_relief_weeks"):
        changes[key] = None
    for t, result in tried.items():
        changes[f"{t}_result"] = result
        if t == "steroid_injection":
            changes["steroid_injection_count"] = 2
            changes["steroid_injection_relief_weeks"] = 6
        elif t != "radiofrequency_ablation":
            changes[f"{t}_weeks"] = 8
    changes["treatment_started"] = started if tried else None
    return full(**changes)


def injections(*each, count=None):
    """FULL with numbing injections: one (guidance, relief) pair per injection asked about."""
    changes = {"diagnostic_injection_count": count or len(each)}
    for n in (1, 2):
        for part in ("guidance", "relief", "relief_lasted"):
            changes[f"injection_{n}_{part}"] = None
    for n, (guidance, relief) in enumerate(each, start=1):
        changes[f"injection_{n}_guidance"] = guidance
        changes[f"injection_{n}_relief"] = relief
        changes[f"injection_{n}_relief_lasted"] = "a_few_hours"
    return full(**changes)


# --- months since the pain started ------------------------------------------------------------


@pytest.mark.parametrize(
    ("started", "expected"),
    [("2026-09", "not_met"), ("2026-08", "met"), ("2026-07", "met")],  # 2, 3 and 4 months
)
def test_documents_chronic_pain_3_months(started, expected):
    assert status(full(pain_started=started), "documents", "chronic_pain") == expected


@pytest.mark.parametrize(
    ("started", "expected"),
    [("2026-06", "not_met"), ("2026-05", "met"), ("2026-04", "met")],  # 5, 6 and 7 months
)
def test_published_chronic_pain_6_months(started, expected):
    assert status(full(pain_started=started), "published", "chronic_pain") == expected


def test_months_are_counted_by_calendar_month():
    # From 1 May 2026 or 31 May 2026, any day of November 2026 is 6 months on.
    for day in (dt.date(2026, 11, 1), dt.date(2026, 11, 30)):
        evaluation = evaluate(full(pain_started="2026-05"), "published", on=day)
        assert {c.id: c.answer for c in evaluation.criteria}["chronic_pain"] == "6 months"


# --- pain scores ---------------------------------------------------------------------------


@pytest.mark.parametrize(("score", "expected"), [(3, "not_met"), (4, "met"), (5, "met")])
def test_documents_pain_affects_daily_life_4(score, expected):
    answers = full(pain_interference=score)
    assert status(answers, "documents", "pain_affects_daily_life") == expected


@pytest.mark.parametrize(("score", "expected"), [(4, "not_met"), (5, "met"), (6, "met")])
def test_published_pain_severity_average_5(score, expected):
    answers = full(pain_average=score, pain_interference=6)
    assert status(answers, "published", "pain_severity") == expected


@pytest.mark.parametrize(("score", "expected"), [(3, "not_met"), (4, "met"), (5, "met")])
def test_published_pain_severity_interference_4(score, expected):
    answers = full(pain_average=7, pain_interference=score)
    assert status(answers, "published", "pain_severity") == expected


def test_published_pain_severity_needs_both():
    # The review's case: average 7 with no interference matched under 2026.11.
    assert status(full(pain_average=7, pain_interference=0), "published", "pain_severity") == (
        "not_met"
    )


# --- treatments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tried", "expected"),
    [
        ({"physical_therapy": "no_relief"}, "not_met"),  # 1: fewer than 2
        ({"physical_therapy": "no_relief", "medication": "worse"}, "met"),  # 2
        ({"home_exercise": "temporary_relief", "si_belt": "no_relief"}, "met"),
        ({"medication": "no_relief", "si_belt": "no_relief"}, "not_met"),  # no exercise
        ({"physical_therapy": "lasting_relief", "medication": "no_relief"}, "not_met"),
        ({"home_exercise": "no_relief", "steroid_injection": "lasting_relief"}, "not_met"),
        ({"home_exercise": "no_relief", "radiofrequency_ablation": "temporary_relief"}, "met"),
        ({}, "not_met"),  # none tried
    ],
)
def test_documents_treatments_tried_2(tried, expected):
    assert status(treatments(**tried), "documents", "treatments_tried") == expected


ALL_FOUR = {
    "physical_therapy": "no_relief",
    "medication": "temporary_relief",
    "activity_modification": "no_relief",
    "si_belt": "worse",
}


@pytest.mark.parametrize(
    ("started", "expected"),
    [("2026-06", "not_met"), ("2026-05", "met"), ("2026-04", "met")],  # 5, 6 and 7 months
)
def test_published_conservative_care_6_months(started, expected):
    answers = treatments(started=started, **ALL_FOUR)
    assert status(answers, "published", "conservative_care") == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "met"),
        ({"physical_therapy": None, "home_exercise": "no_relief"}, "met"),  # either exercise
        ({"physical_therapy": None}, "not_met"),  # no exercise at all
        ({"medication": None}, "not_met"),
        ({"activity_modification": None}, "not_met"),
        ({"si_belt": None}, "not_met"),  # bracing
        ({"medication": "lasting_relief"}, "not_met"),
        ({"manual_therapy": "lasting_relief"}, "not_met"),  # any treatment with lasting relief
        ({"steroid_injection": "temporary_relief"}, "met"),
    ],
)
def test_published_conservative_care_components(changes, expected):
    tried = {k: v for k, v in {**ALL_FOUR, **changes}.items() if v is not None}
    assert status(treatments(**tried), "published", "conservative_care") == expected


def test_published_conservative_care_none_tried_is_not_met():
    assert status(treatments(), "published", "conservative_care") == "not_met"


def test_published_conservative_care_says_what_was_not_tried():
    evaluation = evaluate(
        questionnaire.validate(treatments(medication="no_relief", si_belt="no_relief"), ON),
        "published",
        on=ON,
    )
    answer = {c.id: c.answer for c in evaluation.criteria}["conservative_care"]
    assert answer == (
        "Pain medicine: 8 weeks · It did not help; A pelvic or SI joint belt (brace): 8 weeks · "
        "It did not help. Not tried: physical therapy or exercises at home; changing your "
        "activities. Since treatment started: 15 months"
    )


# --- numbing injections ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("each", "expected"),
    [
        ((("xray_or_ct", 49),), "not_met"),
        ((("xray_or_ct", 50),), "met"),
        ((("xray_or_ct", 51),), "met"),
        ((("xray_or_ct", 49), ("xray_or_ct", 49)), "not_met"),
        ((("xray_or_ct", 20), ("xray_or_ct", 50)), "met"),  # either injection
        ((("xray_or_ct", 80), ("xray_or_ct", 20)), "met"),
        ((("ultrasound", 60),), "met"),  # this profile does not check guidance
        ((("none", 60),), "met"),
    ],
)
def test_documents_diagnostic_injection_50(each, expected):
    assert status(injections(*each), "documents", "diagnostic_injection") == expected


@pytest.mark.parametrize(
    ("each", "count", "expected"),
    [
        ((("xray_or_ct", 74), ("xray_or_ct", 90)), 2, "not_met"),
        ((("xray_or_ct", 75), ("xray_or_ct", 75)), 2, "met"),
        ((("xray_or_ct", 76), ("xray_or_ct", 100)), 2, "met"),
        ((("xray_or_ct", 90), ("xray_or_ct", 74)), 2, "not_met"),
        ((("xray_or_ct", 80), ("xray_or_ct", 20)), 2, "not_met"),  # each, not at best
        ((("xray_or_ct", 90),), 1, "not_met"),  # one injection
        ((("ultrasound", 90), ("xray_or_ct", 90)), 2, "not_met"),
        ((("xray_or_ct", 90), ("ultrasound", 90)), 2, "not_met"),
        ((("xray_or_ct", 90), ("none", 90)), 2, "not_met"),
        ((("xray_or_ct", 80), ("xray_or_ct", 85)), 3, "met"),  # the two most recent of three
    ],
)
def test_published_diagnostic_injection_two_each_75_guided(each, count, expected):
    answers = injections(*each, count=count)
    assert status(answers, "published", "diagnostic_injection") == expected


def test_published_diagnostic_injection_not_sure_guidance_is_unknown_unless_a_relief_fails():
    unsure = injections(("not_sure", 90), ("xray_or_ct", 90))
    assert status(unsure, "published", "diagnostic_injection") == "unknown"
    failed = injections(("not_sure", 90), ("xray_or_ct", 40))
    assert status(failed, "published", "diagnostic_injection") == "not_met"


@pytest.mark.parametrize("profile", ["documents", "published"])
def test_no_numbing_injection_is_not_met(profile):
    answers = injections()
    answers.pop("diagnostic_injection_count")
    answers["diagnostic_injection"] = "no"
    assert status(answers, profile, "diagnostic_injection") == "not_met"


# --- examination ---------------------------------------------------------------------------


def exam(done, result=None, positive=None):
    """FULL with these examination answers."""
    return full(exam_done=done, exam_result=result, exam_positive_tests=positive)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (exam("yes", "reproduced_pain", 2), "not_met"),
        (exam("yes", "reproduced_pain", 3), "met"),
        (exam("yes", "reproduced_pain", 4), "met"),
        (exam("yes", "not_told", 3), "met"),  # the count was given
        (exam("yes", "did_not", 0), "not_met"),
        (exam("yes", "did_not"), "not_met"),  # no test brought on the pain
        (exam("no"), "not_met"),
    ],
)
def test_published_exam_3_positive_tests(answers, expected):
    assert status(answers, "published", "exam") == expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (exam("yes", "reproduced_pain"), "met"),
        (exam("yes", "did_not"), "not_met"),
        (exam("no"), "not_met"),
    ],
)
def test_documents_exam(answers, expected):
    assert status(answers, "documents", "exam") == expected


# --- imaging, conditions, nicotine, pain pattern and area ------------------------------------


def scans(imaging, result=None, found=None):
    """FULL with these imaging answers."""
    return full(imaging=imaging, imaging_result=result, imaging_other_problem=found)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (scans(["ct"], "normal"), "met"),
        (scans(["mri"], "si_joint_changes"), "met"),
        (scans(["xray", "mri"], "normal"), "met"),
        (scans(["xray"], "normal"), "not_met"),  # no CT or MRI
        (scans(["none"]), "not_met"),
        (scans(["mri"], "other_problem", ["disc_problem"]), "not_met"),
        (scans(["ct"], "other_problem", ["not_sure"]), "not_met"),
    ],
)
def test_published_imaging(answers, expected):
    assert status(answers, "published", "imaging") == expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (scans(["xray"], "normal"), "met"),
        (scans(["ct", "mri"], "si_joint_changes"), "met"),
        (scans(["mri"], "other_problem", ["fracture"]), "met"),  # any scan; a flag says what
        (scans(["none"]), "not_met"),
    ],
)
def test_documents_imaging_any_scan(answers, expected):
    assert status(answers, "documents", "imaging") == expected


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (["none"], "met"),
        (["disc_problem"], "met"),
        (["inflammatory_arthritis"], "not_met"),
        (["inflammatory_arthritis", "not_sure"], "not_met"),
    ],
)
def test_published_no_inflammatory_arthritis(conditions, expected):
    answers = full(other_conditions=conditions)
    assert status(answers, "published", "no_inflammatory_arthritis") == expected


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (["none"], "met"),
        (["hip_arthritis"], "met"),
        (["fibromyalgia"], "not_met"),
        (["fibromyalgia", "not_sure"], "not_met"),
    ],
)
def test_published_no_generalised_pain(conditions, expected):
    answers = full(other_conditions=conditions)
    assert status(answers, "published", "no_generalised_pain") == expected


@pytest.mark.parametrize(("use", "expected"), [("no", "met"), ("yes", "not_met")])
def test_published_nicotine_free(use, expected):
    assert status(full(nicotine_use=use), "published", "nicotine_free") == expected


@pytest.mark.parametrize(
    ("side", "points", "expected"),
    [
        ("left", "yes", "met"),
        ("both", "yes", "met"),  # both sides is a flag, not a mismatch
        ("right", "no", "not_met"),
    ],
)
def test_published_pain_pattern(side, points, expected):
    answers = full(pain_side=side, points_to_si_joint=points)
    assert status(answers, "published", "pain_pattern") == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (["buttock"], "met"),
        (["thigh"], "met"),  # "upper leg", seed 003
        (["lower_back", "hip"], "met"),
        (["groin", "hip", "below_knee"], "not_met"),
    ],
)
def test_documents_pain_area(where, expected):
    assert status(full(pain_locations=where), "documents", "pain_area") == expected
