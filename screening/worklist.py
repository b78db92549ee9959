"""The clinicians' worklist: submitted screenings searched, filtered, paged, opened and reviewed.

By default red flags come first: emergency, then urgent, then the others, newest first within
each (`Screening.red_flag_priority`, computed by the database from `red_flag_level`); "newest"
orders by submission time only. Each order has its index and is paged by keyset (`paging`): a
page costs the same at the start of the list and deep into it. A whole reference typed is looked
up by the unique index; names and the starts of references by their searched forms
(`Screening.name_search`, `Screening.reference_key`).

Plain data in; only flushes, never commits. Every function that a clinician's action calls audits
it once, with the `accounts.Actor` passed in. Drafts never appear: only submitted screenings have
a reference.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, update
from sqlalchemy.orm import load_only, selectinload

from . import releases
from .counts import Overview, overview, release_order
from .criteria import OVERALL_LABELS
from .drafts import CODE_ALPHABET, REFERENCE_PREFIX
from .extensions import db
from .follow_up import LEVELS
from .models import Screening, search_form, utcnow
from .paging import COUNT_CAP, Key, Page, keyset

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
_READ: Any = object()  # overview_of: read the answers from the screening


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


def whole_reference(q: str) -> str | None:
    """The reference typed, when the words are a whole one in any case, with or without its
    hyphens and spaces ("sij 7k3q9xmd" -> "SIJ-7K3Q-9XMD"); else None."""
    code = _alnum(q).upper()
    rest = code.removeprefix(REFERENCE_PREFIX)
    if code.startswith(REFERENCE_PREFIX) and len(rest) == 8 and set(rest) <= set(CODE_ALPHABET):
        return f"{REFERENCE_PREFIX}-{rest[:4]}-{rest[4:]}"
    return None


def _reference_prefix(q: str) -> str | None:
    """The start of a reference typed, as `Screening.reference_key` holds it ("SIJ7K"): "SIJ"
    and what follows, or two or more of the reference's characters (the start after "SIJ-")."""
    code = _alnum(q).upper()
    if code.startswith(REFERENCE_PREFIX):
        rest = code.removeprefix(REFERENCE_PREFIX)
    elif len(code) >= 2:
        rest, code = code, REFERENCE_PREFIX + code
    else:
        return None
    return code if set(rest) <= set(CODE_ALPHABET) and len(code) <= 11 else None


_STARTS_LIKE_REFERENCE = re.compile(rf"\s*{REFERENCE_PREFIX}[-\s]", re.IGNORECASE)


def _matches(q: str) -> ColumnElement[bool]:
    """The screenings the search words find: one whole reference by the unique index alone;
    otherwise a name containing the words (accents and case aside: `search_form`) or a
    reference starting with the letters and digits typed. LIKE wildcards typed are plain."""
    if exact := whole_reference(q):
        return Screening.reference == exact
    conditions: list[ColumnElement[bool]] = []
    # "SIJ-" and more is the start of a reference, never a name: searched by reference alone
    # (an OR with the name condition would keep either database from using its index).
    looks_like_reference = _STARTS_LIKE_REFERENCE.match(q) is not None
    if (name := search_form(q)) and not looks_like_reference:
        # On PostgreSQL the trigram index finds fragments of three characters or more.
        conditions.append(Screening.name_search.contains(name, autoescape=True))
    if prefix := _reference_prefix(q):
        if db.session.get_bind().dialect.name == "sqlite":
            # SQLite's LIKE ignores case, so it cannot use the index: a range can (the keys
            # are ASCII letters and digits, all below DEL).
            key = Screening.reference_key
            conditions.append(and_(key >= prefix, key < prefix + "\x7f"))
        else:
            conditions.append(Screening.reference_key.startswith(prefix))
    return or_(*conditions) if conditions else false()


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    conditions = [Screening.status == "submitted"]
    if filters.q:
        conditions.append(_matches(filters.q))
    if filters.outcome:
        conditions.append(Screening.overall == filters.outcome)
    if filters.reviewed == "yes":
        conditions.append(Screening.reviewed_at.is_not(None))
    elif filters.reviewed == "no":
        conditions.append(Screening.reviewed_at.is_(None))
    if filters.red_flags == "yes":
        conditions.append(Screening.red_flag_level.is_not(None))
    elif filters.red_flags:
        conditions.append(Screening.red_flag_level == filters.red_flags)
    return conditions


# What a worklist row shows, and no more: never the answers (see `rows` for the few that need
# them), the red-flag history or the tokens.
_SHOWN = (
    Screening.id,
    Screening.status,
    Screening.reference,
    Screening.submitted_at,
    Screening.patient_name,
    Screening.appointment_date,
    Screening.evaluation,
    Screening.other_evaluations,
    Screening.questionnaire_version,
    Screening.red_flag_level,
    Screening.red_flag_priority,
    Screening.reviewed_at,
    Screening.replaces_id,
)

_NEWEST = (
    Key(Screening.submitted_at, "datetime", lambda s: s.submitted_at),
    Key(Screening.id, "int", lambda s: s.id),
)
# Red flags first: emergency (2), urgent (1), then the others (0); newest first within each.
_RED_FLAGS_FIRST = (
    Key(Screening.red_flag_priority, "int", lambda s: s.red_flag_priority),
    *_NEWEST,
)
ORDERS = {"red_flags": _RED_FLAGS_FIRST, "newest": _NEWEST}


