"""Helpers for the clinician tests: accounts, submitted screenings and signing in."""

from __future__ import annotations

import copy
import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from screening import accounts, drafts
from screening.extensions import db
from screening.models import AuditEvent, Clinician, Screening

PASSWORD = "correct horse battery staple"
ADMIN_PASSWORD = "another long passphrase 42"

# A complete, valid set of answers (every core criterion matches, no red flag).
ANSWERS: dict[str, Any] = {
    "name": "Alex Example",
    "date_of_birth": "1972-05-14",
    "height_cm": 170,
    "weight_kg": 72,
    "pain_duration_months": 18,
    "pain_locations": ["lower_back", "buttock"],
    "pain_side": "left",
    "pain_triggers": ["sit_to_stand", "stairs"],
    "points_to_si_joint": "yes",
    "pain_average": 7,
    "pain_interference": 6,
    "pain_causes": ["injury"],
    "physical_therapy_tried": "yes",
    "physical_therapy_weeks": 12,
    "physical_therapy_result": "temporary_relief",
    "home_exercise_tried": "yes",
    "home_exercise_weeks": 20,
    "home_exercise_result": "no_relief",
    "medication_tried": "yes",
    "medication_weeks": 30,
    "medication_result": "temporary_relief",
    "activity_modification_tried": "no",
    "si_belt_tried": "no",
    "manual_therapy_tried": "no",
    "steroid_injection_tried": "no",
    "conservative_care_months": 9,
    "exam_done": "yes",
    "exam_result": "reproduced_pain",
    "exam_positive_tests": 4,
    "imaging": ["xray", "mri"],
    "imaging_result": "si_joint_changes",
    "diagnostic_injection": "yes",
    "diagnostic_injection_count": 2,
    "diagnostic_injection_guided": "yes",
    "diagnostic_injection_relief": 80,
    "other_conditions": [],
    "previous_lumbar_fusion": "no",
    "nicotine_use": "no",
    "red_flags": ["none"],
}


def answers(**changes: Any) -> dict[str, Any]:
    """ANSWERS with some changed; None removes a key. Empty lists are dropped (not answered)."""
    out = copy.deepcopy(ANSWERS)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return {k: v for k, v in out.items() if v != []}


def make_clinician(
    email: str = "doctor@clinic.example", password: str = PASSWORD, admin: bool = False
) -> Clinician:
    """Create and commit an account."""
    clinician = accounts.create(email, password, is_admin=admin)
    db.session.commit()
    return clinician


def make_screening(**changes: Any) -> Screening:
    """Create, submit and commit a screening with ANSWERS (changed by keyword)."""
    screening = drafts.create_draft()
    screening.answers = answers(**changes)
    drafts.submit(screening)
    db.session.commit()
    return screening


def make_draft(**changes: Any) -> Screening:
    """A draft that was never submitted."""
    screening = drafts.create_draft()
    screening.answers = answers(**changes)
    db.session.commit()
    return screening


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page (conftest's helper, importable by name)."""
    match = CSRF_RE.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


def sign_in(
    client: FlaskClient,
    email: str = "doctor@clinic.example",
    password: str = PASSWORD,
    **extra: str,
):
    """Post the sign-in form."""
    return client.post("/clinician/login", data={"email": email, "password": password, **extra})


def audit_rows(action: str | None = None) -> list[AuditEvent]:
    """Audit rows, oldest first, optionally of one action."""
    db.session.expire_all()
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt))
