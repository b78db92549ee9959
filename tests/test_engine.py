"""The criteria engine (criteria 2026.12-1): the example answers, overall codes, counts and flags.

Thresholds at and either side are in test_criteria_thresholds.py, every unknown case in
test_criteria_unknowns.py, the property test in test_criteria_property.py. Expected values are
written out here, never worked out by the code under test.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from support import FULL, MINIMAL, full

from screening import questionnaire
from screening.criteria import CRITERIA_VERSION, PROFILES
from screening.engine import age, bmi, evaluate, red_flag_level

ON = dt.date(2026, 11, 22)
ROOT = Path(__file__).resolve().parent.parent


def statuses(answers, profile):
    """Every criterion's status, in the profile's order."""
    evaluation = evaluate(questionnaire.validate(answers, ON), profile, on=ON)
    return [(c.id, c.status) for c in evaluation.criteria]


def test_the_version_is_2026_12_1():
    assert CRITERIA_VERSION == "2026.12-1"


def test_example_answers_documents_profile():
    assert statuses(FULL, "documents") == [
        ("chronic_pain", "met"),
        ("pain_affects_daily_life", "met"),
        ("treatments_tried", "met"),
        ("diagnostic_injection", "met"),
        ("exam", "met"),
        ("imaging", "met"),
        ("pain_area", "met"),
    ]


def test_example_answers_published_profile():
    assert statuses(FULL, "published") == [
        ("conservative_care", "met"),
        ("pain_severity", "met"),
        ("chronic_pain", "met"),
        ("diagnostic_injection", "met"),
        ("exam", "met"),
        ("imaging", "met"),
        ("no_inflammatory_arthritis", "met"),
        ("no_generalised_pain", "met"),
        ("nicotine_free", "met"),
        ("pain_pattern", "met"),
    ]


def test_core_and_supporting_as_the_issue_lists():
    core = {p: [c.id for c in PROFILES[p].criteria if c.core] for p in PROFILES}
    assert core == {
        "documents": [
            "chronic_pain",
            "pain_affects_daily_life",
            "treatments_tried",
            "diagnostic_injection",
        ],
        "published": [
            "conservative_care",
            "pain_severity",
            "chronic_pain",
            "diagnostic_injection",
            "exam",
            "imaging",
            "no_inflammatory_arthritis",
            "no_generalised_pain",
            "nicotine_free",
        ],
    }


def test_the_reviews_case_is_not_every_criterion_met():
    # Ankylosing spondylitis, an X-ray that showed a different problem, pain on both sides and
    # nicotine: the clinical review found every main criterion "matched" under 2026.11.
    answers = full(
        other_conditions=["inflammatory_arthritis"],
        imaging=["xray"],
        imaging_result="other_problem",
        imaging_other_problem=["inflammation"],
        pain_side="both",
        nicotine_use="yes",
    )
    evaluation = evaluate(questionnaire.validate(answers, ON), "published", on=ON)
    assert evaluation.overall == "not_consistent"
    assert [c.id for c in evaluation.criteria if c.status == "not_met"] == [
        "imaging",
        "no_inflammatory_arthritis",
        "nicotine_free",
    ]
    assert evaluation.as_dict()["counts_text"] == (
        "6 of 9 main criteria met, 3 not met, 0 not known"
    )
    assert [f["id"] for f in evaluation.flags] == [
        "both_sides",
        "other_conditions",
        "imaging_other_problem",
        "risk_factors",
    ]


# --- the evaluation JSON ------------------------------------------------------------------


def test_the_evaluation_json_shape():
    data = evaluate(FULL, "published", on=ON).as_dict()
    assert list(data) == [
        "profile",
        "criteria_version",
        "overall",
        "counts",
        "counts_text",
        "criteria",
        "flags",
        "flags_unknown",
        "red_flags",
    ]
    assert data["counts"] == {"total": 9, "met": 9, "not_met": 0, "unknown": 0}
    assert data["counts_text"] == "9 of 9 main criteria met, 0 not met, 0 not known"
    first = data["criteria"][0]
    assert list(first) == [
        "id",
        "status",
        "core",
        "title",
        "answer",
        "requirement",
        "threshold",
        "sources",
    ]
    assert first["threshold"]["value"] == "6 months since treatment started"
    assert first["threshold"]["basis"].startswith("NASS 2015 and BCBS MP-555 ask for a minimum")
    assert first["sources"][0] == {
        "document": "BCBS MP-555",
        "says": (
            "a minimum 6 months of intensive nonoperative treatment that must include medication "
            "optimization, activity modification, bracing, and active therapeutic exercise … "
            "including a home exercise program"
        ),
        "kind": "published",
        "date": "November 2023 (latest review, Credence Blue portal)",
        "url": "https://policies.credenceblue.com/portal/web/medical-policies/-/mp-555?print=1",
    }


def test_documents_thresholds_say_the_seeds_give_no_number():
    data = evaluate(FULL, "documents", on=ON).as_dict()
    chronic = data["criteria"][0]
    assert chronic["threshold"] == {
        "value": "3 months since the pain started",
        "basis": (
            "The seed documents say ‘chronic’ and ‘an extended period’ without a number; 3 months "
            "is the CMS definition of chronic pain (pain persisting at least 12 weeks)."
        ),
        "basis_short": "CMS definition of chronic pain; the seeds give no number",
    }
    # The seed is quoted in its own words only, and cited by its title.
    assert chronic["sources"][0] == {
        "document": "Sacroiliac Joint Fusion: A Solution for Chronic Lower Back Pain",
        "says": (
            "Pain Is Chronic: If the pain persists for an extended period and significantly "
            "impairs the patient’s quality of life."
        ),
        "kind": "seed",
    }


# The seed documents, as received (docs/sources/README.md).
SEEDS = Path(__file__).resolve().parents[1] / "docs" / "sources" / "seeds"


def test_every_seed_quotation_is_in_its_seed_document_word_for_word():
    texts = {}
    for path in SEEDS.glob("*.txt"):
        text = path.read_text()
        texts[text.splitlines()[0].strip()] = " ".join(text.split())
    quoted = [
        s
        for profile in PROFILES
        for c in evaluate(FULL, profile, on=ON).as_dict()["criteria"]
        for s in c["sources"]
    ]
    answers = full(pain_side="both", other_conditions=["disc_problem"], nicotine_use="yes")
    quoted += [s for f in evaluate(answers, on=ON).as_dict()["flags"] for s in f["sources"]]
    seeds = [s for s in quoted if s["kind"] == "seed"]
    assert seeds
    for s in seeds:
        assert s["document"] in texts, s["document"]
        assert " ".join(s["says"].split()) in texts[s["document"]], s["says"]


def test_every_criterion_has_sources_words_and_a_threshold_or_a_basis():
    for profile in PROFILES:
        for c in evaluate(FULL, profile, on=ON).as_dict()["criteria"]:
            assert c["sources"] and all(s["document"] for s in c["sources"]), c["id"]
            assert c["threshold"]["basis"], c["id"]
            for s in c["sources"]:
                if s["kind"] == "published":
                    assert s["url"].startswith("http") and s["date"], (c["id"], s)
                else:
                    assert not s["document"].endswith(".txt")


FORBIDDEN = ("candidate", "you need surgery", "you have si joint", "diagnosis:", "recommend")


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_words_are_a_comparison_never_a_verdict(profile):
    evaluation = evaluate(full(), profile, on=ON)
    for c in evaluation.criteria:
        assert c.requirement and c.answer and c.title, c.id
        text = f"{c.requirement} {c.answer} {c.title}".lower()
        assert not any(word in text for word in FORBIDDEN), c.id


# --- overall codes and counts ----------------------------------------------------------------


def overall(answers, profile="documents"):
    """The overall code."""
    return evaluate(questionnaire.validate(answers, ON, complete=False), profile, on=ON).overall


def test_overall_consistent_when_every_core_criterion_is_met():
    assert overall(FULL) == "consistent"
    assert overall(FULL, "published") == "consistent"


def test_overall_not_consistent_when_a_core_criterion_is_not_met():
    assert overall(full(pain_started="2026-10")) == "not_consistent"
    assert overall(MINIMAL) == "not_consistent"


def test_overall_incomplete_when_a_core_criterion_is_unknown_and_none_not_met():
    answers = full(diagnostic_injection="not_sure", diagnostic_injection_count=None)
    for k in list(answers):
        if k.startswith("injection_"):
            answers.pop(k)
    assert overall(answers) == "incomplete"
    evaluation = evaluate(questionnaire.validate(answers, ON), "documents", on=ON)
    assert evaluation.as_dict()["counts_text"] == "3 of 4 main criteria met, 0 not met, 1 not known"


def test_overall_urgent_whatever_else_when_a_red_flag_is_answered():
    assert overall(full(rf_saddle_numbness="yes")) == "urgent"
    assert overall(dict(MINIMAL, rf_bladder_bowel="yes", rf_cancer="yes")) == "urgent"
    assert overall(dict(MINIMAL, rf_night_pain="yes")) == "urgent"
    evaluation = evaluate(full(rf_leg_weakness="yes", rf_fever="yes"), "published", on=ON)
    assert evaluation.overall == "urgent"
    assert evaluation.as_dict()["red_flags"] == [
        {
            "id": "rf_leg_weakness",
            "level": "emergency",
            "text": "New or worsening weakness or numbness in one or both legs, or worsening "
            "pain in both legs",
        },
        {
            "id": "rf_fever",
            "level": "urgent",
            "text": "High temperature, or feeling hot and shivery",
        },
    ]


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"rf_bladder_bowel": "yes"}, "emergency"),
        ({"rf_saddle_numbness": "yes"}, "emergency"),
        ({"rf_leg_weakness": "yes"}, "emergency"),
        ({"rf_sexual_function": "yes"}, "emergency"),
        ({"rf_major_trauma": "yes"}, "emergency"),
        ({"rf_minor_trauma": "yes"}, "emergency"),
        ({"rf_fever": "yes"}, "urgent"),
        ({"rf_weight_loss": "yes"}, "urgent"),
        ({"rf_cancer": "yes"}, "urgent"),
        ({"rf_night_pain": "yes"}, "urgent"),
        ({"rf_immune": "yes"}, "urgent"),
        ({"rf_lump": "yes"}, "urgent"),
        ({"rf_lump": "yes", "rf_minor_trauma": "yes"}, "emergency"),
        ({}, None),
    ],
)
def test_each_red_flag_has_its_level_and_the_highest_wins(answers, level):
    assert red_flag_level(full(**answers)) == level
    assert (overall(full(**answers)) == "urgent") is (level is not None)


def test_supporting_criteria_do_not_change_the_overall_code():
    answers = full(imaging=["none"], imaging_result=None, exam_done="no", exam_result=None)
    answers.pop("exam_positive_tests")
    answers.pop("imaging_result", None)
    assert overall(answers) == "consistent"


# --- flags ------------------------------------------------------------------------------


def evaluated(answers):
    """The documents evaluation of answers accepted as complete."""
    return evaluate(questionnaire.validate(answers, ON), on=ON)


def flags(answers):
    """The ids of the flags raised."""
    return [f["id"] for f in evaluated(answers).flags]


def flag_text(answers, flag_id):
    """The sentence of one flag."""
    return {f["id"]: f["text"] for f in evaluated(answers).flags}[flag_id]


def test_no_flags_and_nothing_unknown_for_the_example():
    evaluation = evaluated(FULL)
    assert evaluation.flags == ()
    assert evaluation.flags_unknown == ()


def test_flag_both_sides():
    assert flags(full(pain_side="both")) == ["both_sides"]
    assert flag_text(full(pain_side="both"), "both_sides") == (
        "The pain is on both sides. Ask how that affects the tests and the options."
    )


@pytest.mark.parametrize(
    ("condition", "label"),
    [
        ("disc_problem", "A disc problem in the spine"),
        ("spinal_stenosis", "Narrowing of the spine (spinal stenosis)"),
        ("nerve_compression", "A trapped or pressed nerve"),
        ("hip_arthritis", "Arthritis in the hip"),
        ("inflammatory_arthritis", "Inflammatory arthritis, like ankylosing spondylitis"),
        ("fibromyalgia", "Fibromyalgia"),
        ("osteoporosis", "Thin bones (osteoporosis)"),
    ],
)
def test_flag_other_conditions_names_the_condition(condition, label):
    answers = full(other_conditions=[condition])
    assert flags(answers) == ["other_conditions"]
    assert flag_text(answers, "other_conditions") == (
        f"Other conditions named: {label}. Pain that comes from another condition may need "
        "other tests or treatment."
    )


def test_flag_other_conditions_not_raised_by_none_and_not_known_when_skipped():
    assert flags(full(other_conditions=["none"])) == []
    skipped = evaluated(full(other_conditions=None))
    assert skipped.flags == ()
    assert [f["id"] for f in skipped.flags_unknown] == ["other_conditions"]
    not_sure = evaluated(full(other_conditions=["not_sure"]))
    assert [f["id"] for f in not_sure.flags_unknown] == ["other_conditions"]


def test_flag_imaging_other_problem_names_what_was_found():
    answers = full(
        imaging=["xray", "mri"],
        imaging_result="other_problem",
        imaging_other_problem=["disc_problem", "fracture"],
    )
    assert flags(answers) == ["imaging_other_problem"]
    assert flag_text(answers, "imaging_other_problem") == (
        "The scans showed a different problem: A disc problem in the spine; A broken bone "
        "(fracture)."
    )
    unsure = full(
        imaging=["mri"], imaging_result="other_problem", imaging_other_problem=["not_sure"]
    )
    assert flag_text(unsure, "imaging_other_problem") == (
        "The scans showed a different problem: what it showed is not known."
    )


def test_flag_imaging_not_known_when_not_told_or_skipped():
    told = evaluated(full(imaging_result="not_told"))
    assert [f["id"] for f in told.flags_unknown] == ["imaging_other_problem"]
    skipped = evaluated(full(imaging=None, imaging_result=None))
    assert [f["id"] for f in skipped.flags_unknown] == ["imaging_other_problem"]
    assert evaluated(full(imaging=["none"], imaging_result=None)).flags_unknown == ()


def test_flag_nerve_symptoms():
    numb = full(leg_numbness="yes")
    assert flag_text(numb, "nerve_symptoms") == (
        "Leg symptoms that can come from a nerve in the back: numbness, tingling or pins and "
        "needles in a leg or foot."
    )
    knee = full(pain_locations=["buttock", "below_knee"])
    assert flag_text(knee, "nerve_symptoms") == (
        "Leg symptoms that can come from a nerve in the back: pain below the knee."
    )
    assert [f["id"] for f in evaluated(full(leg_numbness="not_sure")).flags_unknown] == [
        "nerve_symptoms"
    ]


def test_flag_risk_factors_names_the_patients_values():
    answers = full(
        nicotine_use="yes",
        height_cm=170,
        weight_kg=93,  # BMI 32.2
        date_of_birth="1955-01-01",  # 71 on ON
        regular_opioids="yes",
    )
    assert flags(answers) == ["risk_factors"]
    assert flag_text(answers, "risk_factors") == (
        "Factors that can raise the risks of an operation: nicotine use; BMI 32.2; age 71; "
        "opioid painkillers most days (limits: a BMI of 30 or more, age 65 or more)."
    )


@pytest.mark.parametrize(
    ("changes", "raised"),
    [
        ({"height_cm": 170, "weight_kg": 86}, []),  # BMI 29.8
        ({"height_cm": 170, "weight_kg": 87}, ["risk_factors"]),  # BMI 30.1
        ({"date_of_birth": "1961-11-23"}, []),  # 64 on ON
        ({"date_of_birth": "1961-11-22"}, ["risk_factors"]),  # 65 on ON
        ({"regular_opioids": "yes"}, ["risk_factors"]),
        ({"nicotine_use": "yes"}, ["risk_factors"]),
    ],
)
def test_risk_factor_limits_either_side(changes, raised):
    assert flags(full(**changes)) == raised


def test_risk_factors_not_known_without_age_or_bmi():
    evaluation = evaluated(full(date_of_birth=None))
    assert evaluation.flags == ()
    assert [f["id"] for f in evaluation.flags_unknown] == ["risk_factors"]


def test_flag_previous_operations_cite_their_sources():
    evaluation = evaluated(full(previous_lumbar_fusion="yes", previous_si_fusion="yes"))
    raised = {f["id"]: f for f in evaluation.flags}
    assert list(raised) == ["previous_lumbar_fusion", "previous_si_fusion"]
    assert raised["previous_lumbar_fusion"]["sources"][0]["says"] == (
        "SIJ degeneration commonly occurs, especially after lumbar fusion."
    )
    assert raised["previous_lumbar_fusion"]["sources"][0]["url"] == (
        "https://cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=39797"
    )


@pytest.mark.parametrize(
    ("answer", "raised"),
    [
        ("no", []),
        ("not_applicable", []),
        ("pregnant_now", ["pregnancy"]),
        ("planning_pregnancy", ["pregnancy"]),
        ("gave_birth_last_year", ["pregnancy"]),
    ],
)
def test_flag_pregnancy(answer, raised):
    assert flags(full(pregnancy=answer)) == raised


def test_flag_pregnancy_names_the_answer():
    assert flag_text(full(pregnancy="pregnant_now"), "pregnancy") == "Pregnancy: I am pregnant."


@pytest.mark.parametrize(
    ("answer", "raised"), [("no", []), ("yes", ["metal_allergy"]), ("not_sure", ["metal_allergy"])]
)
def test_flag_metal_allergy(answer, raised):
    assert flags(full(metal_allergy=answer)) == raised


def test_every_flag_is_not_known_when_its_answer_is_skipped():
    skipped = {
        "pain_side": "both_sides",
        "leg_numbness": "nerve_symptoms",
        "nicotine_use": "risk_factors",
        "previous_lumbar_fusion": "previous_lumbar_fusion",
        "previous_si_fusion": "previous_si_fusion",
        "pregnancy": "pregnancy",
        "metal_allergy": "metal_allergy",
    }
    for key, flag_id in skipped.items():
        evaluation = evaluated(full(**{key: None}))
        assert [f["id"] for f in evaluation.flags_unknown] == [flag_id], key


def test_bmi_and_age():
    assert bmi({"height_cm": 180, "weight_kg": 81}) == 25.0
    assert bmi({"height_cm": 180}) is None
    assert age({"date_of_birth": "2000-02-29"}, dt.date(2026, 2, 28)) == 25
    assert age({"date_of_birth": "2000-02-29"}, dt.date(2026, 3, 1)) == 26
    assert age({}, ON) is None


def test_engine_output_is_deterministic_for_a_stored_evaluation():
    first = evaluate(FULL, "published", on=ON).as_dict()
    second = evaluate(dict(FULL), "published", on=ON).as_dict()
    assert first == second


def test_unknown_profile_is_refused():
    with pytest.raises(KeyError):
        evaluate(FULL, "nonsense")


# --- the command line ---------------------------------------------------------------------


def test_flask_evaluate_prints_the_example_evaluation(app):
    path = str(ROOT / "docs" / "example-answers.json")
    for profile, first in (("documents", "chronic_pain"), ("published", "conservative_care")):
        result = app.test_cli_runner().invoke(args=["evaluate", path, "--profile", profile])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["profile"] == profile
        assert data["criteria_version"] == "2026.12-1"
        assert data["criteria"][0]["id"] == first
        assert all(c["threshold"]["basis"] for c in data["criteria"])
