"""Helpers for the clinician tests: accounts, submitted screenings and signing in."""

from __future__ import annotations

import copy
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from support import FULL, csrf_token  # noqa: F401 - csrf_token re-exported

from screening import accounts, drafts
from screening.extensions import db
from screening.models import AuditEvent, Clinician, Screening

PASSWORD = "correct horse battery staple"
ADMIN_PASSWORD = "another long passphrase 42"

ANSWERS: dict[str, Any] = FULL  # every core criterion matches, no red flag


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
