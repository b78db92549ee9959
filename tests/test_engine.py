"""The criteria engine: every criterion at and either side of its threshold, outcomes and flags."""

from __future__ import annotations

import datetime as dt

import pytest
from support import FULL, MINIMAL, TREATMENTS, full

from screening import questionnaire
from screening.criteria import CRITERIA_VERSION, PROFILES
from screening.engine import age, bmi, evaluate

ON = dt.date(2026, 11, 22)


def status(answers, profile, criterion):
    """The status of one criterion."""
    evaluation = evaluate(questionnaire.validate(answers, ON), profile, on=ON)
    return {c.id: c.status for c in evaluation.criteria}[criterion]


def no_treatments(**tried):
    """FULL with every treatment 'no' except the given ones (name -> result)."""
    changes = {}
    for t in TREATMENTS:
        changes[f"{t}_tried"] = "no"
        changes[f"{t}_weeks"] = None
        changes[f"{t}_result"] = None
    for t, result in tried.items():
        changes.update({f"{t}_tried": "yes", f"{t}_weeks": 8, f"{t}_result": result})
    if not tried:
        changes["conservative_care_months"] = None
    return full(**changes)


def test_full_answers_are_valid_and_match_both_profiles():
    for profile in PROFILES:
        evaluation = evaluate(questionnaire.validate(FULL, ON), profile, on=ON)
        assert evaluation.overall == "consistent", [
            (c.id, c.status) for c in evaluation.criteria if c.status != "met"
        ]
        assert evaluation.criteria_version == CRITERIA_VERSION


# --- profile "documents" -----------------------------------------------------------------


@pytest.mark.parametrize(("months", "expected"), [(2, "not_met"), (3, "met"), (4, "met")])
def test_documents_chronic_pain_threshold_3_months(months, expected):
    assert status(full(pain_duration_months=months), "documents", "chronic_pain") == expected


@pytest.mark.parametrize(("score", "expected"), [(3, "not_met"), (4, "met"), (5, "met")])
def test_documents_quality_of_life_threshold_4(score, expected):
    assert status(full(pain_interference=score), "documents", "quality_of_life") == expected


@pytest.mark.parametrize(
    ("tried", "expected"),
    [
        ({"physical_therapy": "no_relief"}, "not_met"),  # fewer than two
        ({"physical_therapy": "no_relief", "medication": "worse"}, "met"),
        ({"home_exercise": "temporary_relief", "si_belt": "no_relief"}, "met"),
        ({"medication": "no_relief", "si_belt": "no_relief"}, "not_met"),  # none exercise-based
        ({"physical_therapy": "lasting_relief", "medication": "no_relief"}, "not_met"),
        ({}, "not_met"),
    ],
)
def test_documents_conservative_care(tried, expected):
    assert status(no_treatments(**tried), "documents", "conservative_care") == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"diagnostic_injection_relief": 49}, "not_met"),
        ({"diagnostic_injection_relief": 50}, "met"),
        ({"diagnostic_injection_relief": 51}, "met"),
        ({"diagnostic_injection_count": 1, "diagnostic_injection_guided": "no"}, "met"),
    ],
)
def test_documents_diagnostic_injection_threshold_50(changes, expected):
    assert status(full(**changes), "documents", "diagnostic_injection") == expected


def _no_injection(answer):
    return full(
        diagnostic_injection=answer,
        diagnostic_injection_count=None,
        diagnostic_injection_guided=None,
        diagnostic_injection_relief=None,
    )


@pytest.mark.parametrize("profile", ["documents", "published"])
def test_diagnostic_injection_no_is_not_met_and_not_sure_is_unknown(profile):
    assert status(_no_injection("no"), profile, "diagnostic_injection") == "not_met"
    assert status(_no_injection("not_sure"), profile, "diagnostic_injection") == "unknown"


def _exam(done, result=None, positive=None):
    return full(exam_done=done, exam_result=result, exam_positive_tests=positive)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (_exam("yes", "reproduced_pain"), "met"),
        (_exam("yes", "did_not"), "not_met"),
        (_exam("no"), "not_met"),
        (_exam("yes", "not_told"), "unknown"),
        (_exam("not_sure"), "unknown"),
        (full(exam_done=None, exam_result=None, exam_positive_tests=None), "unknown"),
    ],
)
def test_documents_exam(answers, expected):
    assert status(answers, "documents", "exam") == expected


