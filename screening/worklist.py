"""The clinicians' worklist: submitted screenings searched, filtered, paged, opened and reviewed.

By default red flags come first: emergency, then urgent, then the others, newest first within
each (`Screening.red_flag_level`, in SQL); "newest" orders by submission time only.

Plain data in; only flushes, never commits. Every function that a clinician's action calls audits
it once, with the `accounts.Actor` passed in. Drafts never appear: only submitted screenings have
a reference.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, case, func, or_, select, update
from sqlalchemy.orm import selectinload

from .counts import Overview, overview
from .criteria import OVERALL_LABELS
from .extensions import db
from .follow_up import LEVELS
from .models import Screening, utcnow
from .paging import paginate

if TYPE_CHECKING:
    from .accounts import Actor

PER_PAGE = 25
MAX_QUERY_LENGTH = 100
REVIEWED = ("yes", "no")
# "yes": any red flag; or one level of them.
RED_FLAGS = ("yes", *LEVELS)
SORTS = ("red_flags", "newest")  # the first is the default
# How a screening was opened, as the audit trail names it.
Access = Literal["view", "view_summary", "pdf_download"]


@dataclass(frozen=True)
class Filters:
    """What the worklist is narrowed to, and its order; empty values mean "any"."""

    q: str = ""  # words of a reference or a patient's name
    outcome: str = ""  # a key of OVERALL_LABELS
    reviewed: str = ""  # "yes" or "no"
    red_flags: str = ""  # "yes" (any level), "emergency" or "urgent"
    sort: str = SORTS[0]

    @classmethod
    def clean(
        cls,
        q: str | None = None,
        outcome: str | None = None,
        reviewed: str | None = None,
        red_flags: str | bool | None = None,
        sort: str | None = None,
    ) -> Filters:
        """Filters from what was asked: the search trimmed, NFC-normalised (as names are
        stored) and cut to MAX_QUERY_LENGTH; an unknown outcome, review state or red-flag level
        means any, an unknown order the default. `red_flags` True or "1" means any level."""
        if red_flags is True or red_flags == "1":
            red_flags = "yes"
        return cls(
            q=unicodedata.normalize("NFC", (q or "").strip())[:MAX_QUERY_LENGTH],
            outcome=outcome if outcome in OVERALL_LABELS else "",
            reviewed=reviewed if reviewed in REVIEWED else "",
            red_flags=red_flags if isinstance(red_flags, str) and red_flags in RED_FLAGS else "",
            sort=sort if sort in SORTS else SORTS[0],
        )

    @property
    def active(self) -> bool:
        """Whether anything narrows the list (the order does not)."""
        return bool(self.q or self.outcome or self.reviewed or self.red_flags)

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments ("" for any, and for the default order)."""
        return {
            "q": self.q,
            "outcome": self.outcome,
            "reviewed": self.reviewed,
            "red_flags": self.red_flags,
            "sort": "" if self.sort == SORTS[0] else self.sort,
        }


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
    if filters.red_flags == "yes":
        stmt = stmt.where(Screening.red_flag_level.is_not(None))
    elif filters.red_flags:
        stmt = stmt.where(Screening.red_flag_level == filters.red_flags)
    newest = (Screening.submitted_at.desc(), Screening.id.desc())
    # Each row shows whether it was followed up: loaded with the page, not once per row.
    stmt = stmt.options(selectinload(Screening.follow_ups))
    if filters.sort == "newest":
        return stmt.order_by(*newest)
    return stmt.order_by(_level_rank(), *newest)


def _level_rank() -> Any:
    """0 for an emergency red flag, 1 for urgent, 2 for none (anything else)."""
    return case(
        *((Screening.red_flag_level == level, rank) for rank, level in enumerate(LEVELS)),
        else_=len(LEVELS),
    )


def search(filters: Filters, page: int | None = 1, *, actor: Actor) -> Pagination:
    """One page of the submitted screenings matching the filters, in the order asked.

    Audited as "search" (or "worklist" when nothing is filtered) with the filters used, the
    count and the references listed (their names are on the page), never the search words,
    which may be a patient's name. A search for one exact reference is filed under it.
    """
    pagination = paginate(_query(filters), page, PER_PAGE)
    shown = [s.reference or "" for s in pagination.items]
    detail = (
        f"query={'yes' if filters.q else 'no'} outcome={filters.outcome or 'any'} "
        f"reviewed={filters.reviewed or 'any'} red_flags={filters.red_flags or 'any'} "
        f"sort={filters.sort} page={pagination.page} results={pagination.total} "
        f"shown={','.join(shown)}"
    )
    code = _alnum(filters.q).upper()
    exact = next((ref for ref in shown if code and _alnum(ref) == code), None)
    actor.record("search" if filters.active else "worklist", reference=exact, detail=detail)
    return pagination


@dataclass(frozen=True)
class Row:
    """One line of the worklist: the screening and its comparisons counted (every profile,
    stricter first, and the points to discuss), read from its stored evaluations."""

    screening: Screening
    overview: Overview


def overview_of(screening: Screening) -> Overview:
    """A sent screening's comparisons counted, from what was stored at its submission, with its
    own release (no query: the page's rows are already loaded)."""
    return overview(
        screening.evaluation,
        screening.other_evaluations,
        questionnaire_version=screening.questionnaire_version,
        answers=screening.answers,
        submitted_on=screening.submitted_at.date() if screening.submitted_at else None,
    )


def rows(screenings: list[Screening]) -> list[Row]:
    """The worklist's lines for one page of screenings."""
    return [Row(s, overview_of(s)) for s in screenings]


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
