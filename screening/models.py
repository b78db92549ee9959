"""Typed SQLAlchemy 2 models. Schema changes go through Alembic revisions in migrations/."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
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


class Screening(db.Model):
    """One patient's screening: a draft while answered, locked once submitted."""

    __tablename__ = "screening"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Random, unguessable; bound to the patient's session cookie. Never shown in URLs.
    token: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
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
    __table_args__ = (Index("ix_audit_event_at", "at"),)

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
