"""The clinic's follow-up of a red-flag screening: the service, the form on the screening page,
the red flags by level and their answers over time, the PDF, and the audit trail (one row, never
the note's words)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pypdf
import pytest
from support import csrf_token
from support.clinic import audit_rows, form_group, make_clinician, make_screening, sign_in

from screening import follow_up, pdf
from screening.accounts import Actor
from screening.extensions import db
from screening.models import FollowUp, PdfCache, Screening

SENT = dt.datetime(2026, 12, 4, 14, 6, tzinfo=dt.UTC)
NOTE = "Spoke to her at 15:05; she went to the emergency department."
# Answered yes to the bladder question, then no two minutes later; yes to fever, kept.
HISTORY = [
    {"key": "rf_bladder_bowel", "answer": "yes", "at": "2026-12-04T14:03:00+00:00"},
    {"key": "rf_fever", "answer": "yes", "at": "2026-12-04T14:03:00+00:00"},
    {"key": "rf_lump", "answer": "no", "at": "2026-12-04T14:03:00+00:00"},
    {"advised": "emergency", "at": "2026-12-04T14:03:00+00:00"},
    {"key": "rf_bladder_bowel", "answer": "no", "at": "2026-12-04T14:05:00+00:00"},
    {"advised": "urgent", "at": "2026-12-04T14:05:00+00:00"},
]
FEVER = {
    "id": "rf_fever",
    "level": "urgent",
    "text": "High temperature, or feeling hot and shivery",
}
SADDLE = {
    "id": "rf_saddle_numbness",
    "level": "emergency",
    "text": "Numbness around the genitals or bottom",
}


def flagged(
    level: str | None = "urgent",
    flags: list[dict[str, str]] | None = None,
    history: list[dict[str, Any]] | None = None,
    **answers: Any,
) -> Screening:
    """A sent screening whose stored red flags are set as the safety-first release stores them."""
    s = make_screening(**answers)
    s.red_flag_level = level
    s.has_red_flags = level is not None
    s.evaluation = {**s.evaluation, "red_flags": [FEVER] if flags is None else flags}
    s.red_flag_history = HISTORY if history is None else history
    s.submitted_at = SENT
    db.session.commit()
    return s


@pytest.fixture
def doctor(app) -> Actor:
    return Actor.of(make_clinician(), "192.0.2.1")


@pytest.fixture
def doctor_client(app, client):
    make_clinician()
    assert sign_in(client).status_code == 302
    return client


def _follow_ups() -> list[FollowUp]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(FollowUp).order_by(FollowUp.id)))


# --- the service -----------------------------------------------------------------------------


def test_record_stores_who_what_and_audits_once_without_the_note(doctor):
    s = flagged()
    made = follow_up.record(s, "patient_contacted", f"  {NOTE}  ", doctor)
    [stored] = _follow_ups()
    assert stored.id == made.id and stored.screening_id == s.id
    assert (stored.action, stored.note, stored.clinician_id) == (
        "patient_contacted",
        NOTE,
        doctor.id,
    )
    assert [(r.action, r.screening_reference, r.detail, r.actor_email) for r in audit_rows()] == [
        ("follow_up", s.reference, "action=patient_contacted note=yes", "doctor@clinic.example")
    ]


def test_a_follow_up_without_a_note(doctor):
    s = flagged()
    follow_up.record(s, "no_answer", "   ", doctor)
    [stored] = _follow_ups()
    assert stored.note is None
    assert audit_rows("follow_up")[0].detail == "action=no_answer note=no"


def test_the_line_breaks_of_a_text_box_make_one_paragraph(doctor):
    follow_up.record(flagged(), "other", "Left a message.\r\nWill try again.", doctor)
    assert _follow_ups()[0].note == "Left a message. Will try again."


@pytest.mark.parametrize(
    ("action", "note", "field", "message"),
    [
        ("", "", "action", "Select what was done"),
        ("called_the_police", "", "action", "Select what was done"),
        ("other", "x" * 501, "note", "The note must be 500 characters or fewer"),
        ("other", "Hidden\u202etext", "note", "hidden or unusual character"),
        ("other", "Two\u2029paragraphs", "note", "must be on one line"),
        ("other", "\u0301\u0301", "note", "letters you can see"),
    ],
)
def test_a_refused_follow_up_stores_and_audits_nothing(doctor, action, note, field, message):
    s = flagged()
    with pytest.raises(follow_up.FollowUpError) as refused:
        follow_up.record(s, action, note, doctor)
    assert refused.value.field == field and message in refused.value.message
    assert _follow_ups() == [] and audit_rows() == []


def test_a_note_of_500_characters_is_kept_whole(doctor):
    follow_up.record(flagged(), "other", "é" * 500, doctor)
    assert _follow_ups()[0].note == "é" * 500


def test_only_a_sent_screening_is_followed_up(doctor):
    from support.clinic import make_draft

    with pytest.raises(ValueError):
        follow_up.record(make_draft(), "other", "", doctor)


def test_red_flags_are_read_in_both_stored_shapes_emergency_first(app):
    s = flagged("emergency", flags=[FEVER, SADDLE])
    assert [(f.id, f.level, f.level_label) for f in follow_up.red_flags_of(s)] == [
        ("rf_saddle_numbness", "emergency", "Emergency red flag"),
        ("rf_fever", "urgent", "Urgent red flag"),
    ]
    # Questionnaire 2026.11 stored the checklist's values; every one was emergency advice.
    s.evaluation = {**s.evaluation, "red_flags": ["saddle_numbness"]}
    s.questionnaire_version = "2026.11"
    [old] = follow_up.red_flags_of(s)
    assert (old.id, old.level) == ("saddle_numbness", "emergency")
    assert old.text == "Numbness or tingling around your genitals or bottom"


def test_the_history_says_what_was_answered_and_changed_when(app):
    lines = [(line.subject, line.text) for line in follow_up.history_of(flagged())]
    bladder = "New difficulty passing urine, or loss of bladder or bowel control"
    assert lines[0][0] == bladder
    assert lines[0][1] == "answered yes at 14:03, changed to no at 14:05"
    assert lines[1] == (FEVER["text"], "answered yes at 14:03")
    # A question only ever answered no is left out; each advice shown is a line of its own.
    assert lines[2:] == [
        ("Advice shown to the patient", "Emergency advice shown at 14:03"),
        ("Advice shown to the patient", "Urgent advice shown at 14:05"),
    ]
    assert len(lines) == 4


def test_the_history_names_the_day_when_it_is_not_the_day_sent(app):
    earlier = [{"key": "rf_fever", "answer": "yes", "at": "2026-12-02T09:30:00Z"}]
    [line] = follow_up.history_of(flagged(history=earlier))
    assert line.text == "answered yes at 2 Dec 2026 09:30"


# --- the screening page ----------------------------------------------------------------------


def _post(client, reference: str, **data: str):
    return client.post(f"/clinician/screenings/{reference}/follow-up", data=data)


def test_a_clinician_records_a_follow_up_and_reads_it_on_the_page(doctor_client):
    s = flagged("emergency", flags=[FEVER, SADDLE])
    page = doctor_client.get(f"/clinician/screenings/{s.reference}").text
    # The red flags with their level, emergency first; the answers over time.
    assert page.index("Emergency red flag:") < page.index("Urgent red flag:")
    assert page.index(SADDLE["text"]) < page.index(FEVER["text"])
    assert "answered yes at 14:03, changed to no at 14:05" in page
    assert "Emergency advice shown at 14:03" in page
    assert "No follow-up recorded yet." in page
    response = _post(doctor_client, s.reference, action="patient_contacted", note=NOTE)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/clinician/screenings/{s.reference}#follow-up")
    page = doctor_client.get(response.headers["Location"]).text
    assert "Follow-up recorded." in page
    assert "<strong>Patient contacted</strong>" in page
    assert (
        "doctor@clinic.example: Spoke to her at 15:05; she went to the emergency department."
        in (page)
    )
    assert "No follow-up recorded yet." not in page
    [row] = audit_rows("follow_up")
    assert (row.screening_reference, row.detail) == (
        s.reference,
        "action=patient_contacted note=yes",
    )
    for audited in audit_rows():
        assert "Spoke" not in (audited.detail or "") and "emergency department" not in (
            audited.detail or ""
        )


def test_a_red_flag_taken_back_is_still_shown(doctor_client):
    # The patient answered yes, then no: nothing is raised now, but the clinic sees it.
    taken_back = [
        {"key": "rf_bladder_bowel", "answer": "yes", "at": "2026-12-04T14:03:00Z"},
        {"advised": "emergency", "at": "2026-12-04T14:03:00Z"},
        {"key": "rf_bladder_bowel", "answer": "no", "at": "2026-12-04T14:05:00Z"},
    ]
    s = flagged(None, flags=[], history=taken_back)
    page = doctor_client.get(f"/clinician/screenings/{s.reference}").text
    assert "Red-flag answers over time" in page
    assert "answered yes at 14:03, changed to no at 14:05" in page


def test_a_refused_follow_up_shows_the_error_beside_the_field(doctor_client):
    s = flagged()
    response = _post(doctor_client, s.reference, action="other", note="x" * 501)
    assert response.status_code == 200
    page = response.text
    assert "<title>Error:" in page
    assert 'href="#follow-up-note"' in page
    group = form_group(page, "follow-up-note")
    assert "form-group--error" in group and "input--error" in group
    assert "The note must be 500 characters or fewer" in group
    assert 'aria-describedby="follow-up-note-hint follow-up-note-error"' in group
    assert "x" * 501 in group  # what was typed is kept to correct
    assert "form-group--error" not in form_group(page, "follow-up-action")
    no_action = _post(doctor_client, s.reference, note="Called").text
    assert "Select what was done" in form_group(no_action, "follow-up-action")
    assert _follow_ups() == [] and audit_rows("follow_up") == []


def test_follow_up_needs_a_known_sent_screening_and_a_post(doctor_client):
    assert _post(doctor_client, "SIJ-AAAA-AAAA", action="other").status_code == 404
    s = flagged()
    assert doctor_client.get(f"/clinician/screenings/{s.reference}/follow-up").status_code == 405
    assert _follow_ups() == []


def test_follow_up_needs_sign_in(app, client):
    s = flagged()
    response = _post(client, s.reference, action="other")
    assert response.status_code in (302, 401)
    assert _follow_ups() == []


def test_follow_up_needs_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_clinician()
        ref = flagged().reference
        db.session.remove()
    client = app.test_client()
    sign_in(client, csrf_token=csrf_token(client.get("/clinician/login").text))
    refused = _post(client, ref, action="patient_contacted", note="Called")
    assert refused.status_code == 400
    page = client.get(f"/clinician/screenings/{ref}").text
    token = csrf_token(page[page.index("/follow-up") :])
    response = _post(client, ref, action="patient_contacted", note="Called", csrf_token=token)
    assert response.status_code == 302
    with app.app_context():
        assert [f.note for f in _follow_ups()] == ["Called"]
        db.session.remove()


# --- the summary and the PDF -----------------------------------------------------------------


def test_the_pdf_shows_the_follow_up_and_is_made_again_after_one(doctor_client, app):
    s = flagged()
    first = pdf.input_hash(s)
    doctor_client.get(f"/clinician/screenings/{s.reference}/summary.pdf")
    _post(doctor_client, s.reference, action="patient_contacted", note=NOTE)
    db.session.expire_all()
    s = db.session.get(Screening, s.id)
    [f] = s.follow_ups
    assert pdf.input_hash(s) != first
    when = f"{f.created_at.day} {f.created_at.strftime('%b %Y %H:%M')}"
    data = doctor_client.get(f"/clinician/screenings/{s.reference}/summary.pdf").data
    text = " ".join(
        " ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages
    )
    assert "Follow-up by the clinic" in text
    assert f"Patient contacted — {when} UTC, doctor@clinic.example: {NOTE}" in text
    assert db.session.scalar(db.select(db.func.count()).select_from(PdfCache)) == 2
    html = doctor_client.get(f"/clinician/screenings/{s.reference}/summary").text
    assert "Follow-up by the clinic" in html and NOTE in html


def test_a_summary_without_follow_up_has_no_follow_up_block(doctor_client):
    s = flagged()
    html = doctor_client.get(f"/clinician/screenings/{s.reference}/summary").text
    assert "Follow-up by the clinic" not in html
