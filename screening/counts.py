"""A screening's stored evaluations counted by status, every profile, stricter first.

For the lists and files that show a screening in a line (the worklist, the CSV export, the PDF's
page 1): how many main criteria each profile's comparison found met, not met and not known, the
status of every criterion, and the points to discuss. Counts and statuses only, never a verdict.

Read from what was stored at submission (`Screening.evaluation` for the default profile,
`Screening.other_evaluations` for the others), with the release the screening was answered
under: its profiles, in its order, and its own words for their titles. A screening sent before
the other profiles were stored has them worked out again from its answers, on its submission day,
with its own release's engine (as the summary does).

Pure: plain data in and out, no Flask app, no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import releases
from .i18n import gettext as _
from .releases import Release

STATUSES = ("met", "not_met", "unknown")


@dataclass(frozen=True)
class Counts:
    """Main (core) criteria counted by status."""

    met: int = 0
    not_met: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        """How many main criteria were compared."""
        return self.met + self.not_met + self.unknown

    def in_words(self) -> str:
        """Short, for a list: "5 of 9 met, 2 not met, 2 not known"."""
        return _(
            "%(met)s of %(total)s met, %(not_met)s not met, %(unknown)s not known",
            met=self.met,
            total=self.total,
            not_met=self.not_met,
            unknown=self.unknown,
        )


def _get(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)


def count(criteria: Iterable[Any], *, main_only: bool = True) -> Counts:
    """Criteria rows (stored dicts with "status" and "core", or results with those attributes)
    counted by status; only the main ones unless `main_only` is False. A status other than met,
    not met or not known is not counted."""
    statuses = [_get(c, "status") for c in criteria if _get(c, "core") or not main_only]
    return Counts(statuses.count("met"), statuses.count("not_met"), statuses.count("unknown"))


def stricter_first(profiles: Iterable[str], default: str) -> list[str]:
    """Profile keys, stricter first: the default profile is the lenient one (the seed documents'
    criteria), so the others come first, in their listed order, then the default."""
    keys = list(profiles)
    return [k for k in keys if k != default] + [k for k in keys if k == default]


def release_order(release: Release) -> list[str]:
    """A release's profile keys, stricter first: as its criteria data lists them
    (`STRICTER_FIRST`, where it has one), else by `stricter_first`."""
    keys = list(release.criteria.PROFILES)
    listed = [k for k in getattr(release.criteria, "STRICTER_FIRST", ()) if k in keys]
    rest = [k for k in keys if k not in listed]
    return listed + stricter_first(rest, release.criteria.DEFAULT_PROFILE)


@dataclass(frozen=True)
class ProfileCounts:
    """One profile's comparison of a screening, counted."""

    key: str  # the profile's key ("published", "documents")
    title: str  # its title in its release's words
    counts: Counts  # main criteria
    statuses: dict[str, str]  # every criterion, main or not: id -> "met", "not_met", "unknown"
    stored: bool  # False when worked out again from the answers (nothing stored for it)

    def in_words(self) -> str:
        """ "Published policies (a composite): 5 of 9 met, 2 not met, 2 not known"."""
        return _("%(profile)s: %(counts)s", profile=self.title, counts=self.counts.in_words())


@dataclass(frozen=True)
class Overview:
    """What a list shows of a screening's comparison: each profile's counts, stricter first,
    and the points to discuss (the same for every profile)."""

    profiles: tuple[ProfileCounts, ...]
    flags: tuple[str, ...]  # ids of the points to discuss raised, in their listed order
    flags_unknown: tuple[str, ...] = ()  # ids of those that could not be checked

    @property
    def flag_count(self) -> int:
        """How many points to discuss were raised."""
        return len(self.flags)

    def by_key(self, key: str) -> ProfileCounts | None:
        """One profile's counts, or None when this screening's release has no such profile."""
        return next((p for p in self.profiles if p.key == key), None)


def _profile(release: Release, evaluation: Mapping[str, Any], stored: bool) -> ProfileCounts:
    key = str(evaluation.get("profile") or "")
    profile = release.criteria.PROFILES.get(key)
    criteria = evaluation.get("criteria") or []
    return ProfileCounts(
        key=key,
        title=str(profile.title) if profile is not None else key,
        counts=count(criteria),
        statuses={str(_get(c, "id")): str(_get(c, "status")) for c in criteria},
        stored=stored,
    )


def _ids(rows: Any) -> tuple[str, ...]:
    return tuple(str(r["id"]) if isinstance(r, Mapping) else str(r) for r in rows or ())


def overview(
    evaluation: Mapping[str, Any] | None,
    others: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    questionnaire_version: str | None = None,
    answers: Mapping[str, Any] | None = None,
    submitted_on: dt.date | None = None,
) -> Overview:
    """A stored screening's comparisons counted, every profile of its release, stricter first.

    `evaluation` is the default profile's stored evaluation, `others` the other profiles' (by
    key). A profile with nothing stored is worked out again from `answers` on `submitted_on`
    with the screening's own release; without answers it is left out. No evaluation at all (a
    draft) gives an empty overview.
    """
    if not evaluation:
        return Overview((), ())
    release = releases.of(questionnaire_version)
    stored: dict[str, Mapping[str, Any]] = {str(evaluation.get("profile")): evaluation}
    stored.update({k: v for k, v in (others or {}).items() if v})
    rows = []
    for key in release_order(release):
        if key in stored:
            rows.append(_profile(release, stored[key], stored=True))
        elif answers is not None:
            again = release.engine.evaluate(answers, key, on=submitted_on or dt.date.today())
            rows.append(_profile(release, again.as_dict(), stored=False))
    return Overview(
        profiles=tuple(rows),
        flags=_ids(evaluation.get("flags")),
        flags_unknown=_ids(evaluation.get("flags_unknown")),
    )


def every_profile() -> list[tuple[str, list[str]]]:
    """Every profile of every release with its criterion ids, stricter first: the current
    release's profiles and criteria first, then what only earlier releases had (for columns that
    must hold any screening)."""
    profiles: dict[str, dict[str, None]] = {}
    for r in releases.every():
        for key in release_order(r):
            ids = profiles.setdefault(key, {})
            ids.update(dict.fromkeys(c.id for c in r.criteria.PROFILES[key].criteria))
    return [(key, list(ids)) for key, ids in profiles.items()]