@pytest.mark.parametrize(
    ("imaging", "expected"), [(["xray"], "met"), (["ct", "mri"], "met"), (None, "not_met")]
)
def test_documents_imaging(imaging, expected):
    answers = full(imaging=imaging, imaging_result=None if imaging is None else "normal")
    assert status(answers, "documents", "imaging") == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [(["buttock"], "met"), (["lower_back", "hip"], "met"), (["groin", "thigh"], "not_met")],
)
def test_documents_pain_pattern(where, expected):
    assert status(full(pain_locations=where), "documents", "pain_pattern") == expected


# --- profile "published" -----------------------------------------------------------------


@pytest.mark.parametrize(("months", "expected"), [(5, "not_met"), (6, "met"), (7, "met")])
def test_published_chronic_pain_threshold_6_months(months, expected):
    assert status(full(pain_duration_months=months), "published", "chronic_pain") == expected


@pytest.mark.parametrize(("score", "expected"), [(4, "not_met"), (5, "met"), (6, "met")])
def test_published_pain_severity_threshold_5(score, expected):
    assert status(full(pain_average=score), "published", "pain_severity") == expected


@pytest.mark.parametrize(("months", "expected"), [(5, "not_met"), (6, "met"), (7, "met")])
def test_published_conservative_care_months_threshold_6(months, expected):
    answers = full(conservative_care_months=months)
    assert status(answers, "published", "conservative_care") == expected


@pytest.mark.parametrize(
    ("tried", "expected"),
    [
        (
            {"physical_therapy": "no_relief", "home_exercise": "no_relief", "medication": "worse"},
            "met",
        ),
        ({"physical_therapy": "no_relief", "home_exercise": "no_relief"}, "not_met"),
        (
            {
                "physical_therapy": "no_relief",
                "home_exercise": "lasting_relief",
                "medication": "no_relief",
            },
            "not_met",
        ),
    ],
)
def test_published_conservative_care_needs_all_three_without_lasting_relief(tried, expected):
    answers = no_treatments(**tried)
    answers["conservative_care_months"] = 12
    assert status(answers, "published", "conservative_care") == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"diagnostic_injection_relief": 74}, "not_met"),
        ({"diagnostic_injection_relief": 75}, "met"),
        ({"diagnostic_injection_relief": 76}, "met"),
        ({"diagnostic_injection_count": 1}, "not_met"),
        ({"diagnostic_injection_count": 3}, "met"),
        ({"diagnostic_injection_guided": "no"}, "not_met"),
        ({"diagnostic_injection_guided": "not_sure"}, "unknown"),
    ],
)
def test_published_diagnostic_injection(changes, expected):
    assert status(full(**changes), "published", "diagnostic_injection") == expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (_exam("yes", "reproduced_pain", 2), "not_met"),
        (_exam("yes", "reproduced_pain", 3), "met"),
        (_exam("yes", "reproduced_pain", 4), "met"),
        (_exam("no"), "not_met"),
        (_exam("yes", "not_told"), "unknown"),
        (_exam("not_sure"), "unknown"),
    ],
)
def test_published_exam_threshold_3_tests(answers, expected):
    assert status(answers, "published", "exam") == expected


@pytest.mark.parametrize(
    ("imaging", "expected"),
    [(["xray"], "not_met"), (["ct"], "met"), (["mri"], "met"), (None, "not_met")],
)
def test_published_imaging_needs_ct_or_mri(imaging, expected):
    answers = full(imaging=imaging, imaging_result=None if imaging is None else "normal")
    assert status(answers, "published", "imaging") == expected


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [(None, "met"), (["disc_problem"], "met"), (["fibromyalgia", "hip_arthritis"], "not_met")],
)
def test_published_no_generalised_pain(conditions, expected):
    assert status(full(other_conditions=conditions), "published", "no_generalised_pain") == (
        expected
    )


@pytest.mark.parametrize(
    ("side", "points", "expected"),
    [
        ("left", "yes", "met"),
        ("right", "yes", "met"),
        ("both", "yes", "not_met"),
        ("left", "no", "not_met"),
        ("middle", "yes", "unknown"),
        ("left", "not_sure", "unknown"),
        (None, None, "unknown"),
    ],
)
def test_published_pain_pattern(side, points, expected):
    answers = full(pain_side=side, points_to_si_joint=points)
    assert status(answers, "published", "pain_pattern") == expected


@pytest.mark.parametrize(
    ("use", "expected"), [("no", "met"), ("yes", "not_met"), (None, "unknown")]
)
def test_published_nicotine_free(use, expected):
    assert status(full(nicotine_use=use), "published", "nicotine_free") == expected


