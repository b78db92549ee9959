"""Helpers for the clinician tests: accounts, submitted screenings, signing in, audit rows."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from screening import accounts, drafts
from screening.extensions import db
from screening.models import AuditEvent, Clinician, Screening

from . import full

PASSWORD = "correct horse battery staple"
ADMIN_PASSWORD = "another long passphrase 42"


def make_clinician(
    email: str = "doctor@clinic.example", password: str = PASSWORD, admin: bool = False
) -> Clinician:
    """Create and commit an account."""
    clinician = accounts.create(email, password, is_admin=admin)
    db.session.commit()
    return clinician


def make_screening(**changes: Any) -> Screening:
    """Create, submit and commit a screening with FULL (changed by keyword, as `full`)."""
    screening = drafts.create_draft()
    screening.answers = full(**changes)
    drafts.submit(screening)
    db.session.commit()
    return screening


def make_draft(**changes: Any) -> Screening:
    """A draft with FULL (changed by keyword) that was never submitted."""
    screening = drafts.create_draft()
    screening.answers = full(**changes)
    db.session.commit()
    return screening


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


def form_group(page: str, input_id: str) -> str:
    """The HTML of the form group holding the input with this id."""
    match = re.search(
        rf'<div class="form-group[^"]*">(?:(?!<div class="form-group).)*?id="{input_id}".*?</div>',
        page,
        re.S,
    )
    assert match, f"no form group holds #{input_id}"
    return match.group(0)


LEGACY_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "legacy_2026_11"


def stored_2026_11(name: str) -> Screening:
    """A screening sent under questionnaire 2026.11, stored exactly as that release stored it
    (tests/fixtures/legacy_2026_11/<name>.json, captured from the 2026.11 code)."""
    data = json.loads((LEGACY_FIXTURES / f"{name}.json").read_text())
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
        submitted_at=dt.datetime.fromisoformat(data["submitted_at"]),
        patient_name=data["answers"].get("name"),
    )
    db.session.add(screening)
    db.session.commit()
    return screening
