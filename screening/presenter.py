"""The one answers presenter: every list of a patient's answers is built here, from the tree.

Check answers (with Change links), the clinician's screening page, the printable summary and
the PDF all show `present(answers)`: rows by section in the order patients answer, a group of
questions as one row ("Physical therapy: Yes · 12 weeks · It did not help"), and the rows the
tree derives from answers (age, BMI) after the question they follow. A question added to the
tree appears in every one of them, worded once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from . import questionnaire
from .questionnaire import Definition, Derived, Group, Question, Section, Step

# Between the parts of a group's row: "Yes · 12 weeks · It did not help".
GROUP_SEPARATOR = " · "


@dataclass(frozen=True)
class AnswerRow:
    """One labelled answer (or group of answers, or derived value) in words."""

    key: str  # the first question's key: the field a Change link goes to
    label: str
    value: str
    provided: bool
    step: str | None = None  # the step that asks it; None for a derived row
    short: str = ""  # what "Change" changes, for screen readers


@dataclass(frozen=True)
class AnswerSection:
    """The rows of one section of the questionnaire."""

    key: str
    title: str
    rows: tuple[AnswerRow, ...]


def present(
    answers: Mapping[str, Any],
    on: dt.date | None = None,
    *,
    definition: Definition | None = None,
) -> tuple[AnswerSection, ...]:
    """Every asked question's answer in words, by section; derived rows too when `on` is given.

    `on` is the day derived rows are worked out for (the submission day): the patient's check
    page, which shows only what they typed, leaves it out. `definition` is the version the
    answers were given under (the current one when not given).
    """
    tree = (definition or questionnaire.CURRENT).tree
    return tuple(_section(section, answers, on) for section in tree)


def _section(section: Section, answers: Mapping[str, Any], on: dt.date | None) -> AnswerSection:
    derived: dict[str, list[Derived]] = {}
    for d in section.derived:
        derived.setdefault(d.after, []).append(d)
    rows: list[AnswerRow] = []
    for step in section.steps:
        for item in step.items:
            if isinstance(item, Group):
                row, keys = _group_row(item, answers, step), [q.key for q in item.questions]
            else:
                row, keys = _question_row(item, answers, step), [item.key]
            if row is not None:
                rows.append(row)
            if on is not None:
                rows += [_derived_row(d, answers, on) for k in keys for d in derived.get(k, [])]
    return AnswerSection(section.key, str(section.title), tuple(rows))


def _question_row(q: Question, answers: Mapping[str, Any], step: Step) -> AnswerRow | None:
    if not q.is_asked(answers):
        return None
    return AnswerRow(
        key=q.key,
        label=str(q.row_label),
        value=q.in_words(answers.get(q.key)),
        provided=q.key in answers,
        step=step.key,
        short=str(q.short),
    )


def _group_row(group: Group, answers: Mapping[str, Any], step: Step) -> AnswerRow | None:
    asked = [q for q in group.questions if q.is_asked(answers)]
    if not asked:
        return None
    first = group.questions[0]
    provided = any(q.key in answers for q in asked)
    return AnswerRow(
        key=first.key,
        label=str(group.label),
        # Nothing of the group answered: said once, not once per question.
        value=GROUP_SEPARATOR.join(q.in_words(answers.get(q.key)) for q in asked)
        if provided
        else _("Not provided"),
        provided=provided,
        step=step.key,
        short=str(first.short),
    )


def _derived_row(d: Derived, answers: Mapping[str, Any], on: dt.date) -> AnswerRow:
    value = d.in_words(answers, on)
    return AnswerRow(
        key=d.key,
        label=str(d.label),
        value=value if value is not None else _("Not provided"),
        provided=value is not None,
    )
