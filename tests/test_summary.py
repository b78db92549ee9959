"""The summary context: both profiles, patient details, answers by section, questions to ask."""

from __future__ import annotations

import datetime as dt
from typing import Any

from support import FULL, full

from screening.criteria import CRITERIA_VERSION, DEFAULT_PROFILE
from screening.engine import evaluate
from screening.summary import build_summary, is_seed_document, questions_to_ask

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
        ("Long-lasting pain", "Met"),
        ("Pain affects daily life", "Met"),
        ("Treatments without surgery tried first", "Met"),
        ("Numbing injection into the SI joint", "Met"),
        ("Physical examination", "Met"),
        ("Scans or X-rays", "Met"),
        ("Where the pain is", "Met"),
    ]
    assert [(r.title, r.status) for r in s.profiles[1].rows] == [
        ("Treatments without surgery tried first", "met"),
        ("How bad the pain is", "met"),
        ("Long-lasting pain", "met"),
        ("Numbing injections into the SI joint", "met"),
        ("Physical examination", "met"),
        ("Scans", "met"),
        ("No inflammatory arthritis", "met"),
        ("No widespread pain condition", "met"),
        ("No nicotine", "met"),
        ("Where the pain is", "met"),
    ]


def test_the_overall_is_counts_never_a_verdict(app):
    s = summarise(full(nicotine_use="yes", pain_average=4, other_conditions=None))
    assert [t.overall_label for t in s.profiles] == [
        "4 of 4 main criteria met, 0 not met, 0 not known",
        "5 of 9 main criteria met, 2 not met, 2 not known",
    ]
    assert all(t.counts for t in s.profiles)
    with app.test_request_context("/"):
        from screening.pdf import render_html

        html = render_html(s)
    assert "<strong>Main criteria:</strong> 5 of 9 main criteria met, 2 not met, 2 not known" in (
        html
    )
    assert "match every main criterion" not in html.lower()


def test_rows_show_where_the_number_comes_from(app):
    s = summarise(FULL)
    documents = {r.title: r for r in s.profiles[0].rows}
    assert documents["Long-lasting pain"].threshold_basis == (
        "CMS definition of chronic pain; the seeds give no number"
    )
    assert documents["Where the pain is"].threshold_basis == ""  # no number
    published = {r.title: r for r in s.profiles[1].rows}
    assert published["Numbing injections into the SI joint"].threshold_basis == (
        "eviCore CMM-611 (summary), NASS 2015; CMS LCD L39797, eviCore CMM-611 (summary)"
    )
    with app.test_request_context("/"):
        from screening.pdf import render_html

        html = render_html(s)
    assert "(Number from: CMS definition of chronic pain; the seeds give no number)" in html


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


def test_questions_to_ask_follow_the_answers(app):
    base = questions_to_ask(FULL, SUBMITTED.date())
    assert base == (
        "What are all my options, including not having surgery?",
        "If I had SI joint fusion, what would recovery and going back to work look like?",
    )
    answers = full(
        diagnostic_injection="not_sure",
        diagnostic_injection_count=None,
        pain_side="both",
        nicotine_use="yes",
        other_conditions=["disc_problem"],
        leg_numbness="yes",
        metal_allergy="not_sure",
    )
    for n in (1, 2):
        for part in ("guidance", "relief", "relief_lasted"):
            answers.pop(f"injection_{n}_{part}")
    asked = questions_to_ask(answers, SUBMITTED.date())
    assert asked == (
        "Do I need a numbing (diagnostic) injection to find out whether the SI joint is the "
        "source of my pain?",
        "My pain is on both sides: how does that affect the tests and the options?",
        "Could my other health conditions explain some of the pain, and how do they change my "
        "options?",
        "Could the numbness or the pain in my leg come from a nerve in my back?",
        "Does an allergy to metals matter for any treatment, and should it be tested?",
        "Should I stop using nicotine before any treatment, and what help is there?",
        "What are all my options, including not having surgery?",
    )


def test_an_ultrasound_guided_injection_suggests_asking_about_another(app):
    asked = questions_to_ask(full(injection_2_guidance="ultrasound"), SUBMITTED.date())
    assert "Would another numbing injection, guided by X-ray or CT, be useful?" in asked


