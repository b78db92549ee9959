"""Screening service: drafts, steps, resume codes and submission. Plain data in; only flushes.

Views validate, call these functions, commit once and redirect.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update

from . import questionnaire
from .criteria import DEFAULT_PROFILE, PROFILES
from .engine import evaluate, red_flags
from .extensions import db
from .models import Screening, utcnow

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are read aloud and typed from paper.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
REFERENCE_PREFIX = "SIJ"


class AlreadySubmitted(Exception):
    """The screening is locked: its answers cannot change any more."""


def _random_group(n: int = 4) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))


def create_draft() -> Screening:
    """Start a new, empty draft with an unguessable token."""
    screening = Screening(token=secrets.token_urlsafe(32), status="draft", answers={})
    db.session.add(screening)
    db.session.flush()
    return screening


def by_token(token: str | None) -> Screening | None:
    """The screening bound to a session token, if any."""
    if not token:
        return None
    return db.session.scalar(select(Screening).where(Screening.token == token))


def save_step(screening: Screening, step_key: str, values: Mapping[str, Any]) -> Screening:
    """Store a step's valid answers; answers whose condition no longer holds are deleted."""
    if screening.is_submitted:
        raise AlreadySubmitted(screening.reference)
    step = questionnaire.STEP_BY_KEY[step_key]
    answers = dict(screening.answers or {})
    for q in step.questions:
        value = values.get(q.key)
        if value is None or value == []:
            answers.pop(q.key, None)
        else:
            answers[q.key] = value
    # Assign a new dict so SQLAlchemy sees the change to the JSON column.
    screening.answers = questionnaire.prune(answers)
    screening.updated_at = utcnow()
    db.session.flush()
    return screening


def normalise_code(code: str) -> str:
    """Upper case, without spaces or hyphens: 'k7qm 9xda-2ptw' -> 'K7QM9XDA2PTW'."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def format_code(plain: str) -> str:
    """Three groups of four, separated by hyphens."""
    return "-".join(plain[i : i + 4] for i in range(0, 12, 4))


def hash_code(code: str, secret_key: str) -> str:
    """A keyed hash of a normalised resume code; only this is stored."""
    return hmac.new(secret_key.encode(), normalise_code(code).encode(), hashlib.sha256).hexdigest()


def issue_resume_code(screening: Screening, secret_key: str, days: int = 30) -> str:
    """Give the draft a new resume code (the old one stops working); return it once."""
    if screening.is_submitted:
        raise AlreadySubmitted(screening.reference)
    code = format_code(_random_group(12))
    screening.resume_code_hash = hash_code(code, secret_key)
    screening.resume_expires_at = utcnow() + dt.timedelta(days=days)
    db.session.flush()
    return code


def find_by_resume_code(code: str, secret_key: str) -> Screening | None:
    """The draft a resume code opens, or None when wrong, expired or already submitted."""
    plain = normalise_code(code)
    if len(plain) != 12 or any(ch not in CODE_ALPHABET for ch in plain):
        return None
    # The lookup is by a keyed hash, so timing reveals nothing about stored codes.
    screening = db.session.scalar(
        select(Screening).where(Screening.resume_code_hash == hash_code(plain, secret_key))
    )
    if screening is None or screening.is_submitted:
        return None
    expires = screening.resume_expires_at
    if expires is not None and expires.tzinfo is None:  # SQLite returns naive datetimes
        expires = expires.replace(tzinfo=dt.UTC)
    if expires is None or expires < utcnow():
        return None
    return screening


def new_reference() -> str:
    """A short reference for the clinic, like SIJ-7K3Q-9XMD."""
    return f"{REFERENCE_PREFIX}-{_random_group()}-{_random_group()}"


def submit(screening: Screening, today: dt.date | None = None) -> Screening:
    """Lock the answers, store the default evaluation and give a reference. Only once.

    Raises AlreadySubmitted when another request locked it first (a double click).
    """
    answers = questionnaire.validate(screening.answers or {}, today)
    on = today or dt.date.today()
    evaluation = evaluate(answers, DEFAULT_PROFILE, on=on).as_dict()
    others = {p: evaluate(answers, p, on=on).as_dict() for p in PROFILES if p != DEFAULT_PROFILE}
    for _attempt in range(5):
        reference = new_reference()
        if db.session.scalar(select(Screening.id).where(Screening.reference == reference)):
            continue
        break
    now = utcnow()
    appointment = answers.get("appointment_date")
    # A conditional UPDATE: of two concurrent submits, exactly one changes the row.
    result = db.session.execute(
        update(Screening)
        .where(Screening.id == screening.id, Screening.status == "draft")
        .values(
            status="submitted",
            answers=answers,
            reference=reference,
            submitted_at=now,
            evaluation=evaluation,
            other_evaluations=others,
            criteria_version=evaluation["criteria_version"],
            overall=evaluation["overall"],
            has_red_flags=bool(red_flags(answers)),
            patient_name=answers.get("name"),
            appointment_date=dt.date.fromisoformat(appointment) if appointment else None,
            resume_code_hash=None,
            resume_expires_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(screening)
        raise AlreadySubmitted(screening.reference)
    db.session.refresh(screening)
    return screening


def delete_draft(screening: Screening) -> None:
    """Delete a draft and its answers for good."""
    if screening.is_submitted:
        raise AlreadySubmitted(screening.reference)
    db.session.delete(screening)
    db.session.flush()
