"""The audit trail: who did what, when, from where. Append-only; never holds answers.

Callers pass a screening reference, never answers. `detail` is for counts, filters and
account emails; it is cut to the column's length.

A failed sign-in names its actor with `sign_in_actor`: the email when it is an account's, and
otherwise only a keyed hash of what was typed ("unknown:" and 16 hex digits), because people
type passwords and other private things into the email field by mistake, and audit rows are
kept forever.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from .extensions import db
from .models import AuditEvent, Clinician

UNKNOWN_PREFIX = "unknown:"

# Every action the application records, with the words the audit page shows.
ACTIONS: dict[str, Any] = {
    "sign_in": _l("Signed in"),
    "sign_in_failed": _l("Sign-in failed"),
    "sign_out": _l("Signed out"),
    "sign_out_idle": _l("Signed out after inactivity"),
    "worklist": _l("Opened the worklist"),
    "search": _l("Searched the worklist"),
    "view": _l("Opened a screening"),
    "view_related": _l("Read beside a related screening (what changed)"),
    "view_summary": _l("Opened a printable summary"),
    "pdf_download": _l("Downloaded a PDF"),
    "review": _l("Marked a screening as reviewed"),
    "export_csv": _l("Exported CSV"),
    "export_fhir": _l("Exported FHIR"),
    "account_create": _l("Created an account"),
    "account_disable": _l("Disabled an account"),
    "account_enable": _l("Enabled an account"),
    "account_password": _l("Changed a password"),
    "forbidden": _l("Was refused a page"),
    "audit_view": _l("Opened the audit trail"),
    "sign_in_limited": _l("Sign-in refused: too many tries"),
    "purge": _l("Deleted screenings past their retention period"),
    "alert_sent": _l("Sent a red-flag alert email"),
    "alert_failed": _l("A red-flag alert email failed"),
    "follow_up": _l("Recorded a follow-up"),
}


def _actor(actor: Clinician | str | None) -> tuple[int | None, str | None]:
    if actor is None:
        return None, None
    if isinstance(actor, str):
        return None, actor[:254]
    return actor.id, actor.email


def unknown_label(typed: str) -> str:
    """A keyed hash naming typed text that is not an account's email: "unknown:" + 16 hex.

    HMAC-SHA256 keyed with SECRET_KEY over the trimmed, lower-cased text (with a label of its
    own, so that it never equals the rate limiter's key for the same text): the same text
    always gives the same label, so repeated tries can be told apart, but the text cannot be
    read back without the key.
    """
    secret = current_app.config["SECRET_KEY"]
    key = secret if isinstance(secret, bytes) else str(secret).encode()
    message = b"sign-in email\x00" + typed.strip().lower().encode("utf-8", "surrogatepass")
    return UNKNOWN_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def sign_in_actor(typed: str | None) -> str | None:
    """How the audit trail names who tried to sign in with this email (None when empty).

    The account's email when it is one; otherwise `unknown_label` of what was typed, never
    the text itself. Both ways look the account up, so they take the same time.
    """
    clean = (typed or "").strip().lower()[:254]
    if not clean:
        return None
    # The account lookup itself (not accounts.find: accounts imports this module).
    account = db.session.scalar(select(Clinician).where(Clinician.email == clean))
    return account.email if account is not None else unknown_label(clean)


def record(
    action: str,
    actor: Clinician | str | None,
    reference: str | None = None,
    detail: str | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit event (a Clinician, or a label such as "cli", as the actor)."""
    actor_id, actor_email = _actor(actor)
    event = AuditEvent(
        action=action[:64],
        actor_id=actor_id,
        actor_email=actor_email,
        screening_reference=reference[:32] if reference else None,
        detail=detail[:1000] if detail else None,
        ip=ip[:64] if ip else None,
    )
    db.session.add(event)
    db.session.flush()
    return event


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def query(
    actor_email: str | None = None,
    reference: str | None = None,
    action: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Select[Any]:
    """A select of audit events, newest first, filtered by actor, reference, action and dates."""
    stmt = select(AuditEvent)
    if actor_email:
        stmt = stmt.where(AuditEvent.actor_email == actor_email.strip().lower())
    if reference:
        stmt = stmt.where(AuditEvent.screening_reference == reference.strip().upper())
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if since:
        stmt = stmt.where(AuditEvent.at >= _start_of(since))
    if until:
        stmt = stmt.where(AuditEvent.at < _start_of(until + dt.timedelta(days=1)))
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def events(**filters: Any) -> list[AuditEvent]:
    """The audit events matching the filters of `query`, newest first."""
    return list(db.session.scalars(query(**filters)))


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored time as timezone-aware UTC (SQLite returns naive datetimes)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
