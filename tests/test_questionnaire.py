"""The one questionnaire definition: the data dictionary, validation rules and conditions."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import EVERY_TREATMENT, FULL, MINIMAL, RED_FLAG_KEYS, full

from screening import questionnaire as q
from screening.engine import evaluate
from screening.legacy import questionnaire_2026_11 as legacy

TODAY = dt.date(2026, 11, 22)

DICTIONARY_KEYS = {
    "safety": [
        "rf_bladder_bowel",
        "rf_saddle_numbness",
        "rf_leg_weakness",
        "rf_sexual_function",
        "rf_major_trauma",
        "rf_minor_trauma",
        "rf_fever",
        "rf_weight_loss",
        "rf_cancer",
        "rf_night_pain",
        "rf_immune",
        "rf_lump",
    ],
    "about": ["name", "date_of_birth", "height_cm", "weight_kg", "appointment_date"],
    "pain": [
        "pain_started",
        "pain_locations",
        "pain_side",
        "leg_numbness",
        "pain_triggers",
        "points_to_si_joint",
        "pain_causes",
        "pain_average",
        "pain_interference",
        "activity_1",
        "activity_1_score",
        "activity_2",
        "activity_2_score",
        "activity_3",
        "activity_3_score",
    ],
    "treatments": [
        "treatments_tried",
        "physical_therapy_weeks",
        "physical_therapy_result",
        "home_exercise_weeks",
        "home_exercise_result",
        "medication_weeks",
        "medication_result",
        "activity_modification_weeks",
        "activity_modification_result",
        "si_belt_weeks",
        "si_belt_result",
        "manual_therapy_weeks",
        "manual_therapy_result",
        "steroid_injection_count",
        "steroid_injection_relief_weeks",
        "steroid_injection_result",
        "radiofrequency_ablation_result",
        "treatment_started",
    ],
    "tests": [
        "exam_done",
        "exam_result",
        "exam_positive_tests",
        "imaging",
        "imaging_result",
        "imaging_other_problem",
        "diagnostic_injection",
        "diagnostic_injection_count",
        "injection_1_guidance",
        "injection_1_relief",
        "injection_1_relief_lasted",
        "injection_2_guidance",
        "injection_2_relief",
        "injection_2_relief_lasted",
        "other_conditions",
        "previous_lumbar_fusion",
        "previous_si_fusion",
        "pregnancy",
        "metal_allergy",
        "regular_opioids",
        "nicotine_use",
    ],
}


def test_keys_are_unique_and_every_step_question_is_defined_once():
    keys = [question.key for question in q.QUESTIONS]
    assert len(keys) == len(set(keys))
    in_steps = [k for step in q.STEPS for k in step.keys]
    assert sorted(in_steps) == sorted(keys)


def test_sections_hold_the_public_data_dictionary_keys():
    for section, keys in DICTIONARY_KEYS.items():
        assert [x.key for x in q.QUESTIONS if x.section == section] == keys, section
    assert [s.key for s in q.SECTIONS] == list(DICTIONARY_KEYS)


def test_the_keys_of_2026_11_are_gone():
    old = [
        "pain_duration_months",
        "conservative_care_months",
        "diagnostic_injection_guided",
        "diagnostic_injection_relief",
        "physical_therapy_tried",
        "home_exercise_tried",
        "medication_tried",
        "activity_modification_tried",
        "si_belt_tried",
        "manual_therapy_tried",
        "steroid_injection_tried",
        "steroid_injection_weeks",  # injections are counted, not tried for weeks
    ]
    for key in old:
        assert key not in q.BY_KEY, key
    with pytest.raises(q.AnswerError, match="not a question") as caught:
        q.validate({**MINIMAL, "pain_duration_months": 18}, TODAY)
    assert caught.value.key == "pain_duration_months"


def test_each_treatment_tried_has_a_page_of_its_own():
    assert [s.key for s in q.STEPS if s.section == "treatments"] == [
        "treatments",
        "treatment_physical_therapy",
        "treatment_home_exercise",
        "treatment_medication",
        "treatment_activity_modification",
        "treatment_si_belt",
        "treatment_manual_therapy",
        "treatment_steroid_injection",
        "treatment_radiofrequency_ablation",
        "treatment_started",
    ]
    assert q.STEP_BY_KEY["treatment_medication"].keys == ("medication_weeks", "medication_result")
    assert q.STEP_BY_KEY["treatment_steroid_injection"].keys == (
        "steroid_injection_count",
        "steroid_injection_relief_weeks",
        "steroid_injection_result",
    )
    assert q.STEP_BY_KEY["treatment_radiofrequency_ablation"].keys == (
        "radiofrequency_ablation_result",
    )


def test_pages_whose_questions_are_all_not_asked_are_skipped():
    always = [
        "safety_emergency",
        "safety_urgent",
        "about",
        "pain",
        "pain_more",
        "pain_scores",
        "activities",
        "treatments",
    ]
    later = ["tests", "injection", "health"]
    assert [s.key for s in q.CURRENT.shown_steps({})] == always + later
    assert [s.key for s in q.CURRENT.shown_steps(MINIMAL)] == always + later
    assert [s.key for s in q.CURRENT.shown_steps(FULL)] == [
        *always,
        "treatment_physical_therapy",
        "treatment_home_exercise",
        "treatment_medication",
        "treatment_activity_modification",
        "treatment_si_belt",
        "treatment_started",
        "tests",
        "injection",
        "injection_details",
        "health",
    ]
    only_belt = {**MINIMAL, "treatments_tried": ["si_belt"]}
    assert [s.key for s in q.CURRENT.shown_steps(only_belt)] == [
        *always,
        "treatment_si_belt",
        "treatment_started",
        *later,
    ]
    one_injection = {**MINIMAL, "diagnostic_injection": "yes", "diagnostic_injection_count": 1}
    assert "injection_details" in [s.key for s in q.CURRENT.shown_steps(one_injection)]
    assert len(q.CURRENT.shown_steps(EVERY_TREATMENT)) == len(q.STEPS) == 21


def test_conditions_only_refer_to_earlier_questions():
    seen: set[str] = set()
    for question in q.QUESTIONS:
        for when in question.when:
            assert when.key in seen, (question.key, when.key)
        seen.add(question.key)


def test_full_and_minimal_answers_validate():
    assert q.validate(FULL, TODAY) == FULL
    assert q.validate(MINIMAL, TODAY) == MINIMAL
    assert q.validate(EVERY_TREATMENT, TODAY) == EVERY_TREATMENT


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        (
            {"pain_started": "2026-12"},
            "pain_started",
            "When the pain started must be this month or in the past",
        ),
        ({"pain_started": "1906-10"}, "pain_started", "within the last 120 years"),
        ({"pain_started": "2025-13"}, "pain_started", "as a year and month, like 2025-03"),
        ({"pain_started": "2025-3"}, "pain_started", "as a year and month"),
        ({"pain_started": "2025-03-01"}, "pain_started", "as a year and month"),
        ({"pain_started": "0000-01"}, "pain_started", "as a year and month"),
        ({"pain_started": 202503}, "pain_started", "as a year and month"),
        ({"pain_started": None}, "pain_started", "Enter when the pain started"),
        ({"pain_average": 11}, "pain_average", "10 or less"),
        ({"height_cm": 99}, "height_cm", "100 or more"),
        ({"weight_kg": 301}, "weight_kg", "300 or less"),
        ({"height_cm": 170.5}, "height_cm", "whole number"),
        ({"height_cm": "170"}, "height_cm", "whole number"),
        ({"height_cm": True}, "height_cm", "whole number"),
        ({"date_of_birth": "2027-01-01"}, "date_of_birth", "today or in the past"),
        ({"date_of_birth": "1900-01-01"}, "date_of_birth", "120 years"),
        ({"date_of_birth": "1980-02-30"}, "date_of_birth", "real date"),
        ({"date_of_birth": "14/05/1972"}, "date_of_birth", "real date"),
        ({"appointment_date": "2032-01-01"}, "appointment_date", "within 5 years"),
        ({"name": "x" * 101}, "name", "100 characters"),
        ({"pain_side": "up"}, "pain_side", "from the list"),
        ({"leg_numbness": "sometimes"}, "leg_numbness", "from the list"),
        ({"pain_locations": []}, "pain_locations", "at least one"),
        ({"pain_locations": ["knee"]}, "pain_locations", "from the list"),
        ({"pain_locations": "buttock"}, "pain_locations", "from the list"),
        ({"activity_1": "x" * 81}, "activity_1", "80 characters or fewer"),
        ({"activity_2_score": 11}, "activity_2_score", "10 or less"),
        ({"activity_1_score": -1}, "activity_1_score", "0 or more"),
        ({"rf_cancer": None}, "rf_cancer", "Select if you have or have had cancer"),
        ({"rf_cancer": ["yes"]}, "rf_cancer", "from the list"),
        ({"rf_lump": "maybe"}, "rf_lump", "from the list"),
        ({"treatments_tried": None}, "treatments_tried", "at least one"),
        ({"treatments_tried": "medication"}, "treatments_tried", "from the list"),
        ({"treatments_tried": ["surgery"]}, "treatments_tried", "from the list"),
        (
            {"treatments_tried": ["none", "medication"]},
            "treatments_tried",
            "Select ‘I have not tried any of these’ only if none of the others apply",
        ),
        ({"physical_therapy_weeks": None}, "physical_therapy_weeks", "Enter how many weeks"),
        ({"physical_therapy_weeks": 521}, "physical_therapy_weeks", "520 or less"),
        ({"si_belt_result": None}, "si_belt_result", "Select how a pelvic belt went"),
        ({"medication_result": "cured"}, "medication_result", "from the list"),
        ({"treatment_started": None}, "treatment_started", "Enter when you first had treatment"),
        (
            {"treatment_started": "2026-12"},
            "treatment_started",
            "must be this month or in the past",
        ),
        ({"imaging": ["none", "mri"]}, "imaging", "only if none of the others apply"),
        ({"imaging_result": None}, "imaging_result", "Select what you were told"),
        ({"other_conditions": ["osteoporosis", "none"]}, "other_conditions", "only if none"),
        ({"diagnostic_injection_count": 0}, "diagnostic_injection_count", "1 or more"),
        ({"diagnostic_injection_count": 11}, "diagnostic_injection_count", "10 or less"),
        ({"injection_1_relief": 101}, "injection_1_relief", "100 or less"),
        ({"injection_2_relief": -1}, "injection_2_relief", "0 or more"),
        ({"injection_1_relief": "80%"}, "injection_1_relief", "whole number"),
        ({"injection_2_guidance": "mri"}, "injection_2_guidance", "from the list"),
        (
            {"injection_2_relief_lasted": None},
            "injection_2_relief_lasted",
            "Select how long the relief from injection 2 lasted",
        ),
        ({"previous_si_fusion": "not_sure"}, "previous_si_fusion", "from the list"),
        ({"pregnancy": "yes"}, "pregnancy", "from the list"),
        ({"metal_allergy": "nickel"}, "metal_allergy", "from the list"),
        ({"regular_opioids": "sometimes"}, "regular_opioids", "from the list"),
        ({"favourite_colour": "blue"}, "favourite_colour", "not a question"),
    ],
)
def test_bad_values_are_refused_with_a_message_naming_the_rule(changes, key, message):
    with pytest.raises(q.AnswerError) as caught:
        q.validate(full(**changes) | {k: v for k, v in changes.items() if v is not None}, TODAY)
    assert caught.value.key == key
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("month", "accepted"),
    [
        ("2026-11", True),  # this month
        ("2026-12", False),  # next month
        ("1906-11", True),  # 120 years ago to the month
        ("1906-10", False),
    ],
)
def test_a_month_is_in_the_past_and_within_120_years(month, accepted):
    answers = full(pain_started=month)
    if accepted:
        assert q.validate(answers, TODAY)["pain_started"] == month
    else:
        with pytest.raises(q.AnswerError) as caught:
            q.validate(answers, TODAY)
        assert caught.value.key == "pain_started"


@pytest.mark.parametrize(
    ("answers", "key", "message"),
    [
        # a follow-up on the same page, whose answer says it does not apply
        (
            full(exam_done="no", exam_positive_tests=None, exam_result="did_not"),
            "exam_result",
            "not asked",
        ),
        # a page about a treatment that was not tried
        (full(manual_therapy_weeks=4), "manual_therapy_weeks", "not asked"),
        (
            full(radiofrequency_ablation_result="no_relief"),
            "radiofrequency_ablation_result",
            "not asked",
        ),
        ({**MINIMAL, "treatment_started": "2025-08"}, "treatment_started", "not asked"),
        # steroid injections have no weeks question at all
        ({**EVERY_TREATMENT, "steroid_injection_weeks": 4}, "steroid_injection_weeks", "not a"),
        # a second injection when only one was had, an injection when none was
        (full(diagnostic_injection_count=1), "injection_2_guidance", "not asked"),
        ({**MINIMAL, "injection_1_relief": 80}, "injection_1_relief", "not asked"),
        (full(imaging_other_problem=["fracture"]), "imaging_other_problem", "not asked"),
        (full(imaging=["none"]), "imaging_result", "not asked"),
    ],
)
def test_an_answer_to_a_question_not_asked_is_refused(answers, key, message):
    with pytest.raises(q.AnswerError, match=message) as caught:
        q.validate(answers, TODAY)
    assert caught.value.key == key


def test_optional_pages_may_be_answered_in_part():
    # Activities have no conditions: one named without its score, or a score alone, is kept.
    assert q.validate({**MINIMAL, "activity_3": "Gardening"}, TODAY)["activity_3"] == "Gardening"
    assert q.validate({**MINIMAL, "activity_2_score": 0}, TODAY)["activity_2_score"] == 0
    # Steroid injections: how long the relief lasted is optional, the count and result are not.
    steroid = {
        **MINIMAL,
        "treatments_tried": ["steroid_injection"],
        "steroid_injection_count": 1,
        "steroid_injection_result": "no_relief",
        "treatment_started": "2026-01",
    }
    assert q.validate(steroid, TODAY) == steroid


def test_prune_removes_answers_whose_condition_no_longer_holds():
    pruned = q.prune(dict(FULL, diagnostic_injection="no"))
    assert pruned["diagnostic_injection"] == "no"
    for key in (
        "diagnostic_injection_count",
        "injection_1_guidance",
        "injection_1_relief",
        "injection_1_relief_lasted",
        "injection_2_guidance",
        "injection_2_relief",
        "injection_2_relief_lasted",
    ):
        assert key not in pruned, key
    # one injection: the second one's answers go, the first one's stay
    pruned = q.prune(dict(FULL, diagnostic_injection_count=1))
    assert pruned["injection_1_relief"] == 80
    assert not any(key.startswith("injection_2_") for key in pruned)
    # treatment_started and each treatment's page are asked while that treatment was tried
    none_tried = q.prune(dict(FULL, treatments_tried=["none"]))
    for key in ("treatment_started", "physical_therapy_weeks", "si_belt_result"):
        assert key not in none_tried, key
    assert none_tried["treatments_tried"] == ["none"]
    fewer = q.prune(dict(FULL, treatments_tried=["home_exercise", "si_belt"]))
    assert "physical_therapy_weeks" not in fewer and "medication_result" not in fewer
    assert fewer["home_exercise_weeks"] == 20 and fewer["si_belt_result"] == "no_relief"
    assert fewer["treatment_started"] == "2025-08"
    # what the scans showed is asked only when they showed a different problem
    other = {**FULL, "imaging_result": "other_problem", "imaging_other_problem": ["fracture"]}
    assert q.prune(other)["imaging_other_problem"] == ["fracture"]
    assert "imaging_other_problem" not in q.prune(dict(other, imaging_result="normal"))
    no_scans = q.prune(dict(other, imaging=["none"]))
    assert "imaging_result" not in no_scans and "imaging_other_problem" not in no_scans


def test_multi_choice_is_normalised_to_definition_order_without_repeats():
    answers = full(pain_locations=["buttock", "lower_back", "buttock"])
    assert q.validate(answers, TODAY)["pain_locations"] == ["lower_back", "buttock"]
    answers = full(treatments_tried=["si_belt", "physical_therapy", "si_belt"])
    answers = q.prune(answers)
    assert q.validate(answers, TODAY)["treatments_tried"] == ["physical_therapy", "si_belt"]


def test_parse_form_reads_posted_text():
    weeks = q.BY_KEY["physical_therapy_weeks"]
    assert weeks.parse_form(" 120 ") == 120
    assert weeks.parse_form("") is None
    with pytest.raises(q.AnswerError, match="whole number"):
        weeks.parse_form("six")
    with pytest.raises(q.AnswerError, match="digits 0 to 9"):
        weeks.parse_form("١٢")  # Arabic-Indic digits are not accepted silently
    assert q.BY_KEY["date_of_birth"].parse_form("1972-05-14") == "1972-05-14"
    boxes = {"day": "14", "month": "5", "year": "1972"}
    assert q.BY_KEY["date_of_birth"].parse_form(boxes) == "1972-05-14"
    assert q.BY_KEY["pain_started"].parse_form({"month": "3", "year": "2025"}) == "2025-03"
    assert q.BY_KEY["pain_started"].parse_form({"month": "", "year": ""}) is None
    assert q.BY_KEY["pain_locations"].parse_form(["hip"]) == ["hip"]
    assert q.BY_KEY["treatments_tried"].parse_form("none") == ["none"]
    assert q.BY_KEY["injection_1_relief"].parse_form("80%") == 80
    assert q.BY_KEY["height_cm"].parse_form({"": "", "ft": "5", "in": "7"}) == 170
    assert q.BY_KEY["weight_kg"].parse_form({"": "", "st": "11", "lb": "4"}) == 72
    assert q.BY_KEY["weight_kg"].parse_form({"": "72", "st": "", "lb": ""}) == 72


def test_first_unanswered_step():
    # The safety questions come first: nothing else is asked before them.
    assert q.first_unanswered_step({}).key == "safety_emergency"
    assert q.first_unanswered_step({k: "no" for k in RED_FLAG_KEYS[:6]}).key == "safety_urgent"
    assert q.first_unanswered_step(dict.fromkeys(RED_FLAG_KEYS, "no")).key == "pain"
    assert q.first_unanswered_step(FULL) is None
    assert q.first_unanswered_step(MINIMAL) is None
    assert q.first_unanswered_step(full(rf_night_pain=None)).key == "safety_urgent"
    # a treatment ticked later opens its page, before the pages after it
    more = full(treatments_tried=[*FULL["treatments_tried"], "manual_therapy"])
    assert q.first_unanswered_step(more).key == "treatment_manual_therapy"
    assert q.first_unanswered_step(full(si_belt_weeks=None)).key == "treatment_si_belt"
    assert q.first_unanswered_step(full(treatment_started=None)).key == "treatment_started"
    # a second injection opens its questions on the injections page
    assert q.first_unanswered_step(full(injection_2_relief=None)).key == "injection_details"
    one = full(diagnostic_injection_count=1)
    assert q.first_unanswered_step(q.prune(one)) is None


def test_answers_in_words():
    assert q.BY_KEY["pain_started"].in_words("2025-03") == "March 2025"
    assert q.BY_KEY["treatment_started"].in_words("2025-08") == "August 2025"
    assert q.BY_KEY["physical_therapy_weeks"].in_words(12) == "12 weeks"
    assert q.BY_KEY["physical_therapy_weeks"].in_words(1) == "1 week"
    assert q.BY_KEY["steroid_injection_relief_weeks"].in_words(0) == "0 weeks"
    assert q.BY_KEY["injection_1_relief"].in_words(80) == "80% less pain"
    assert q.BY_KEY["activity_1_score"].in_words(3) == "3 out of 10"
    assert q.BY_KEY["height_cm"].in_words(170) == "170 cm"
    assert q.BY_KEY["weight_kg"].in_words(72) == "72 kg"
    assert q.BY_KEY["pain_locations"].in_words(["lower_back", "hip"]) == "Lower back, Hip"
    assert (
        q.BY_KEY["treatments_tried"].in_words(["physical_therapy", "si_belt"])
        == "Physical therapy (physiotherapy), A pelvic or SI joint belt (brace)"
    )
    assert q.BY_KEY["treatments_tried"].in_words(["none"]) == "I have not tried any of these"
    assert q.BY_KEY["injection_2_guidance"].in_words("xray_or_ct") == "An X-ray or CT scan"
    assert q.BY_KEY["pregnancy"].in_words("not_applicable") == "This does not apply to me"
    assert q.BY_KEY["leg_numbness"].in_words("not_sure") == "I’m not sure"
    assert q.BY_KEY["name"].in_words(None) == "Not provided"
    # A question with its own "None of these" left empty was skipped, not answered "none".
    assert q.BY_KEY["other_conditions"].in_words([]) == "Not provided"
    assert q.BY_KEY["other_conditions"].in_words(["none"]) == "None of these"
    # 2026.11 had no "none" choice there: its screenings keep reading an empty list as none.
    assert legacy.BY_KEY["imaging"].in_words([]) == "None selected"
    assert q.BY_KEY["pain_locations"].in_words([]) == "Not provided"
    assert q.BY_KEY["treatments_tried"].in_words([]) == "Not provided"
    assert q.BY_KEY["date_of_birth"].in_words("1972-05-14") == "14 May 1972"


def test_repeated_questions_are_worded_with_their_number():
    assert str(q.BY_KEY["injection_2_relief"].text) == (
        "Injection 2: in the hours after it, how much less pain did you have?"
    )
    assert str(q.BY_KEY["injection_1_guidance"].text) == (
        "Injection 1: what was used to guide the needle?"
    )
    assert str(q.BY_KEY["activity_3_score"].text) == "How well can you do activity 3 now?"
    assert str(q.BY_KEY["medication_result"].text) == "How did pain medicine work for you?"
    assert q.BY_KEY["injection_2_relief"].group == "injection_2"
    assert q.BY_KEY["activity_1"].group == q.BY_KEY["activity_1_score"].group
    assert q.BY_KEY["activity_1"].group != q.BY_KEY["activity_2"].group


def test_months_are_counted_by_calendar_month():
    assert q.months_since("2026-03", dt.date(2026, 9, 1)) == 6
    assert q.months_since("2026-03", dt.date(2026, 9, 30)) == 6
    assert q.months_since("2026-03", dt.date(2026, 8, 31)) == 5
    assert q.months_since("2025-12", dt.date(2026, 1, 1)) == 1
    assert q.months_since("2026-11", dt.date(2026, 11, 22)) == 0
    assert q.months_since(None, dt.date(2026, 11, 22)) is None


def test_derived_rows_are_worked_out_from_the_answers():
    derived = {d.key: d for d in q.DERIVED}
    assert list(derived) == ["age", "bmi", "pain_months", "treatment_months"]
    assert derived["age"].in_words(FULL, TODAY) == "54"
    assert derived["bmi"].in_words(FULL, TODAY) == "24.9"
    assert derived["pain_months"].in_words(FULL, TODAY) == "18 months"
    assert derived["treatment_months"].in_words(FULL, TODAY) == "15 months"
    assert derived["pain_months"].in_words(full(pain_started="2026-10"), TODAY) == "1 month"
    assert derived["treatment_months"].in_words(MINIMAL, TODAY) is None
    assert derived["bmi"].in_words(full(height_cm=None), TODAY) is None


def test_data_dictionary_records():
    records = {r["key"]: r for r in q.data_dictionary()}
    assert records["pain_average"] == records["pain_average"] | {"min": 0, "max": 10}
    assert (
        records["rf_bladder_bowel"] | {"type": "single", "required": True}
        == (records["rf_bladder_bowel"])
    )
    assert records["pain_started"] | {"type": "month", "required": True} == records["pain_started"]
    assert "asked_when" not in records["pain_started"]
    assert records["treatments_tried"]["exclusive"] == "none"
    assert [v["value"] for v in records["treatments_tried"]["values"]] == [
        "physical_therapy",
        "home_exercise",
        "medication",
        "activity_modification",
        "si_belt",
        "manual_therapy",
        "steroid_injection",
        "radiofrequency_ablation",
        "none",
    ]
    assert records["si_belt_weeks"] | {"min": 0, "max": 520} == records["si_belt_weeks"]
    assert records["si_belt_weeks"]["asked_when"] == [
        {"key": "treatments_tried", "op": "contains", "value": "si_belt"}
    ]
    assert (
        records["steroid_injection_count"] | {"min": 1, "max": 20}
        == (records["steroid_injection_count"])
    )
    assert records["treatment_started"]["asked_when"] == [
        {"key": "treatments_tried", "op": "contains", "value": t}
        for t in (
            "physical_therapy",
            "home_exercise",
            "medication",
            "activity_modification",
            "si_belt",
            "manual_therapy",
            "steroid_injection",
            "radiofrequency_ablation",
        )
    ]
    assert records["imaging_result"]["asked_when"] == [
        {"key": "imaging", "op": "contains", "value": "xray"},
        {"key": "imaging", "op": "contains", "value": "ct"},
        {"key": "imaging", "op": "contains", "value": "mri"},
    ]
    assert records["imaging"]["exclusive"] == "none"
    assert records["imaging_other_problem"]["asked_when"] == [
        {"key": "imaging_result", "op": "eq", "value": "other_problem"}
    ]
    assert records["injection_1_relief"]["asked_when"] == [
        {"key": "diagnostic_injection_count", "op": "gte", "value": 1}
    ]
    assert records["injection_2_relief"]["asked_when"] == [
        {"key": "diagnostic_injection_count", "op": "gte", "value": 2}
    ]
    assert (
        records["injection_2_relief"] | {"min": 0, "max": 100, "required": True}
        == (records["injection_2_relief"])
    )
    assert [v["value"] for v in records["injection_1_guidance"]["values"]] == [
        "xray_or_ct",
        "ultrasound",
        "none",
        "not_sure",
    ]
    assert [v["value"] for v in records["other_conditions"]["values"]] == [
        "disc_problem",
        "spinal_stenosis",
        "nerve_compression",
        "hip_arthritis",
        "fibromyalgia",
        "inflammatory_arthritis",
        "osteoporosis",
        "not_sure",
        "none",
    ]
    assert records["other_conditions"]["exclusive"] == "none"
    assert [v["value"] for v in records["pregnancy"]["values"]] == [
        "no",
        "pregnant_now",
        "planning_pregnancy",
        "gave_birth_last_year",
        "not_applicable",
    ]
    assert records["activity_1"]["max_length"] == 80
    assert records["activity_1"]["required"] is False
    assert [v["value"] for v in records["pain_side"]["values"]] == [
        "left",
        "right",
        "both",
        "middle",
    ]


# --- property: the engine never raises on anything the definition accepts -------------------


def _value_strategy(question: q.Question):
    if question.type == "integer":
        return st.integers(question.min, question.max)
    if question.type == "single":
        return st.sampled_from(question.values)
    if question.type == "multi":
        if question.exclusive:
            others = [v for v in question.values if v != question.exclusive]
            return st.one_of(
                st.just([question.exclusive]), st.lists(st.sampled_from(others), min_size=1)
            )
        return st.lists(st.sampled_from(question.values), min_size=1 if question.required else 0)
    if question.type == "date":
        if question.date_rule == "past":
            return st.dates(dt.date(1907, 1, 1), TODAY).map(dt.date.isoformat)
        return st.dates(dt.date(2022, 1, 1), dt.date(2031, 12, 31)).map(dt.date.isoformat)
    if question.type == "month":  # every month question is in the past
        return st.dates(dt.date(1907, 1, 1), TODAY).map(lambda d: d.strftime("%Y-%m"))
    return st.text(max_size=question.max_length or 50)


@st.composite
def accepted_answers(draw):
    """Any answers the definition accepts (each question answered or not, under its rules)."""
    answers: dict = {}
    for question in q.QUESTIONS:
        if not question.is_asked(answers):
            continue
        if question.required or draw(st.booleans()):
            try:
                value = question.check(draw(_value_strategy(question)), TODAY)
            except q.AnswerError:
                # Only text can be refused here (a hidden character, a line break): the
                # question is then left unanswered, as the patient would have to.
                assert question.type == "text"
                continue
            if value is not None and value != []:
                answers[question.key] = value
    return answers


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(answers=accepted_answers(), profile=st.sampled_from(["documents", "published"]))
def test_engine_never_raises_on_accepted_answers(answers, profile):
    clean = q.validate(answers, TODAY)
    evaluation = evaluate(clean, profile, on=TODAY)
    assert evaluation.overall in {"urgent", "consistent", "not_consistent", "incomplete"}
    assert all(c.status in {"met", "not_met", "unknown"} for c in evaluation.criteria)
    assert (evaluation.overall == "urgent") == any(clean[k] == "yes" for k in RED_FLAG_KEYS)


@settings(max_examples=200, deadline=None)
@given(answers=accepted_answers())
def test_engine_never_raises_on_partial_answers(answers):
    # Drafts are partial: the engine must cope with any subset.
    partial = {k: v for i, (k, v) in enumerate(answers.items()) if i % 2}
    assert evaluate(partial, on=TODAY).overall in {
        "urgent",
        "consistent",
        "not_consistent",
        "incomplete",
    }


@pytest.mark.parametrize(
    ("typed", "message"), [("9" * 5000, "520 or less"), ("-" + "9" * 5000, "0 or more")]
)
def test_a_number_of_thousands_of_digits_is_out_of_range_not_a_crash(typed, message):
    with pytest.raises(q.AnswerError, match=message):
        q.BY_KEY["physical_therapy_weeks"].parse_form(typed)
    assert q.BY_KEY["physical_therapy_weeks"].parse_form("0000000000012") == 12


# --- numbers as typed: whole numbers in ASCII digits, nothing guessed ------------------------

WEEKS = "how many weeks you tried physical therapy"
WHOLE = f"Enter {WEEKS} as a whole number, like 12"
NO_SEPARATORS = f"Enter {WEEKS} as a whole number without commas, dots or spaces, like 12"
DIGITS_0_TO_9 = f"Enter {WEEKS} using the digits 0 to 9, like 12"
AT_LEAST_0 = f"The number for {WEEKS} must be 0 or more"
AT_MOST_520 = f"The number for {WEEKS} must be 520 or less"


def _typed(key: str, text: str):
    """What the step form does with a posted answer: parse it, then check it."""
    question = q.BY_KEY[key]
    return question.check(question.parse_form(text), TODAY)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12", 12),
        ("0", 0),
        ("520", 520),
        ("  12  ", 12),
        ("\t12\r\n", 12),
        ("\u00a012\u3000", 12),  # no-break and ideographic spaces around it
        ("007", 7),
        ("-0", 0),
        ("0000000000000000005", 5),  # 19 characters
        ("00000000000000000005", 5),  # 20 characters, the most
    ],
)
def test_a_whole_number_is_read_as_typed(typed, expected):
    assert _typed("physical_therapy_weeks", typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        # a comma or a dot: a decimal or a thousands separator, never guessed
        ("1,5", NO_SEPARATORS),
        ("7.5", NO_SEPARATORS),
        ("1,200", NO_SEPARATORS),
        ("1.200", NO_SEPARATORS),
        ("12.", NO_SEPARATORS),
        (".5", NO_SEPARATORS),
        ("-1,5", NO_SEPARATORS),
        ("1 2", NO_SEPARATORS),
        ("1\u00a0200", NO_SEPARATORS),
        # signs: one leading minus at most, and no plus
        ("--5", WHOLE),
        ("---0", WHOLE),
        ("-", WHOLE),
        ("- 5", NO_SEPARATORS),
        ("+5", WHOLE),
        ("5-", WHOLE),
        ("1-2", WHOLE),
        ("\u22125", WHOLE),  # a minus sign that is not the ASCII hyphen-minus
        # words and other notations
        ("six", WHOLE),
        ("1e3", WHOLE),
        ("0x10", WHOLE),
        ("1_000", WHOLE),
        ("12 weeks", WHOLE),
        ("NaN", WHOLE),
        # a percentage sign only where the answer is a percentage
        ("12%", WHOLE),
        # digits of other scripts are refused, not converted
        ("\u0661\u0662", DIGITS_0_TO_9),  # Arabic-Indic 12
        ("\uff11\uff12", DIGITS_0_TO_9),  # full-width 12
        ("1\uff12", DIGITS_0_TO_9),
        ("\u00b2", DIGITS_0_TO_9),  # superscript two
        ("\u0967\u0968", DIGITS_0_TO_9),  # Devanagari 12
        # negatives and big numbers are out of range, with the range message
        ("-5", AT_LEAST_0),
        ("-1", AT_LEAST_0),
        ("521", AT_MOST_520),
        ("9999999999", AT_MOST_520),
        ("9" * 5000, AT_MOST_520),
        ("-" + "9" * 5000, AT_LEAST_0),
        ("0" * 5000 + "9" * 12, AT_MOST_520),
        # thousands of leading zeros: refused (no one types them), never a crash
        ("0" * 21, WHOLE),
        ("0" * 20 + "5", WHOLE),
        ("0" * 5000 + "5", WHOLE),
        ("-" + "0" * 5000 + "5", WHOLE),
        ("0" * 60000, WHOLE),
    ],
)
def test_a_number_that_is_not_a_plain_whole_number_gets_a_clear_message(typed, message):
    with pytest.raises(q.AnswerError) as caught:
        _typed("physical_therapy_weeks", typed)
    assert caught.value.key == "physical_therapy_weeks"
    assert caught.value.message == message


def test_number_messages_name_the_question():
    with pytest.raises(q.AnswerError) as caught:
        _typed("height_cm", "1.7")
    assert caught.value.message == (
        "Enter your height as a whole number without commas, dots or spaces, like 12"
    )
    with pytest.raises(q.AnswerError) as caught:
        _typed("diagnostic_injection_count", "-2")
    assert caught.value.message == (
        "The number for how many numbing injections you have had must be 1 or more"
    )
    with pytest.raises(q.AnswerError) as caught:
        _typed("injection_2_relief", "101%")
    assert caught.value.message == (
        "The number for how much less pain you had after injection 2 must be 100 or less"
    )


# --- names: one line, no hidden characters, something you can see ----------------------------

ONE_LINE = "Your name must be on one line"
HIDDEN = (
    "Your name has a hidden or unusual character in it: please type it again instead of pasting it"
)
VISIBLE = "Enter your name using letters you can see"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Alex Example", "Alex Example"),
        ("  Alex Example  ", "Alex Example"),
        ("Zoë O’Brien-Smith", "Zoë O’Brien-Smith"),
        ("Siobhán Ní Dhuibhir", "Siobhán Ní Dhuibhir"),
        ("D'Arcy St. John", "D'Arcy St. John"),
        ("Jose\u0301 Nun\u0303ez", "José Nuñez"),  # combining accents: composed (NFC)
        ("Ann\u00a0Marie", "Ann\u00a0Marie"),  # a no-break space inside
        ("王小明", "王小明"),
        ("محمد علي", "محمد علي"),
        ("דוד לוי", "דוד לוי"),
        ("علی\u200cرضا", "علی\u200cرضا"),  # Persian: a zero-width non-joiner between letters
        ("ශ්\u200dරී", "ශ්\u200dරී"),  # Sinhala: a zero-width joiner after a vowel sign
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("Ørjan Åsmund", "Ørjan Åsmund"),
        ("Alex \u2013 Example", "Alex \u2013 Example"),
        ("   ", None),  # only spaces: the same as leaving it empty
        ("\u3000\u00a0\u2007", None),
    ],
)
def test_real_names_are_kept(typed, expected):
    assert _typed("name", typed) == expected
    if expected is not None:
        assert q.validate({**MINIMAL, "name": typed}, TODAY)["name"] == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Alex\nExample", ONE_LINE),
        ("Alex\r\nExample", ONE_LINE),
        ("Alex\u2028Example", ONE_LINE),  # line separator
        ("Alex\u2029Example", ONE_LINE),  # paragraph separator
        ("Alex\u0085Example", ONE_LINE),  # next line
        ("Alex\x0bExample", ONE_LINE),
        ("Alex\x0cExample", ONE_LINE),
        ("Alex\x1cExample", ONE_LINE),
        ("\u202eelpmaxE xelA", HIDDEN),  # right-to-left override
        ("Alex\u202dExample", HIDDEN),  # left-to-right override
        ("Alex\u202aExample\u202c", HIDDEN),  # embedding and pop
        ("Alex\u202bExample", HIDDEN),
        ("\u2066Alex\u2069", HIDDEN),  # isolates
        ("Alex\u2067Example", HIDDEN),
        ("Alex\u2068Example", HIDDEN),
        ("Alex Example\u200e", HIDDEN),  # left-to-right mark
        ("\u200fAlex", HIDDEN),  # right-to-left mark
        ("محمد\u061c", HIDDEN),  # Arabic letter mark
        ("Alex\ud800Example", HIDDEN),  # a lone surrogate
        ("\udfff", HIDDEN),
        ("Alex\x00Example", HIDDEN),
        ("Alex\tExample", HIDDEN),
        ("Alex\x7fExample", HIDDEN),
        ("Alex\x9bExample", HIDDEN),  # a C1 control
        ("\u200b", HIDDEN),  # zero-width space
        ("\u200b\u200c\u200d", HIDDEN),
        ("\u200c", HIDDEN),  # a joiner with no letters around it
        ("Alex\u200d", HIDDEN),
        ("\u2060", HIDDEN),  # word joiner
        ("\ufeff", HIDDEN),  # byte order mark
        ("Al\ufeffex", HIDDEN),
        ("\u00ad", HIDDEN),  # soft hyphen
        ("Alex\u00adExample", HIDDEN),
        ("Al\u200bex", HIDDEN),
        (" \u200b \u200b ", HIDDEN),
        ("\u0301", VISIBLE),  # a combining accent alone
        ("\u0301\u0308\u0327", VISIBLE),
        (" \u0301 \u0301 ", VISIBLE),
        ("\u3164\u3164", VISIBLE),  # Hangul fillers: letters that show nothing
        ("\u115f\u1160", VISIBLE),
        ("\uffa0", VISIBLE),
        ("\u2800", VISIBLE),  # braille blank
    ],
)
def test_names_with_line_breaks_hidden_characters_or_nothing_visible_are_refused(typed, message):
    with pytest.raises(q.AnswerError) as caught:
        _typed("name", typed)
    assert caught.value.key == "name"
    assert caught.value.message == message
    # The same rule for answers that come from a file (the command line).
    with pytest.raises(q.AnswerError) as caught:
        q.validate({**MINIMAL, "name": typed}, TODAY)
    assert caught.value.message == message


def test_the_length_limit_counts_composed_characters():
    assert _typed("name", "e\u0301" * 100) == "é" * 100
    with pytest.raises(q.AnswerError, match="100 characters or fewer"):
        _typed("name", "e\u0301" * 101)