def search(filters: Filters, cursor: str | None = None, *, actor: Actor) -> Page:
    """One page of the submitted screenings matching the filters, in the order asked: the first
    page, or the one `cursor` points to (paging.BadCursor when it was not made for this order).

    Audited as "search" (or "worklist" when nothing is filtered) with the filters used, the
    count (">1000" past the cap) and the references listed (their names are on the page), never
    the search words, which may be a patient's name. A search for one exact reference is filed
    under it.
    """
    conditions = _conditions(filters)
    stmt = (
        select(Screening)
        .where(*conditions)
        .options(
            load_only(*_SHOWN),
            # Each row shows whether it was followed up: loaded with the page, not once per row.
            selectinload(Screening.follow_ups),
        )
    )
    page = keyset(
        stmt,
        ORDERS[filters.sort],
        cursor,
        PER_PAGE,
        scope=f"worklist:{filters.sort}",
        count=select(Screening.id).where(*conditions),
    )
    shown = [s.reference or "" for s in page.items]
    results = f">{COUNT_CAP}" if page.capped else str(page.total)
    detail = (
        f"query={'yes' if filters.q else 'no'} outcome={filters.outcome or 'any'} "
        f"reviewed={filters.reviewed or 'any'} red_flags={filters.red_flags or 'any'} "
        f"sort={filters.sort} page={page.page} results={results} "
        f"shown={','.join(shown)}"
    )
    code = _alnum(filters.q).upper()
    exact = next((ref for ref in shown if code and _alnum(ref) == code), None)
    actor.record("search" if filters.active else "worklist", reference=exact, detail=detail)
    return page


@dataclass(frozen=True)
class Row:
    """One line of the worklist: the screening and its comparisons counted (every profile,
    stricter first, and the points to discuss), read from its stored evaluations."""

    screening: Screening
    overview: Overview
    # Sent again (`related`): the reference of the screening this one replaces, and of the
    # newest one that replaces it, so that nobody reads an earlier one unawares.
    replaces: str | None = None
    replaced_by: str | None = None


def overview_of(screening: Screening, answers: Any = _READ) -> Overview:
    """A sent screening's comparisons counted, from what was stored at its submission, with its
    own release. Its answers (read from the screening unless given) are only used for a
    profile that nothing was stored for."""
    return overview(
        screening.evaluation,
        screening.other_evaluations,
        questionnaire_version=screening.questionnaire_version,
        answers=screening.answers if answers is _READ else answers,
        submitted_on=screening.submitted_at.date() if screening.submitted_at else None,
    )


def _needs_answers(screening: Screening) -> bool:
    """Whether a profile of the screening's release has nothing stored (sent before the other
    profiles were stored): it is worked out again from the answers."""
    evaluation = screening.evaluation
    if not evaluation:
        return False
    stored = {str(evaluation.get("profile"))}
    stored |= {k for k, v in (screening.other_evaluations or {}).items() if v}
    return not set(release_order(releases.of(screening.questionnaire_version))) <= stored


def rows(screenings: list[Screening]) -> list[Row]:
    """The worklist's lines for one page of screenings (loaded without their answers): the
    answers of the few that need them read in one query, never one per row."""
    wanted = [s.id for s in screenings if _needs_answers(s)]
    answers: dict[int, Any] = {}
    if wanted:
        found = db.session.execute(
            select(Screening.id, Screening.answers).where(Screening.id.in_(wanted))
        )
        answers = {row.id: row.answers for row in found}
    replaces, replaced_by = _links(screenings)
    return [
        Row(s, overview_of(s, answers.get(s.id)), replaces.get(s.id), replaced_by.get(s.id))
        for s in screenings
    ]


def _links(screenings: list[Screening]) -> tuple[dict[int, str], dict[int, str]]:
    """For one page, in one query: the reference each screening replaces, and the newest sent
    screening replacing each one ({screening id: reference})."""
    ids = [s.id for s in screenings]
    earlier = {s.replaces_id for s in screenings if s.replaces_id is not None}
    if not ids:
        return {}, {}
    # By the replaces_id index and the primary key; drafts are left out here, not in SQL (a
    # condition on the status leads SQLite to scan the status index instead).
    # Sorted here too: an ORDER BY on the submission time leads SQLite to walk that index.
    found = sorted(
        (
            row
            for row in db.session.execute(
                select(
                    Screening.id,
                    Screening.reference,
                    Screening.replaces_id,
                    Screening.status,
                    Screening.submitted_at,
                ).where(or_(Screening.replaces_id.in_(ids), Screening.id.in_(earlier or [-1])))
            )
            if row.status == "submitted"
        ),
        key=lambda row: (row.submitted_at, row.id),
    )
    reference_of = {row.id: row.reference for row in found}
    replaces = {
        s.id: reference_of[s.replaces_id] for s in screenings if s.replaces_id in reference_of
    }
    # Oldest first, so the newest one replacing a screening is the one kept.
    replaced_by = {row.replaces_id: row.reference for row in found if row.replaces_id in ids}
    return replaces, replaced_by


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
