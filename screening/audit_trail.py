"""Reading the audit trail page by page; each reading is itself audited ("audit_view")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_sqlalchemy.pagination import Pagination

from . import audit
from .paging import paginate

if TYPE_CHECKING:
    from .accounts import Actor

PER_PAGE = 50


def read(user: str, reference: str, page: int | None = 1, *, actor: Actor) -> Pagination:
    """One page of audit events, newest first, of one user (an email, or "cli") and one
    screening reference (any case) when given."""
    stmt = audit.query(actor_email=user or None, reference=reference or None)
    pagination = paginate(stmt, page, PER_PAGE)
    detail = f"user={user or 'any'} page={pagination.page}"
    actor.record("audit_view", reference=reference.upper() or None, detail=detail)
    return pagination
