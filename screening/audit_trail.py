"""Reading the audit trail page by page; each reading is itself audited ("audit_view")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import audit
from .models import AuditEvent
from .paging import Key, Page, keyset

if TYPE_CHECKING:
    from .accounts import Actor

PER_PAGE = 50
# Newest first (the time, then the id for events of the same moment): ix_audit_event_at, and
# ix_audit_event_actor_email_at for one user's events.
KEYS = (
    Key(AuditEvent.at, "datetime", lambda e: e.at),
    Key(AuditEvent.id, "int", lambda e: e.id),
)


def read(user: str, reference: str, cursor: str | None = None, *, actor: Actor) -> Page:
    """One page of audit events, newest first, of one user (an email, or "cli") and one
    screening reference (any case) when given: the first page, or the one `cursor` points to
    (paging.BadCursor when it was not made for this list)."""
    stmt = audit.query(actor_email=user or None, reference=reference or None).order_by(None)
    page = keyset(stmt, KEYS, cursor, PER_PAGE, scope="audit")
    detail = f"user={user or 'any'} page={page.page}"
    actor.record("audit_view", reference=reference.upper() or None, detail=detail)
    return page
