"""Screenings sent again: the one a screening replaces, those that replace it, what changed.

A patient who sent answers and later chose "Start a new screening" on the same device makes a
new screening linked to the earlier one (`Screening.replaces_id`, set on the new one only). A
clinician reading either sees the other, and the answers that differ between them.

Plain data in; only flushes. Showing a related screening's answers (what changed) is an access
to that screening: audited once per related screening as "view_related", its reference with
the screening being read in the detail. Drafts never appear.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from . import changes, questionnaire, releases
from .extensions import db
from .models import Screening
from .presenter import present

if TYPE_CHECKING:
    from .accounts import Actor


@dataclass(frozen=True)
class Link:
    """A related screening: its reference and when it was sent."""

    reference: str
    submitted_at: dt.datetime

    @property
    def sent_on(self) -> str:
        """The day it was sent, in words (22 November 2026)."""
        return questionnaire.long_date(self.submitted_at.date())


@dataclass(frozen=True)
class Comparison:
    """What changed from an earlier screening to a newer one."""

    earlier: Link
    newer: Link
    changes: tuple[changes.Change, ...]


@dataclass(frozen=True)
class Related:
    """The screening this one replaces, those that replace it (newest first), and what changed
    between this one and each of them (earlier to newer)."""

    replaces: Link | None
    replaced_by: tuple[Link, ...]
    comparisons: tuple[Comparison, ...]

    def __bool__(self) -> bool:
        return self.replaces is not None or bool(self.replaced_by)


def _submitted():
    return select(Screening).where(Screening.status == "submitted")


def _link(screening: Screening) -> Link:
    """A sent screening's link (only sent screenings are read here: both are set)."""
    return Link(screening.reference or "", screening.submitted_at or screening.updated_at)


def _presented(screening: Screening):
    """The screening's answers as the one presenter shows them, with its own release."""
    release = releases.of(screening.questionnaire_version)
    on = screening.submitted_at.date() if screening.submitted_at else None
    return present(screening.answers or {}, on=on, definition=release.questionnaire)


def _compare(earlier: Screening, newer: Screening) -> Comparison:
    return Comparison(
        _link(earlier), _link(newer), changes.between(_presented(earlier), _presented(newer))
    )


def of(screening: Screening, *, actor: Actor) -> Related:
    """The sent screenings related to `screening`, and what changed; audited as above."""
    earlier = None
    if screening.replaces_id is not None:
        earlier = db.session.scalar(_submitted().where(Screening.id == screening.replaces_id))
    # By the replaces_id index alone; drafts (a new screening not sent yet) are left out here,
    # not in SQL, where a condition on the status leads SQLite to scan the status index.
    newer = [
        s
        for s in db.session.scalars(
            select(Screening)
            .where(Screening.replaces_id == screening.id)
            .order_by(Screening.submitted_at.desc(), Screening.id.desc())
        )
        if s.status == "submitted"
    ]
    comparisons = []
    if earlier is not None:
        comparisons.append(_compare(earlier, screening))
    comparisons += [_compare(screening, n) for n in newer]
    for other in ([earlier] if earlier is not None else []) + newer:
        actor.record("view_related", reference=other.reference, detail=screening.reference)
    return Related(
        replaces=_link(earlier) if earlier is not None else None,
        replaced_by=tuple(_link(n) for n in newer),
        comparisons=tuple(comparisons),
    )
