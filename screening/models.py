"""Typed SQLAlchemy 2 models. Schema changes go through Alembic revisions in migrations/."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


# Names are searched in this form (`Screening.name_search`), and so are the words typed.
NAME_SEARCH_LENGTH = 200


def search_form(text: str | None) -> str | None:
    """A name as the worklist searches it: accents and other combining marks dropped, case
    folded, spaces squeezed ("  José  NÚÑEZ" -> "jose nunez"); None when empty."""
    if not text:
        return None
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    folded = " ".join(unicodedata.normalize("NFC", bare).casefold().split())
    return folded[:NAME_SEARCH_LENGTH] or None


# The worklist's order, red flags first: 2 for an emergency, 1 for urgent, 0 for none (as
# follow_up.LEVELS lists them), computed by the database whenever red_flag_level changes.
RED_FLAG_PRIORITY_SQL = (
    "CASE red_flag_level WHEN 'emergency' THEN 2 WHEN 'urgent' THEN 1 ELSE 0 END"
)


class Screening(db.Model):
    """One patient's screening: a draft while answered, locked once submitted."""

    __tablename__ = "screening"
    __table_args__ = (
        # The worklist's two orders (red flags first; newest first), each read from its index
        # from the cursor on: the status first (only sent screenings are listed). Each also
        # holds the searched name and reference (migration 0009), so that a search (and its
        # capped count) reads the index instead of the rows with their stored evaluations.
        Index(
            "ix_screening_worklist",
            "status",
            "red_flag_priority",
            "submitted_at",
            "id",
            "name_search",
            "reference_key",
        ),
        Index(
            "ix_screening_newest", "status", "submitted_at", "id", "name_search", "reference_key"
        ),
        # Name fragments: a trigram index on PostgreSQL (pg_trgm; a plain one where the
        # extension cannot be had, see migration 0007), a plain one on SQLite.
        Index(
            "ix_screening_name_search",
            "name_search",
            postgresql_using="gin",
            postgresql_ops={"name_search": "gin_trgm_ops"},
        ),
        # Reference prefixes (LIKE 'SIJ7K%' on PostgreSQL whatever the database's collation).
        Index(
            "ix_screening_reference_key",
            "reference_key",
            postgresql_ops={"reference_key": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Random, unguessable; bound to the patient's session cookie. Never shown in URLs.
    token: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    # Indexed as the first column of ix_screening_worklist and ix_screening_newest.
    status: Mapped[str] = mapped_column(String(16), default="draft")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, index=True
    )
    resume_code_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    resume_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Counts the writes to a draft. Every write is a conditional UPDATE on (status, revision),
    # so a write never lands on a sent screening nor on answers it did not read.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The version of the questions the answers were given under (screening.releases): a sent
    # screening is always shown with its own version; a draft is converted to the current one.
    questionnaire_version: Mapped[str] = mapped_column(String(16))
    # Every red-flag answer ever given, and every time urgent advice was shown, in order:
    # {"key": "rf_...", "answer": "yes"|"no", "at": ISO time} and
    # {"advised": "emergency"|"urgent", "at": ISO time}. Only ever appended to (never forgotten).
    red_flag_history: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    # When the patient last answered (or confirmed) the safety pages: a draft resumed more than
    # 24 hours later asks them again.
    safety_checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The screening this one replaces: the patient sent answers from this device before and
    # chose to start a new screening. Set on the new draft when it is made, never on the sent
    # one (once sent, a screening never changes); emptied when the earlier one is deleted.
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("screening.id", ondelete="SET NULL"), index=True
    )

    # Set once, on submit.
    reference: Mapped[str | None] = mapped_column(String(16), unique=True)
    # The language the patient answered in (a code like "es"); None for screenings sent before
    # it was recorded (migration 0008), read as unknown.
    language: Mapped[str | None] = mapped_column(String(16))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The other profiles' evaluations, made at the same moment: {profile: evaluation}. Stored so
    # that the summary shows exactly what was compared, whatever later criteria versions say.
    other_evaluations: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    criteria_version: Mapped[str | None] = mapped_column(String(32))
    overall: Mapped[str | None] = mapped_column(String(16), index=True)
    has_red_flags: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # The highest level of advice the sent answers called for: "emergency", "urgent" or None.
    red_flag_level: Mapped[str | None] = mapped_column(String(16), index=True)
    # Copied from the locked answers so the worklist can search and sort in SQL.
    patient_name: Mapped[str | None] = mapped_column(String(100))
    # The name as searched (`search_form`): set with patient_name (drafts.submit, and by the
    # listener below when patient_name is set on an object).
    name_search: Mapped[str | None] = mapped_column(String(NAME_SEARCH_LENGTH))
    # Computed by the database: the reference without its hyphens ("SIJ7K3Q9XMD"), for prefix
    # searches; and the red flags' place in the worklist's order.
    reference_key: Mapped[str | None] = mapped_column(
        String(16), Computed("replace(reference, '-', '')", persisted=True)
    )
    red_flag_priority: Mapped[int] = mapped_column(
        Integer, Computed(RED_FLAG_PRIORITY_SQL, persisted=True)
    )
    appointment_date: Mapped[dt.date | None] = mapped_column(db.Date)

    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("clinician.id"))
    reviewed_by: Mapped[Clinician | None] = relationship()

    pdfs: Mapped[list[PdfCache]] = relationship(
        back_populates="screening", cascade="all, delete-orphan", passive_deletes=True
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="FollowUp.created_at"
    )

    @property
    def is_submitted(self) -> bool:
        """Whether the answers are locked."""
        return self.status == "submitted"


