"""Drafts started under questionnaire 2026.11 are converted to the current questions on next load.

Every answer that maps is kept (months counted back from the draft's last save, `T_tried` into
`treatments_tried`, the single injection answers into injection 1), what no longer validates is
dropped, and the patient lands on the first page with a new or unanswered question, told that the
questions changed. Screenings submitted under 2026.11 are never converted.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import secrets
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from support import RED_FLAG_KEYS

from screening import drafts, questionnaire, upgrade
from screening.extensions import db
from screening.models import Screening, utcnow

FIXTURES = Path(__file__).parent / "fixtures" / "legacy_2026_11"
# The answers of the stored 2026.11 example (captured from the 2026.11 release).
OLD: dict[str, Any] = json.loads((FIXTURES / "example.json").read_text())["answers"]
SAVED = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)
SAVED_ON = SAVED.date()
# "No" to every safety question (2026.12 asks them first; 2026.11 drafts have none of them).
SAFE = dict.fromkeys(RED_FLAG_KEYS, "no")
TODAY = dt.date(2026, 12, 4)
NOTICE = "Some questions have changed a little since you started. Your earlier answers are kept."
TREATMENTS_2026_11 = (
    "physical_therapy",
    "home_exercise",
    "medication",
    "activity_modification",
    "si_belt",
    "manual_therapy",
    "steroid_injection",
)

# OLD converted, as a specialist would read it: nothing guessed, nothing lost.
CONVERTED: dict[str, Any] = {
    "name": "Alex Example",
    "date_of_birth": "1972-05-14",
    "height_cm": 170,
    "weight_kg": 72,
    "appointment_date": "2026-12-10",
    "pain_started": "2025-05",  # 18 months before November 2026
    "pain_locations": ["lower_back", "buttock"],
    "pain_side": "left",
    "pain_triggers": ["sit_to_stand", "stairs"],
    "points_to_si_joint": "yes",
    "pain_causes": ["injury"],
    "pain_average": 7,
    "pain_interference": 6,
    "treatments_tried": ["physical_therapy", "home_exercise", "medication"],
    "physical_therapy_weeks": 12,
    "physical_therapy_result": "temporary_relief",
    "home_exercise_weeks": 20,
    "home_exercise_result": "no_relief",
    "medication_weeks": 30,
    "medication_result": "temporary_relief",
    "treatment_started": "2026-02",  # 9 months before November 2026
    "exam_done": "yes",
    "exam_result": "reproduced_pain",
    "exam_positive_tests": 4,
    "imaging": ["xray", "mri"],
    "imaging_result": "si_joint_changes",
    "diagnostic_injection": "yes",
    "diagnostic_injection_count": 2,
    # guided "yes": X-ray/CT or ultrasound? 2026.11 did not ask, so injection_1_guidance is asked
    "injection_1_relief": 80,
    "previous_lumbar_fusion": "no",
    "nicotine_use": "no",
}


def old(**changes: Any) -> dict[str, Any]:
    """OLD with some answers changed; None removes a key."""
    answers = copy.deepcopy(OLD)
    for key, value in changes.items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


def convert(answers: dict[str, Any], saved_on: dt.date = SAVED_ON, today=TODAY):
    return upgrade.upgrade("2026.11", answers, saved_on, today)


# --- the conversion, pure -------------------------------------------------------------------


def test_the_current_questionnaire_is_2026_12():
    assert questionnaire.QUESTIONNAIRE_VERSION == "2026.12"
    assert upgrade.needs_upgrade("2026.11") and not upgrade.needs_upgrade("2026.12")


@pytest.mark.parametrize(
    ("saved_on", "months", "started"),
    [
        (dt.date(2026, 11, 20), 18, "2025-05"),
        (dt.date(2026, 11, 1), 0, "2026-11"),
        (dt.date(2026, 11, 30), 11, "2025-12"),
        (dt.date(2026, 11, 30), 12, "2025-11"),
        (dt.date(2026, 1, 31), 1, "2025-12"),
        (dt.date(2026, 3, 15), 600, "1976-03"),
    ],
)
def test_months_are_counted_back_from_the_month_of_the_last_save(saved_on, months, started):
    assert upgrade.months_before(saved_on, months) == started
    assert convert(old(pain_duration_months=months), saved_on)["pain_started"] == started


def test_every_answer_that_maps_is_kept():
    assert convert(old()) == CONVERTED
    # What was converted is a valid, if unfinished, set of 2026.12 answers.
    assert questionnaire.validate(CONVERTED, TODAY, complete=False) == CONVERTED


def test_treatments_answered_yes_are_the_treatments_tried_with_their_weeks_and_results():
    answers = convert(
        old(
            medication_tried="no",
            medication_weeks=None,
            medication_result=None,
            steroid_injection_tried="yes",
            steroid_injection_weeks=6,
            steroid_injection_result="lasting_relief",
            conservative_care_months=24,
        )
    )
    assert answers["treatments_tried"] == ["physical_therapy", "home_exercise", "steroid_injection"]
    assert answers["physical_therapy_weeks"] == 12
    assert answers["home_exercise_result"] == "no_relief"
    # 2026.12 asks no weeks for a steroid injection: dropped; its result is kept.
    assert "steroid_injection_weeks" not in answers
    assert answers["steroid_injection_result"] == "lasting_relief"
    assert "steroid_injection_count" not in answers  # new: asked, never guessed
    assert answers["treatment_started"] == "2024-11"
    assert not any(k.startswith("medication_") for k in answers)


def test_all_treatments_answered_no_is_none_and_no_treatment_start():
    answers = convert(
        {
            **{k: v for k, v in old().items() if not k.startswith(TREATMENTS_2026_11)},
            **{f"{t}_tried": "no" for t in TREATMENTS_2026_11},
            "conservative_care_months": None,
        }
    )
    assert answers["treatments_tried"] == ["none"]
    assert "treatment_started" not in answers


def test_treatments_not_answered_are_not_answered():
    unanswered = {k: v for k, v in old().items() if not k.startswith(TREATMENTS_2026_11)}
    unanswered.pop("conservative_care_months")
    assert "treatments_tried" not in convert(unanswered)
    # Only the first page answered, all "no": not all seven said no, so nothing is assumed.
    first_page = {**unanswered, **{f"{t}_tried": "no" for t in TREATMENTS_2026_11[:4]}}
    assert "treatments_tried" not in convert(first_page)


@pytest.mark.parametrize(
    ("guided", "guidance"),
    [("no", "none"), ("not_sure", "not_sure"), ("yes", None), (None, None)],
)
def test_the_single_injection_answers_are_injection_1(guided, guidance):
    answers = convert(old(diagnostic_injection_guided=guided, diagnostic_injection_relief=60))
    assert answers.get("injection_1_guidance") == guidance
    assert answers["injection_1_relief"] == 60
    assert answers["diagnostic_injection_count"] == 2
    assert not any(k.startswith("injection_2") for k in answers)  # asked, never copied
    assert "diagnostic_injection_guided" not in answers
    assert "diagnostic_injection_relief" not in answers


def test_no_injection_means_no_injection_answers():
    answers = convert(
        old(
            diagnostic_injection="no",
            diagnostic_injection_count=None,
            diagnostic_injection_guided=None,
            diagnostic_injection_relief=None,
        )
    )
    assert answers["diagnostic_injection"] == "no"
    assert not any(k.startswith("injection_") for k in answers)


def test_answers_that_no_longer_validate_are_dropped_with_what_depended_on_them():
    answers = convert(
        old(
            height_cm=95,  # below 2026.12's minimum
            pain_side="centre",  # not a choice
            diagnostic_injection_count=0,  # below the minimum: injection 1 is not asked then
            name="Alex\nExample",  # two lines
        )
    )
    for key in ("height_cm", "pain_side", "diagnostic_injection_count", "name"):
        assert key not in answers
    assert "injection_1_relief" not in answers
    assert answers["weight_kg"] == 72 and answers["diagnostic_injection"] == "yes"
    # Dates are checked on the day of conversion: an appointment now over 5 years away goes.
    later = convert(old(), today=dt.date(2032, 1, 4))
    assert "appointment_date" not in later and later["date_of_birth"] == "1972-05-14"
    # Keys 2026.12 does not have go, whatever their value.
    assert "pain_duration_months" not in convert(old(pain_duration_months="eighteen"))


def test_the_patient_lands_on_the_first_page_with_a_new_or_unanswered_question():
    # The safety questions are new, and asked first: one yes or no each.
    assert upgrade.first_new_step("2026.11", CONVERTED).key == "safety_emergency"
    for key in RED_FLAG_KEYS:
        assert upgrade.is_new("2026.11", questionnaire.BY_KEY[key], {**CONVERTED, **SAFE}), key
    # About you: nothing new. Your pain: `leg_numbness` is new.
    assert upgrade.is_new("2026.11", questionnaire.BY_KEY["leg_numbness"], CONVERTED)
    assert not upgrade.is_new("2026.11", questionnaire.BY_KEY["pain_started"], CONVERTED)
    # Guidance of injection 1 was left for the patient; injection 2 was never asked.
    assert upgrade.is_new("2026.11", questionnaire.BY_KEY["injection_1_guidance"], CONVERTED)
    assert not upgrade.is_new("2026.11", questionnaire.BY_KEY["injection_1_relief"], CONVERTED)
    # New choices are a changed question: radiofrequency ablation, osteoporosis, "none".
    for key in ("treatments_tried", "other_conditions", "imaging"):
        assert upgrade.is_new("2026.11", questionnaire.BY_KEY[key], CONVERTED), key
    # A required question not answered comes first when it is earlier than anything new.


def test_the_red_flags_ticked_under_2026_11_go_to_the_history_as_yes():
    ticked = ["both_legs_pain", "leg_weakness", "fever_weight_loss", "none", "major_trauma"]
    at = "2026-11-20T09:30:00+00:00"
    assert upgrade.red_flag_history("2026.11", old(red_flags=ticked), at) == [
        {"key": "rf_leg_weakness", "answer": "yes", "at": at},
        {"key": "rf_fever", "answer": "yes", "at": at},
        {"key": "rf_major_trauma", "answer": "yes", "at": at},
    ]
    assert upgrade.red_flag_history("2026.11", old(), at) == []
    # They are not answers of the new safety questions: the patient answers those anyway.
    assert not any(k.startswith("rf_") for k in convert(old(red_flags=ticked)))


# --- through the web ---------------------------------------------------------------------------


def _stored_draft(answers: dict[str, Any] | None = None, **columns: Any) -> Screening:
    """A draft as the 2026.11 release left it (last saved on SAVED)."""
    screening = Screening(
        token=secrets.token_urlsafe(32),
        status="draft",
        questionnaire_version="2026.11",
        answers=old() if answers is None else answers,
        created_at=SAVED - dt.timedelta(hours=1),
        updated_at=SAVED,
        revision=3,
        **columns,
    )
    db.session.add(screening)
    db.session.commit()
    return screening


def _browser(app, screening: Screening):
    client = app.test_client()
    with client.session_transaction() as session:
        session["screening_token"] = screening.token
    return client


def _row(screening_id: int) -> Screening | None:
    db.session.expire_all()
    return db.session.get(Screening, screening_id)


def _same_moment(a: dt.datetime, b: dt.datetime) -> bool:
    def utc(t: dt.datetime) -> dt.datetime:
        return t if t.tzinfo else t.replace(tzinfo=dt.UTC)

    return utc(a) == utc(b)


def test_a_2026_11_draft_resumed_with_its_code_is_converted_and_lands_on_the_new_question(app):
    client = app.test_client()
    code = "K7QM-9XDA-3PTW"
    screening = _stored_draft(
        resume_code_hash=drafts.hash_code(code, app.config["SECRET_KEY"]),
        resume_expires_at=utcnow() + dt.timedelta(days=10),
    )

    response = client.post("/resume", data={"code": code.lower()})

    assert response.status_code == 302 and response.location == "/step/safety_emergency"
    row = _row(screening.id)
    assert row.status == "draft" and row.questionnaire_version == "2026.12"
    assert row.answers == CONVERTED
    assert row.revision == 4
    assert row.red_flag_history == []  # "none" ticked: nothing to keep
    assert _same_moment(row.updated_at, SAVED)  # a load is not a save: retention counts on
    # The safety questions first (new, and asked before anything else).
    assert NOTICE in client.get("/step/safety_emergency").get_data(as_text=True)
    # The converted answer shows in its boxes: May 2025.
    page = client.get("/step/pain").get_data(as_text=True)
    assert 'name="pain_started-month"' in page and 'value="5"' in page and 'value="2025"' in page
    # Once: the next visit reads as usual.
    assert NOTICE not in client.get("/step/safety_emergency").get_data(as_text=True)
    assert client.get("/step/about").status_code == 200


def test_any_page_of_a_2026_11_draft_leads_to_the_changed_page_first(app):
    screening = _stored_draft()
    client = _browser(app, screening)

    # An old tab's post answered the earlier questions: nothing of it is saved.
    posted = client.post("/step/about", data={"name": "Typed Under 2026.11"})
    assert posted.status_code == 302 and posted.location == "/step/safety_emergency"
    assert _row(screening.id).answers == CONVERTED
    assert client.get("/check").location == "/step/safety_emergency"
    assert client.get("/").get_data(as_text=True).count('href="/step/safety_emergency"') >= 1
    assert NOTICE in client.get("/step/safety_emergency").get_data(as_text=True)
    # Then the usual rules: check answers first asks the safety questions (required), then
    # injection 1's guidance, left unanswered.
    assert client.get("/check").location == "/step/safety_emergency?return=check"
    assert client.post("/step/safety_emergency", data=SAFE).status_code == 302
    assert client.post("/step/safety_urgent", data=SAFE).status_code == 302
    assert client.get("/check").location == "/step/injection_details?return=check"


def test_the_red_flags_of_a_2026_11_draft_are_kept_for_the_clinic(app):
    screening = _stored_draft(old(red_flags=["cancer_history", "bladder_bowel"]))
    client = _browser(app, screening)
    assert client.get("/step/pain").location == "/step/safety_emergency"
    assert _row(screening.id).red_flag_history == [
        {"key": "rf_bladder_bowel", "answer": "yes", "at": "2026-11-20T10:30:00+00:00"},
        {"key": "rf_cancer", "answer": "yes", "at": "2026-11-20T10:30:00+00:00"},
    ]


def test_a_converted_draft_is_converted_once(app):
    screening = _stored_draft()
    one, two = _browser(app, screening), _browser(app, screening)
    assert one.get("/step/about").location == "/step/safety_emergency"
    # Another browser of the same draft (an earlier resume code) reads it as it is now.
    assert two.get("/step/about").status_code == 200
    row = _row(screening.id)
    assert row.revision == 4 and row.answers == CONVERTED


def test_a_draft_deleted_before_its_conversion_is_gone(app):
    screening = _stored_draft()
    client = _browser(app, screening)
    db.session.delete(_row(screening.id))
    db.session.commit()
    assert client.get("/step/about").location == "/"


def _stored_submitted(name: str = "example") -> Screening:
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    screening = Screening(
        token=secrets.token_urlsafe(32),
        status="submitted",
        questionnaire_version="2026.11",
        answers=data["answers"],
        evaluation=data["evaluation"],
        other_evaluations=data["other_evaluations"],
        criteria_version=data["criteria_version"],
        overall=data["evaluation"]["overall"],
        has_red_flags=bool(data["evaluation"]["red_flags"]),
        reference=data["reference"],
        submitted_at=utcnow(),
        patient_name=data["answers"].get("name"),
    )
    db.session.add(screening)
    db.session.commit()
    return screening


def test_a_submitted_2026_11_screening_is_never_converted(app):
    screening = _stored_submitted()
    revision = screening.revision
    client = app.test_client()
    with client.session_transaction() as session:
        session["screening_token"] = screening.token
        session["sent_token"] = screening.token
    assert client.get("/confirmation").status_code == 200
    assert client.get("/step/about").location == "/confirmation"
    assert client.get("/").status_code == 200
    with pytest.raises(drafts.AlreadySubmitted):
        drafts.upgrade_draft(screening)
    db.session.rollback()
    row = _row(screening.id)
    assert row.questionnaire_version == "2026.11"
    assert row.answers == OLD and row.revision == revision


def test_a_stale_copy_of_a_draft_sent_meanwhile_is_never_converted(app):
    """Loaded as a 2026.11 draft; sent by another request (the 2026.11 release, mid-deploy)."""
    screening = _stored_draft()
    stale = db.session.get(Screening, screening.id)
    with app.app_context():
        other = db.session.get(Screening, screening.id)
        other.status, other.reference, other.submitted_at = "submitted", "SIJ-AAAA-CCCC", utcnow()
        other.revision += 1
        db.session.commit()
    assert stale.status == "draft"  # this session has not seen it yet
    with pytest.raises(drafts.AlreadySubmitted):
        drafts.upgrade_draft(stale)
    db.session.rollback()
    row = _row(screening.id)
    assert row.status == "submitted" and row.questionnaire_version == "2026.11"
    assert row.answers == OLD


def _race(*requests):
    """Run the requests at the same moment; return their results in order."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(i, request):
        barrier.wait()
        try:
            results[i] = request()
        except Exception as e:  # reported by the test, not swallowed
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.parametrize("run", range(15))
def test_a_conversion_racing_a_submit_never_changes_the_sent_answers(app, run):
    """A submit (by a 2026.11 process still running mid-deploy) races the next load."""
    screening = _stored_draft()
    loader = _browser(app, screening)

    def submit_as_2026_11() -> tuple[int, str, dict[str, Any]]:
        # The 2026.11 release's submit: one conditional UPDATE on status and the revision read.
        with app.app_context():
            row = db.session.get(Screening, screening.id)
            read = (row.questionnaire_version, dict(row.answers))
            result = db.session.execute(
                update(Screening)
                .where(
                    Screening.id == row.id,
                    Screening.status == "draft",
                    Screening.revision == row.revision,
                )
                .values(
                    status="submitted",
                    reference=f"SIJ-RACE-{run:04d}",
                    submitted_at=utcnow(),
                    revision=row.revision + 1,
                )
            )
            db.session.commit()
            return (result.rowcount, *read)

    load, sent = _race(lambda: loader.get("/step/about"), submit_as_2026_11)

    assert not isinstance(load, Exception) and not isinstance(sent, Exception), (load, sent)
    assert load.status_code == 302
    row = _row(screening.id)
    locked, version, answers = sent
    if locked:
        # Sent exactly as the submit read it: never changed after, never a mix of versions.
        assert row.status == "submitted"
        assert (row.questionnaire_version, row.answers) == (version, answers)
        if version == "2026.11":
            # Sent before the conversion: it kept its answers; this browser sees nothing of it.
            assert answers == OLD
            assert load.location == "/"
        else:
            # Converted, then the submit read the converted draft and sent that.
            assert answers == CONVERTED
    else:
        # Converted first: the submit found another revision and sent nothing.
        assert row.status == "draft"
        assert row.questionnaire_version == "2026.12" and row.answers == CONVERTED
        assert load.location == "/step/safety_emergency"