def test_red_flags_in_words_emergency_first(app):
    s = summarise(dict(FULL, rf_fever="yes", rf_saddle_numbness="yes"))
    assert [(r.level, r.level_label, r.text) for r in s.red_flag_rows] == [
        (
            "emergency",
            "Emergency",
            "Numbness or tingling around the genitals or anus (saddle area), or altered feeling "
            "when wiping",
        ),
        ("urgent", "Urgent", "High temperature, or feeling hot and shivery"),
    ]
    assert summarise(FULL).red_flag_rows == ()


def test_never_says_candidate_or_diagnosis(app):
    s = summarise(FULL)
    words = " ".join([s.disclaimer, *s.questions, *(t.overall_label for t in s.profiles)]).lower()
    assert "candidate" not in words and "you have si joint" not in words
    assert "does not diagnose" in s.disclaimer


def test_seed_sentences_are_listed_by_title_and_numbered_in_the_tables(app):
    s = summarise(FULL)
    assert s.sources[:2] == (
        (
            "Sacroiliac Joint Fusion: A Solution for Chronic Lower Back Pain",
            "Pain Is Chronic: If the pain persists for an extended period and significantly "
            "impairs the patient’s quality of life.",
        ),
        (
            "Sacroiliac Joint Fusion: A Solution for Chronic Lower Back Pain",
            "SI joint fusion is considered when conservative treatments, such as physical "
            "therapy, medications, and injections, fail to provide lasting relief from chronic "
            "lower back pain associated with SI joint dysfunction.",
        ),
    )
    assert not any(document.endswith(".txt") for document, _ in s.sources)
    first = s.profiles[0].rows[0]
    assert s.source_number(first.source_document, first.source_says) == 1
    # A published source is cited by name (docs/criteria.md gives its date and address).
    assert s.profiles[0].rows[0].sources[1][0] == "CMS LCD, SI joint injections and procedures"
    assert s.source_number(*s.profiles[0].rows[0].sources[1]) is None
    assert is_seed_document("SI Joint Fusion FAQs")
    assert not is_seed_document("BCBS MP-555")
    with app.test_request_context("/"):
        from screening.pdf import render_html

        html = render_html(s)
    assert "What the source documents say" in html
    assert "Sacroiliac Joint Fusion: A Solution for Chronic Lower Back Pain" in html
    assert "[1]" in html and ".txt" not in html


def test_points_to_discuss_name_the_patients_values(app):
    s = summarise(full(pain_side="both", nicotine_use="yes", height_cm=170, weight_kg=93))
    assert [f.text for f in s.flags] == [
        "The pain is on both sides. Ask how that affects the tests and the options.",
        "Factors that can raise the risks of an operation: nicotine use; BMI 32.2 (limits: a "
        "BMI of 30 or more, age 65 or more).",
    ]
    assert s.flags[1].sources == (
        (
            "Published Date: Dec 2023",
            "As with any spine surgery, risks increase with factors like age, obesity, smoking, "
            "and certain pre-existing conditions.",
        ),
    )
    assert s.flags_unknown_text == ""


def test_no_points_to_discuss_only_when_no_flag_applies(app):
    s = summarise(FULL)
    assert s.flags == ()
    assert s.no_flags_text == (
        "None of the answers raised a point to discuss (pain on both sides, other conditions, "
        "what the scans showed, leg symptoms, risk factors, an earlier lower back fusion or SI "
        "joint operation, pregnancy or a metal allergy)."
    )
    with app.test_request_context("/"):
        from screening.pdf import render_html

        assert s.no_flags_text in render_html(s)
        raised = summarise(full(pain_side="both"))
        assert raised.no_flags_text not in render_html(raised)


def test_points_that_could_not_be_checked_are_said(app):
    s = summarise(full(metal_allergy=None, leg_numbness="not_sure"))
    assert s.flags == ()
    assert s.flags_unknown_text == (
        "Not known, because an answer was not given or was ‘not sure’: leg symptoms, a metal "
        "allergy."
    )
    with app.test_request_context("/"):
        from screening.pdf import render_html

        assert s.flags_unknown_text in render_html(s)
