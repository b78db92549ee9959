"""What changed between two screenings of one patient: the answers that differ, in words.

Pure: no Flask request, no database. It compares what the one answers presenter
(`screening.presenter.present`) made of each screening, each with its own release, so an
answer is worded here exactly as everywhere else and never formatted a second way. Rows are
matched by their key (a question's, or a group's first question's); rows the tree derives
(age, BMI, months since) are not answers and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .i18n import gettext as _


class Row(Protocol):
    """A presented answer row (presenter.AnswerRow)."""

    key: str
    label: str
    value: str
    step: str | None


class Section(Protocol):
    """A presented section (presenter.AnswerSection)."""

    key: str
    rows: Sequence[Row]


@dataclass(frozen=True)
class Change:
    """One answer that differs: its label, the earlier value and the new one, in words."""

    key: str
    label: str
    before: str
    after: str


def not_asked() -> str:
    """The value shown for a question one of the two screenings did not ask."""
    return _("Not asked")


def _answers(sections: Iterable[Section]) -> dict[str, Row]:
    """The answer rows by key, in the order presented (derived rows left out)."""
    return {row.key: row for section in sections for row in section.rows if row.step is not None}


def between(earlier: Iterable[Section], newer: Iterable[Section]) -> tuple[Change, ...]:
    """The answers that differ from `earlier` to `newer`, in the newer screening's order, then
    those only the earlier one asked, in its order. A question one did not ask reads
    "Not asked" on that side; the label is the newer screening's when both asked it."""
    before = _answers(earlier)
    after = _answers(newer)
    changes = [
        Change(key, row.label, before[key].value if key in before else not_asked(), row.value)
        for key, row in after.items()
        if key not in before or before[key].value != row.value
    ]
    changes += [
        Change(key, row.label, row.value, not_asked())
        for key, row in before.items()
        if key not in after
    ]
    return tuple(changes)
