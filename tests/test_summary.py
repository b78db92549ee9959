"""The summary context: both profiles, patient details, answers by section, questions to ask."""

from __future__ import annotations

import datetime as dt
from typing import Any

from support import FULL, full

from screening.criteria import CRITERIA_VERSION, DEFAULT_PROFILE
from screening.engine import evaluate
from screening.questionnaire import BY_KEY
from screening.summary import build_summary, questions_to_ask

SUBMITTED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def summarise(answers: dict[str, Any], **kwargs: Any):
    evaluation = evaluate(answers, DEFAULT_PROFILE, on=SUBMITTED.date()).as_dict()
    return build_summary(
        answers, evaluation, SUBMITTED, "SIJ-TEST-0001", CRITERIA_VERSION, **kwargs
    )


def test_both_profiles_stored_default_first(app):
    s = summarise(FULL)
    assert [t.key for t in s.profiles] == ["documents", "published"]
    assert s.profiles[0].stored and not s.profiles[1].stored
    assert s.criteria_version == CRITERIA_VERSION
    # FULL matches every criterion of both profiles.
    assert [(r.title, r.status_label) for r in s.profiles[0].rows] == [
        ("Long-lasting pain", "Matches"),
        ("Pain affects daily life", "Matches"),
        ("Treatments without surgery tried first", "Matches"),
        ("Numbing injection into the SI joint", "Matches"),
        ("Physical examination", "Matches"),
        ("Scans or X-rays", "Matches"),
        ("Where the pain is", "Matches"),
    ]
    assert [(r.title, r.status) for r in s.profiles[1].rows] == [
        ("Long-lasting pain", "met"),
        ("How bad the pain is", "met"),
        ("Treatments without surgery tried first", "met"),
        ("Numbing injections into the SI joint", "met"),
        ("Physical examination", "met"),
        ("Scans", "met"),
        ("No widespread pain condition", "met"),
        ("Where the pain is", "met"),
        ("No nicotine", "met"),
    ]


def test_the_other_profile_is_evaluated_from_the_answers(app):
    # Only the default profile's evaluation is stored; the other is worked out from the answers.
    s = summarise(full(nicotine_use="yes", pain_average=4))
    assert [r.status for r in s.profiles[0].rows] == ["met"] * 7
    published = {r.title: r.status for r in s.profiles[1].rows}
    assert published["No nicotine"] == "not_met"
    assert published["How bad the pain is"] == "not_met"  # at least 5 out of 10
    assert [t for t, status in published.items() if status != "met"] == [
        "How bad the pain is",
        "No nicotine",
    ]


def test_stored_evaluation_is_shown_as_stored(app):
    # What was stored at submission is what the summary shows, even if the rules change later.
    evaluation = evaluate(FULL, DEFAULT_PROFILE, on=SUBMITTED.date()).as_dict()
    evaluation["criteria"][0]["answer"] = "as stored"
    s = build_summary(FULL, evaluation, SUBMITTED, "SIJ-X", CRITERIA_VERSION)
    assert s.profiles[0].rows[0].answer == "as stored"


def test_patient_details_age_at_submission_and_bmi(app):
    s = summarise(FULL)
    details = {r.label: r.value for r in s.details}
    assert details["Name"] == "Alex Example"
    assert details["Date of birth"] == "14 May 1972"
    assert details["Age at submission"] == "54"
    assert details["BMI"] == "24.9"
    assert details["Appointment"] == "10 December 2026"


def test_patient_details_not_provided(app):
    answers = {k: v for k, v in FULL.items() if k not in ("name", "date_of_birth", "weight_kg")}
    s = summarise(answers)
    details = {r.label: r for r in s.details}
    for label in ("Name", "Date of birth", "Weight", "BMI"):
        assert details[label].value == "Not provided" and not details[label].provided
    assert details["Height"].value == "170 cm"


def test_answers_by_section_leave_out_questions_not_asked(app):
    answers = dict(FULL, diagnostic_injection="no")
    for k in (
        "diagnostic_injection_count",
        "diagnostic_injection_guided",
        "diagnostic_injection_relief",
    ):
        answers.pop(k)
    answers.pop("pain_side")  # optional, skipped
    s = summarise(answers)
    labels = [r.label for section in s.sections for r in section.rows]
    assert str(BY_KEY["diagnostic_injection_count"].text) not in labels
    rows = {r.label: r for section in s.sections for r in section.rows}
    assert rows[str(BY_KEY["pain_side"].text)].value == "Not provided"
    # Multi-choice questions say "leave empty if none": an empty answer is not a skipped one.
    assert rows[str(BY_KEY["other_conditions"].text)].value == "None selected"
    assert [sec.title for sec in s.sections] == [
        "Your pain",
        "Treatments you have tried",
        "Tests and other health conditions",
        "Safety questions",
    ]
    # One row per treatment, with every answer about it.
    assert rows["Physical therapy (physiotherapy)"].value == (
        "Yes · 12 weeks · It helped for a while, then the pain came back"
    )
    assert rows["A pelvic or SI joint belt (brace)"].value == "No"


def test_questions_to_ask_follow_the_answers(app):
    base = questions_to_ask(FULL, SUBMITTED.date())
    assert not any("numbing (diagnostic) injection" in q for q in base)
    assert not any("both sides" in q for q in base)
    answers = dict(FULL, diagnostic_injection="not_sure", pain_side="both", nicotine_use="yes")
    for k in (
        "diagnostic_injection_count",
        "diagnostic_injection_guided",
        "diagnostic_injection_relief",
    ):
        answers.pop(k)
    answers["other_conditions"] = ["disc_problem"]
    asked = questions_to_ask(answers, SUBMITTED.date())
    assert any("numbing (diagnostic) injection" in q for q in asked)
    assert any("both sides" in q for q in asked)
    assert any("nicotine" in q for q in asked)
    assert any("other health conditions" in q for q in asked)


def test_red_flags_in_words(app):
    s = summarise(dict(FULL, red_flags=["saddle_numbness"]))
    assert s.red_flags == ("Numbness or tingling around your genitals or bottom",)
    assert summarise(FULL).red_flags == ()


def test_never_says_candidate_or_diagnosis(app):
    s = summarise(FULL)
    words = " ".join([s.disclaimer, *s.questions, *(t.overall_label for t in s.profiles)]).lower()
    assert "candidate" not in words and "you have si joint" not in words
    assert "does not diagnose" in s.disclaimer


def test_seed_sentences_are_listed_and_numbered_in_the_tables(app):
    s = summarise(FULL)
    assert s.sources, "the seed documents' sentences are listed"
    assert all(document.endswith(".txt") and says for document, says in s.sources)
    first = s.profiles[0].rows[0]
    assert s.source_number(first.source_document, first.source_says) == 1
    policy = s.profiles[1].rows[0]
    assert s.source_number(policy.source_document, policy.source_says) is None
    with app.test_request_context("/"):
        from screening.pdf import render_html

        html = render_html(s)
    assert "What the source documents say" in html
    assert "002_ca83e156e08205ed.txt" in html and "[1]" in html
