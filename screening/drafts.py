"""Screening service: drafts, steps, resume codes and submission. Plain data in; only flushes.

Views validate, call these functions, commit once and redirect.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from sqlalchemy import delete, select, update
from sqlalchemy.exc import InvalidRequestError

from . import questionnaire, upgrade
from .criteria import DEFAULT_PROFILE, PROFILES
from .engine import evaluate, red_flag_level, red_flags
from .extensions import db
from .languages import clinic_language
from .models import Screening, search_form, utcnow

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are read aloud and typed from paper.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
REFERENCE_PREFIX = "SIJ"


class AlreadySubmitted(Exception):
    """The screening is locked: its answers cannot change any more."""


class DraftGone(Exception):
    """The draft was deleted (by the patient, or by retention) while this request ran."""


# How often a write is tried again when another request changed the draft in between (two tabs).
_ATTEMPTS = 5


def _random_group(n: int = 4) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))


def create_draft(replaces: str | None = None) -> Screening:
    """Start a new, empty draft with an unguessable token.

    `replaces` is the reference of a screening this device sent before, when the patient chose
    to start a new screening after it: the new draft is linked to it (`replaces_id`), and the
    sent screening itself is left exactly as it was. A reference that names no sent screening
    (deleted since by retention) links nothing.
    """
    earlier = sent_id(replaces) if replaces else None
    screening = Screening(
        token=secrets.token_urlsafe(32),
        status="draft",
        answers={},
        questionnaire_version=questionnaire.QUESTIONNAIRE_VERSION,
        replaces_id=earlier,
    )
    db.session.add(screening)
    db.session.flush()
    return screening


def sent_id(reference: str) -> int | None:
    """The id of the sent screening with this reference, or None (never a draft's)."""
    return db.session.scalar(
        select(Screening.id).where(
            Screening.reference == reference, Screening.status == "submitted"
        )
    )


def by_token(token: str | None) -> Screening | None:
    """The screening bound to a session token, if any."""
    if not token:
        return None
    return db.session.scalar(select(Screening).where(Screening.token == token))


def save_step(screening: Screening, step_key: str, values: Mapping[str, Any]) -> Screening:
    """Store a step's valid answers; answers whose condition no longer holds are deleted.

    The write is a conditional UPDATE on the draft's status and revision: it never lands on a
    sent screening (AlreadySubmitted), nor on a deleted one (DraftGone), and a change made by
    another tab in between is read again and kept, not overwritten.
    """
    step = questionnaire.STEP_BY_KEY[step_key]

    def change(answers: dict[str, Any]) -> dict[str, Any]:
        for q in step.questions:
            value = values.get(q.key)
            if value is None or value == []:
                answers.pop(q.key, None)
            else:
                answers[q.key] = value
        pruned = questionnaire.prune(answers)
        now = utcnow()
        columns: dict[str, Any] = {"answers": pruned}
        history = list(screening.red_flag_history or [])
        added = red_flag_changes(history, pruned, now)
        if added:
            columns["red_flag_history"] = history + added
        keys = safety_keys()
        if step.key == safety_steps()[-1] and all(k in pruned for k in keys):
            # Both safety pages answered (again): the draft is safe to carry on for a while.
            columns["safety_checked_at"] = now
        return columns

    return _write_draft(screening, change)


# --- the safety questions: every answer ever given, and every time advice was shown -------------

SAFETY_SECTION = "safety"


def safety_keys() -> tuple[str, ...]:
    """The keys of the safety questions (rf_...), in the order asked."""
    return tuple(q.key for q in questionnaire.CURRENT.questions if q.section == SAFETY_SECTION)


def safety_steps() -> tuple[str, ...]:
    """The keys of the safety pages, in the order asked (emergency signs first)."""
    return tuple(
        s.key
        for s in questionnaire.CURRENT.steps
        if any(q.section == SAFETY_SECTION for q in s.questions)
    )


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def red_flag_changes(
    history: list[dict[str, Any]], answers: Mapping[str, Any], at: dt.datetime
) -> list[dict[str, Any]]:
    """The history entries the answers add: each safety answer that differs from the last one
    recorded for its key (a first answer too), as {"key", "answer", "at"}."""
    last: dict[str, Any] = {}
    for entry in history:
        if "key" in entry:
            last[entry["key"]] = entry.get("answer")
    return [
        {"key": key, "answer": answers[key], "at": _iso(at)}
        for key in safety_keys()
        if answers.get(key) is not None and last.get(key) != answers[key]
    ]


def record_advice(screening: Screening, level: str) -> Screening:
    """Record that advice at `level` was shown to the patient (an interruption page).

    Appended to the red-flag history with its time, through the conditional UPDATE like every
    write to a draft; not again when the last thing recorded is this same advice (a reload).
    """

    def change(_answers: dict[str, Any]) -> dict[str, Any] | None:
        history = list(screening.red_flag_history or [])
        if history and history[-1].get("advised") == level:
            return None
        return {
            "red_flag_history": history + [{"advised": level, "at": _iso(utcnow())}],
            "updated_at": screening.updated_at or utcnow(),
        }

    return _write_draft(screening, change)


def safety_due(screening: Screening, hours: int, now: dt.datetime | None = None) -> bool:
    """Whether the safety pages must be answered again before carrying on: they were last
    answered more than `hours` ago."""
    checked = screening.safety_checked_at
    if checked is None or screening.is_submitted:
        return False
    if checked.tzinfo is None:  # SQLite returns naive datetimes
        checked = checked.replace(tzinfo=dt.UTC)
    return (now or utcnow()) - checked > dt.timedelta(hours=hours)


@dataclass(frozen=True)
class Upgraded:
    """A draft converted to the current questionnaire, and the page its patient lands on."""

    landing: str | None  # the first page with a new or unanswered question; None: check answers


def upgrade_draft(screening: Screening, today: dt.date | None = None) -> Upgraded | None:
    """Convert a draft answered under an earlier questionnaire to the current one.

    Returns what was converted, or None when nothing was converted here (the draft is current
    already, or another request converted it meanwhile). Like every write to a draft,
    one conditional UPDATE on status and revision: a draft sent meanwhile is never touched
    (AlreadySubmitted), nor one deleted (DraftGone), and a change made meanwhile is read again
    and converted, not overwritten. The time of the last save is kept: months are counted back
    from it, and retention counts from it.
    """
    current = questionnaire.QUESTIONNAIRE_VERSION
    done: list[Upgraded | None] = [None]

    def convert(answers: dict[str, Any]) -> dict[str, Any] | None:
        version = screening.questionnaire_version
        if not upgrade.needs_upgrade(version):
            done[0] = None
            return None
        saved = screening.updated_at or screening.created_at
        saved_on = saved.date() if saved is not None else (today or dt.date.today())
        converted = upgrade.upgrade(version, answers, saved_on, today)
        step = upgrade.first_new_step(version, converted)
        done[0] = Upgraded(step.key if step is not None else None)
        # The safety ticks of the earlier questions stay in the history for the clinic, as
        # answered yes at the last save; the patient answers the new safety pages anyway.
        history = list(screening.red_flag_history or [])
        history += upgrade.red_flag_history(version, answers, _iso(saved or utcnow()))
        return {
            "answers": converted,
            "questionnaire_version": current,
            "red_flag_history": history,
            "updated_at": screening.updated_at or utcnow(),
        }

    _write_draft(screening, convert)
    return done[0]


def _write_draft(
    screening: Screening, change: Callable[[dict[str, Any]], dict[str, Any] | None]
) -> Screening:
    """Apply `change` (answers -> column values) to the draft as one conditional UPDATE.

    `change` gets a copy of the answers as last read and returns the columns to set, or None
    when there is nothing to write. When the row moved on since it was read, it is read again
    and `change` applied again.
    """
    for _attempt in range(_ATTEMPTS):
        seen = screening.revision
        if screening.is_submitted:
            raise AlreadySubmitted(screening.reference)
        columns = change(dict(screening.answers or {}))
        if columns is None:
            return screening
        result = db.session.execute(
            update(Screening)
            .where(
                Screening.id == screening.id,
                Screening.status == "draft",
                Screening.revision == seen,
            )
            .values({"updated_at": utcnow(), **columns, "revision": seen + 1})
            .execution_options(synchronize_session=False)
        )
        _reload(screening)
        if result.rowcount == 1:
            return screening
    raise AlreadySubmitted(screening.reference)  # pragma: no cover - five writers at once


def _reload(screening: Screening) -> None:
    """Read the row again; DraftGone when it no longer exists."""
    try:
        db.session.refresh(screening)
    except InvalidRequestError:
        raise DraftGone() from None


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
    code = format_code(_random_group(12))
    _write_draft(
        screening,
        lambda _answers: {
            "resume_code_hash": hash_code(code, secret_key),
            "resume_expires_at": utcnow() + dt.timedelta(days=days),
        },
    )
    return code


def holds_code(screening: Screening, code: str, secret_key: str) -> bool:
    """Whether `code` is this draft's current, unexpired resume code (a keyed-hash compare).

    The return email sends the code the patient was shown, posted back from their saved page:
    only the code that opens this very draft is ever sent, and no code is kept anywhere.
    """
    plain = normalise_code(code)
    stored = screening.resume_code_hash
    if len(plain) != 12 or not stored or screening.is_submitted:
        return False
    if not hmac.compare_digest(hash_code(plain, secret_key), stored):
        return False
    expires = screening.resume_expires_at
    if expires is not None and expires.tzinfo is None:  # SQLite returns naive datetimes
        expires = expires.replace(tzinfo=dt.UTC)
    return expires is not None and expires >= utcnow()


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


def submit(
    screening: Screening,
    today: dt.date | None = None,
    language: str | None = None,
    now: dt.datetime | None = None,
) -> Screening:
    """Lock the answers, store the evaluations and give a reference. Only once.

    `now` is the moment of sending (the current time unless given: `flask seed-demo` sends its
    made-up screenings at moments of the past); `today` the day the answers are checked and
    compared on (the current day, or the day of `now`).

    The answers evaluated are exactly the answers locked: like every write to a draft, the
    UPDATE is conditional on the revision that was read. Raises AlreadySubmitted when another
    request locked it first (a double click), DraftGone when it was deleted meanwhile,
    AnswerError when the answers are incomplete.
    """
    moment = now or utcnow()
    on = today or (now.date() if now else dt.date.today())

    def lock(stored: dict[str, Any]) -> dict[str, Any]:
        answers = questionnaire.validate(stored, today or (now.date() if now else None))
        # The evaluations keep their words (criteria, counts): the clinic's, whatever language
        # the patient answered in; the patient's own pages word them again in theirs.
        with force_locale(clinic_language()):
            evaluation = evaluate(answers, DEFAULT_PROFILE, on=on).as_dict()
            others = {
                p: evaluate(answers, p, on=on).as_dict() for p in PROFILES if p != DEFAULT_PROFILE
            }
        appointment = answers.get("appointment_date")
        history = list(screening.red_flag_history or [])
        # The history holds every safety answer that was sent, whatever path it came by.
        history += red_flag_changes(history, answers, moment)
        return {
            "status": "submitted",
            "answers": answers,
            "reference": _unused_reference(),
            "submitted_at": moment,
            "updated_at": moment,
            "evaluation": evaluation,
            "other_evaluations": others,
            "criteria_version": evaluation["criteria_version"],
            "overall": evaluation["overall"],
            "has_red_flags": bool(red_flags(answers)),
            "red_flag_level": red_flag_level(answers),
            "red_flag_history": history,
            "patient_name": answers.get("name"),
            "name_search": search_form(answers.get("name")),  # as the worklist searches it
            "appointment_date": dt.date.fromisoformat(appointment) if appointment else None,
            "resume_code_hash": None,
            "resume_expires_at": None,
            # The language the patient answered in ("Answered in Spanish" for the clinic).
            "language": language,
        }

    _write_draft(screening, lock)
    # An email to the clinic for red flags (a reference only), written in this same transaction;
    # the view sends it after the commit (alerts.try_send), or `flask send-alerts` later.
    from . import alerts

    alerts.queue(screening)
    return screening


def _unused_reference() -> str:
    for _attempt in range(5):
        reference = new_reference()
        if not db.session.scalar(select(Screening.id).where(Screening.reference == reference)):
            return reference
    return reference  # the unique index refuses a sixth clash; 25^8 makes it unheard of


def delete_draft(screening: Screening) -> None:
    """Delete a draft and its answers for good; never a screening that was sent meanwhile."""
    result = db.session.execute(
        delete(Screening)
        .where(Screening.id == screening.id, Screening.status == "draft")
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        _reload(screening)  # DraftGone if someone else deleted it
        raise AlreadySubmitted(screening.reference)
    db.session.expunge(screening)
