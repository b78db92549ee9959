"""The clinicians' worklist: submitted screenings searched, filtered, paged, opened and reviewed.

Plain data in; only flushes, never commits. Every function that a clinician's action calls audits
it once, with the `accounts.Actor` passed in. Drafts never appear: only submitted screenings have
a reference.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select, update

from .criteria import OVERALL_LABELS
from .extensions import db
from .models import Screening, utcnow
from .paging import paginate

if TYPE_CHECKING:
    from .accounts import Actor

PER_PAGE = 25
MAX_QUERY_LENGTH = 100
REVIEWED = ("yes", "no")
# How a screening was opened, as the audit trail names it.
Access = Literal["view", "view_summary", "pdf_download"]


@dataclass(frozen=True)
class Filters:
    """What the worklist is narrowed to; empty values mean "any"."""

    q: str = ""  # words of a reference or a patient's name
    outcome: str = ""  # a key of OVERALL_LABELS
    reviewed: str = ""  # "yes" or "no"
    red_flags: bool = False

    @classmethod
    def clean(
        cls,
        q: str | None = None,
        outcome: str | None = None,
        reviewed: str | None = None,
        red_flags: bool = False,
    ) -> Filters:
        """Filters from what was asked: the search trimmed, NFC-normalised (as names are
        stored) and cut to MAX_QUERY_LENGTH; an unknown outcome or review state means any."""
        return cls(
            q=unicodedata.normalize("NFC", (q or "").strip())[:MAX_QUERY_LENGTH],
            outcome=outcome if outcome in OVERALL_LABELS else "",
            reviewed=reviewed if reviewed in REVIEWED else "",
            red_flags=bool(red_flags),
        )

    @property
    def active(self) -> bool:
        """Whether anything narrows the list."""
        return bool(self.q or self.outcome or self.reviewed or self.red_flags)

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments ("" for any)."""
        flags = "1" if self.red_flags else ""
        return {"q": self.q, "outcome": self.outcome, "reviewed": self.reviewed, "red_flags": flags}


def _submitted() -> Select[Any]:
    return select(Screening).where(Screening.status == "submitted")


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def _query(filters: Filters) -> Select[Any]:
    stmt = _submitted()
    if filters.q:
        # A name contains the words, or a reference contains the letters and digits typed
        # (with or without its hyphens). LIKE wildcards typed are plain characters.
        name = func.lower(Screening.patient_name)
        conditions = [name.contains(filters.q.lower(), autoescape=True)]
        if code := _alnum(filters.q).upper():
            reference = func.replace(Screening.reference, "-", "")
            conditions.append(reference.contains(code, autoescape=True))
        stmt = stmt.where(or_(*conditions))
    if filters.outcome:
        stmt = stmt.where(Screening.overall == filters.outcome)
    if filters.reviewed == "yes":
        stmt = stmt.where(Screening.reviewed_at.is_not(None))
    elif filters.reviewed == "no":
        stmt = stmt.where(Screening.reviewed_at.is_(None))
    if filters.red_flags:
        stmt = stmt.where(Screening.has_red_flags.is_(True))
    return stmt.order_by(Screening.submitted_at.desc(), Screening.id.desc())


def search(filters: Filters, page: int | None = 1, *, actor: Actor) -> Pagination:
    """One page of the submitted screenings matching the filters, newest first.

    Audited as "search" (or "worklist" when nothing is filtered) with the filters used, the
    count and the references listed (their names are on the page), never the search words,
    which may be a patient's name. A search for one exact reference is filed under it.
    """
    pagination = paginate(_query(filters), page, PER_PAGE)
    shown = [s.reference or "" for s in pagination.items]
    detail = (
        f"query={'yes' if filters.q else 'no'} outcome={filters.outcome or 'any'} "
        f"reviewed={filters.reviewed or 'any'} red_flags={'yes' if filters.red_flags else 'any'} "
        f"page={pagination.page} results={pagination.total} shown={','.join(shown)}"
    )
    code = _alnum(filters.q).upper()
    exact = next((ref for ref in shown if code and _alnum(ref) == code), None)
    actor.record("search" if filters.active else "worklist", reference=exact, detail=detail)
    return pagination


def submitted(reference: str) -> Screening | None:
    """The submitted screening with this reference (any case), or None."""
    return db.session.scalar(_submitted().where(Screening.reference == reference.upper()))


def open_screening(reference: str, *, actor: Actor, how: Access = "view") -> Screening | None:
    """The submitted screening with this reference, its opening audited as `how` (its page, its
    printable summary or its PDF); None, and nothing audited, when there is none."""
    screening = submitted(reference)
    if screening is not None:
        actor.record(how, reference=screening.reference)
    return screening


def mark_reviewed(screening: Screening, *, actor: Actor) -> bool:
    """Mark a screening as reviewed by the actor, audited as "review"; once only.

    One conditional UPDATE: of two clinicians marking it at once, exactly one is recorded, and
    later calls change nothing. True when this call marked it, False when it already was.
    """
    result = db.session.execute(
        update(Screening)
        .where(Screening.id == screening.id, Screening.reviewed_at.is_(None))
        .values(reviewed_at=utcnow(), reviewed_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    actor.record("review", reference=screening.reference)
    return True