# --- overall outcomes -----------------------------------------------------------------------


def overall(answers, profile="documents"):
    """The overall outcome."""
    return evaluate(questionnaire.validate(answers, ON), profile, on=ON).overall


def test_overall_consistent_when_every_core_criterion_is_met():
    assert overall(FULL) == "consistent"


def test_overall_not_consistent_when_a_core_criterion_is_not_met():
    assert overall(full(pain_duration_months=1)) == "not_consistent"
    assert overall(MINIMAL) == "not_consistent"


def test_overall_incomplete_when_a_core_criterion_is_unknown_and_none_not_met():
    assert overall(_no_injection("not_sure")) == "incomplete"


def test_overall_urgent_whatever_else_when_a_red_flag_is_answered():
    assert overall(full(red_flags=["saddle_numbness"])) == "urgent"
    assert overall(dict(MINIMAL, red_flags=["bladder_bowel", "cancer_history"])) == "urgent"
    evaluation = evaluate(full(red_flags=["leg_weakness"]), "published", on=ON)
    assert evaluation.overall == "urgent"
    assert evaluation.red_flags == ("leg_weakness",)


def test_supporting_criteria_do_not_change_the_overall_outcome():
    answers = full(imaging=None, imaging_result=None, exam_done="no", exam_result=None)
    answers["exam_positive_tests"] = None
    answers = {k: v for k, v in answers.items() if v is not None}
    assert overall(answers) == "consistent"


# --- flags ------------------------------------------------------------------------------


def flags(answers):
    """The ids of the flags raised."""
    return [f["id"] for f in evaluate(questionnaire.validate(answers, ON), on=ON).flags]


def test_no_flags_for_the_full_example():
    assert flags(FULL) == []


def test_flag_both_sides():
    assert flags(full(pain_side="both")) == ["both_sides"]


@pytest.mark.parametrize(
    "condition", ["disc_problem", "spinal_stenosis", "nerve_compression", "hip_arthritis"]
)
def test_flag_other_conditions(condition):
    assert flags(full(other_conditions=[condition])) == ["other_conditions"]


def test_fibromyalgia_alone_is_not_the_other_conditions_flag():
    assert flags(full(other_conditions=["fibromyalgia"])) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"nicotine_use": "yes"},
        {"height_cm": 170, "weight_kg": 87},  # BMI 30.1
        {"date_of_birth": "1961-11-22"},  # 65 on ON
    ],
)
def test_flag_risk_factors(changes):
    assert flags(full(**changes)) == ["risk_factors"]


def test_risk_factor_limits_either_side():
    assert flags(full(height_cm=170, weight_kg=86)) == []  # BMI 29.8
    assert flags(full(date_of_birth="1961-11-23")) == []  # 64 on ON


def test_flag_previous_lumbar_fusion():
    assert flags(full(previous_lumbar_fusion="yes")) == ["previous_lumbar_fusion"]


def test_flags_carry_text_and_source():
    evaluation = evaluate(full(pain_side="both"), on=ON)
    flag = evaluation.flags[0]
    assert "one side" in flag["text"]
    assert flag["source"]["document"].endswith(".txt")


def test_bmi_and_age():
    assert bmi({"height_cm": 180, "weight_kg": 81}) == 25.0
    assert bmi({"height_cm": 180}) is None
    assert age({"date_of_birth": "2000-02-29"}, dt.date(2026, 2, 28)) == 25
    assert age({"date_of_birth": "2000-02-29"}, dt.date(2026, 3, 1)) == 26
    assert age({}, ON) is None


# --- every criterion is sourced and worded as a comparison ---------------------------------


FORBIDDEN = ("candidate", "you need surgery", "you have si joint", "diagnosis:", "recommend")


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_criterion_has_a_source_and_words(profile):
    evaluation = evaluate(full(), profile, on=ON)
    for c in evaluation.criteria:
        assert c.source["document"] and c.source["says"], c.id
        assert c.requirement and c.answer and c.title, c.id
        text = f"{c.requirement} {c.answer} {c.title}".lower()
        assert not any(word in text for word in FORBIDDEN), c.id


def test_engine_output_is_deterministic_for_a_stored_evaluation():
    first = evaluate(FULL, "published", on=ON).as_dict()
    second = evaluate(dict(FULL), "published", on=ON).as_dict()
    assert first == second


def test_unknown_profile_is_refused():
    with pytest.raises(KeyError):
        evaluate(FULL, "nonsense")