@event.listens_for(Screening.patient_name, "set")
def _name_search(target: Screening, value: str | None, *_: Any) -> None:
    target.name_search = search_form(value)


# The trigram index needs pg_trgm (tables made without migrations: tests, `db.create_all`).
event.listen(
    Screening.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)


class FollowUp(db.Model):
    """What the clinic did about a sent screening (a red flag's follow-up): who, when, a note.

    Added to, never changed: the screening itself stays exactly as it was sent.
    """

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(
        ForeignKey("screening.id", ondelete="CASCADE"), index=True
    )
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("clinician.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))

    clinician: Mapped[Clinician | None] = relationship()


class Alert(db.Model):
    """An email to the clinic that a screening with red flags was sent (reference only).

    Written at submission; sent right after, or later by `flask send-alerts` when sending failed.
    """

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(
        ForeignKey("screening.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(200))


class PdfCache(db.Model):
    """Rendered PDF bytes of a submitted screening, keyed by a hash of everything it shows."""

    __tablename__ = "pdf_cache"
    __table_args__ = (UniqueConstraint("screening_id", "input_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(
        ForeignKey("screening.id", ondelete="CASCADE"), index=True
    )
    input_hash: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    screening: Mapped[Screening] = relationship(back_populates="pdfs")


class Clinician(UserMixin, db.Model):
    """A clinic staff account. Created from the CLI or by an admin; never a default account."""

    __tablename__ = "clinician"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Changes on password change or disable, so old sessions stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        """Disabled accounts cannot sign in."""
        return not self.disabled

    def get_id(self) -> str:
        """Session identity: the id and the session version."""
        return f"{self.id}:{self.session_version}"


class AuditEvent(db.Model):
    """Append-only record of access: who, when, what (a reference, never answers), from where."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        # The audit trail of one user, newest first (its filter and its order).
        Index("ix_audit_event_actor_email_at", "actor_email", "at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_email: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64), index=True)
    screening_reference: Mapped[str | None] = mapped_column(String(32), index=True)
    detail: Mapped[str | None] = mapped_column(String(1000))
    ip: Mapped[str | None] = mapped_column(String(64))


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(mapper: Any, connection: Any, target: AuditEvent) -> None:
    raise PermissionError("audit events are append-only")
