"""The summary of a submitted screening, as plain data for the one summary template.

Pure: answers, the stored evaluation and submission details in; a context out. No request, no
database. It sets the patient's own answers beside published criteria; it never diagnoses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from . import questionnaire
from .criteria import (
    OVERALL_LABELS,
    PROFILES,
    RED_FLAG_ADVICE,
    RED_FLAG_TITLE,
    RISK_FACTOR_LIMITS,
    STATUS_LABELS,
)
from .engine import age, bmi, evaluate, red_flags
from .questionnaire import BY_KEY, SECTIONS, TREATMENTS

# A shape for each status, so the table reads in greyscale and without colour vision.
STATUS_SYMBOLS = {"met": "✔", "not_met": "✘", "unknown": "?"}

TITLE = _l("SI joint screening summary")
DISCLAIMER = _l(
    "This summary is the patient’s own answers compared with published criteria. "
    "It does not diagnose and does not decide about surgery."
)

# The "About you" answers are shown as the patient details at the top, not again in the answers.
DETAILS_SECTION = "about"
_TREATMENT_LABELS = {t.key: t.label for t in TREATMENTS}


@dataclass(frozen=True)
class Row:
    """One labelled value: a patient detail or an answer."""

    label: str
    value: str
    provided: bool = True


@dataclass(frozen=True)
class CriterionRow:
    """One line of a comparison table."""

    title: str
    answer: str
    requirement: str
    status: str
    status_label: str
    symbol: str
    source_document: str
    source_says: str
    core: bool


@dataclass(frozen=True)
class ProfileTable:
    """The comparison of the answers with one profile's criteria."""

    key: str
    title: str
    description: str
    overall: str
    overall_label: str
    rows: tuple[CriterionRow, ...]
    stored: bool  # True for an evaluation stored at submission
    criteria_version: str  # the version this evaluation was made with


@dataclass(frozen=True)
class FlagRow:
    """A point to discuss, with its source."""

    text: str
    source_document: str
    source_says: str


@dataclass(frozen=True)
class SectionRows:
    """The answers of one questionnaire section."""

    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Summary:
    """Everything the summary template shows, already in words."""

    title: str
    disclaimer: str
    reference: str
    submitted_at: dt.datetime
    submitted_on: str
    criteria_version: str
    red_flags: tuple[str, ...]
    red_flag_title: str
    red_flag_advice: str
    details: tuple[Row, ...]
    profiles: tuple[ProfileTable, ...]
    flags: tuple[FlagRow, ...]
    sections: tuple[SectionRows, ...]
    questions: tuple[str, ...]
    questionnaire_version: str
    preview: bool = False  # rendered from an answers file, not a submitted screening
    # Each distinct seed-document sentence cited, numbered in order of first use: [1], [2], ...
    # Published policies are cited by name in the tables (docs/criteria.md has their words).
    sources: tuple[tuple[str, str], ...] = ()

    def source_number(self, document: str, says: str) -> int | None:
        """The number of a seed-document sentence in the list of sources (None for a policy)."""
        key = (document, says)
        return self.sources.index(key) + 1 if key in self.sources else None


def _long_date(day: dt.date) -> str:
    return questionnaire.long_date(day)


def _table(evaluation: Mapping[str, Any], stored: bool) -> ProfileTable:
    profile = PROFILES.get(evaluation["profile"])
    rows = tuple(
        CriterionRow(
            title=c["title"],
            answer=c["answer"],
            requirement=c["requirement"],
            status=c["status"],
            status_label=str(STATUS_LABELS[c["status"]]),
            symbol=STATUS_SYMBOLS[c["status"]],
            source_document=c["source"]["document"],
            source_says=c["source"]["says"],
            core=bool(c.get("core")),
        )
        for c in evaluation["criteria"]
    )
    return ProfileTable(
        key=evaluation["profile"],
        title=str(profile.title) if profile else evaluation["profile"],
        description=str(profile.description) if profile else "",
        overall=evaluation["overall"],
        overall_label=str(OVERALL_LABELS[evaluation["overall"]]),
        rows=rows,
        stored=stored,
        criteria_version=evaluation["criteria_version"],
    )


def _details(answers: Mapping[str, Any], on: dt.date) -> tuple[Row, ...]:
    not_provided = _("Not provided")

    def row(label: str, value: str | None) -> Row:
        return Row(label, value if value else not_provided, bool(value))

    dob = answers.get("date_of_birth")
    years = age(answers, on)
    dob_words = (
        _(
            "%(date)s (age %(age)s at submission)",
            date=BY_KEY["date_of_birth"].in_words(dob),
            age=years,
        )
        if dob
        else None
    )
    index = bmi(answers)

    def words(key: str) -> str | None:
        return BY_KEY[key].in_words(answers[key]) if answers.get(key) is not None else None

    return (
        row(_("Name"), answers.get("name")),
        row(_("Date of birth"), dob_words),
        row(_("Height"), words("height_cm")),
        row(_("Weight"), words("weight_kg")),
        row(_("BMI"), f"{index:.1f}" if index is not None else None),
        row(_("Appointment"), words("appointment_date")),
    )


def _treatment_row(key: str, answers: Mapping[str, Any]) -> Row:
    # One row per treatment: "Yes · 12 weeks · It did not help" reads faster than three rows
    # whose questions ("How did it go?") make no sense without the treatment beside them.
    parts = [
        BY_KEY[k].in_words(answers.get(k))
        for k in (f"{key}_tried", f"{key}_weeks", f"{key}_result")
        if BY_KEY[k].is_asked(answers)
    ]
    return Row(str(_TREATMENT_LABELS[key]), " · ".join(parts), f"{key}_tried" in answers)


def _section_rows(section: str, answers: Mapping[str, Any]) -> tuple[Row, ...]:
    rows = []
    for q in questionnaire.QUESTIONS:
        if q.section != section or not q.is_asked(answers):
            continue
        treatment = q.key.removesuffix("_tried")
        if treatment in _TREATMENT_LABELS:
            rows.append(_treatment_row(treatment, answers))
        elif any(q.key in (f"{t}_weeks", f"{t}_result") for t in _TREATMENT_LABELS):
            continue  # shown in the treatment's own row
        else:
            rows.append(Row(str(q.text), q.in_words(answers.get(q.key)), q.key in answers))
    return tuple(rows)


def _sections(answers: Mapping[str, Any]) -> tuple[SectionRows, ...]:
    out = []
    for section in SECTIONS:
        if section.key == DETAILS_SECTION:
            continue  # every answer of it is in the patient details, said once
        rows = _section_rows(section.key, answers)
        if rows:
            out.append(SectionRows(str(section.title), rows))
    return tuple(out)


def questions_to_ask(answers: Mapping[str, Any], on: dt.date) -> tuple[str, ...]:
    """Questions the patient may want to ask the specialist, chosen from their answers."""
    qs: list[str] = []
    injection = answers.get("diagnostic_injection")
    if injection != "yes":
        qs.append(
            _(
                "Do I need a numbing (diagnostic) injection to find out whether the SI joint "
                "is the source of my pain?"
            )
        )
    elif (answers.get("diagnostic_injection_count") or 0) < 2 or answers.get(
        "diagnostic_injection_guided"
    ) != "yes":
        qs.append(_("Would another numbing injection, guided by a scan, be useful?"))
    if answers.get("exam_done") != "yes":
        qs.append(_("Should my SI joint be examined with tests that press on or move the pelvis?"))
    if not answers.get("imaging"):
        qs.append(_("Do I need an X-ray, CT or MRI scan of my lower back or pelvis?"))
    if answers.get("physical_therapy_tried") != "yes":
        qs.append(_("Should I try physical therapy before other options?"))
    months = answers.get("conservative_care_months")
    if months is not None and months < 6:
        qs.append(_("How long should I keep trying treatments without surgery?"))
    if answers.get("pain_side") == "both":
        qs.append(_("My pain is on both sides: would one side be treated first?"))
    if answers.get("other_conditions"):
        # The conditions themselves are listed with the answers; the question stays short.
        qs.append(
            _(
                "Could my other health conditions explain some of the pain, and how do they "
                "change my options?"
            )
        )
    if answers.get("previous_lumbar_fusion") == "yes":
        qs.append(_("How does my earlier lower back fusion affect the options?"))
    if answers.get("nicotine_use") == "yes":
        qs.append(_("Should I stop using nicotine before any treatment, and what help is there?"))
    index, years = bmi(answers), age(answers, on)
    if (index is not None and index >= RISK_FACTOR_LIMITS["bmi"]) or (
        years is not None and years >= RISK_FACTOR_LIMITS["age"]
    ):
        qs.append(_("How do my age, weight or health change the risks of surgery?"))
    qs.append(_("What are all my options, including not having surgery?"))
    if len(qs) < 6:  # keep the list short enough to read before the consultation
        qs.append(
            _("If I had SI joint fusion, what would recovery and going back to work look like?")
        )
    return tuple(qs)


def build_summary(
    answers: Mapping[str, Any],
    evaluation: Mapping[str, Any],
    submitted_at: dt.datetime,
    reference: str,
    criteria_version: str,
    *,
    others: Mapping[str, Mapping[str, Any]] | None = None,
    preview: bool = False,
) -> Summary:
    """The summary context: the default evaluation first, then the other profiles, in words.

    `others` are the other profiles' evaluations stored at submission; a preview (or a
    screening submitted before they were stored) evaluates them on the submission day.
    """
    on = submitted_at.date()
    tables = [_table(evaluation, stored=True)]
    for key in PROFILES:
        if key == evaluation["profile"]:
            continue
        stored = (others or {}).get(key)
        other = stored if stored is not None else evaluate(answers, key, on=on).as_dict()
        tables.append(_table(other, stored=stored is not None))
    flags = tuple(
        FlagRow(f["text"], f["source"]["document"], f["source"]["says"])
        for f in evaluation.get("flags", [])
    )
    urgent = tuple(BY_KEY["red_flags"].label_of(f) for f in red_flags(answers))
    return Summary(
        title=str(TITLE),
        disclaimer=str(DISCLAIMER),
        reference=reference,
        submitted_at=submitted_at,
        submitted_on=_long_date(on),
        criteria_version=criteria_version,
        red_flags=urgent,
        red_flag_title=str(RED_FLAG_TITLE),
        red_flag_advice=str(RED_FLAG_ADVICE),
        details=_details(answers, on),
        profiles=tuple(tables),
        flags=flags,
        sections=_sections(answers),
        questions=questions_to_ask(answers, on),
        questionnaire_version=questionnaire.QUESTIONNAIRE_VERSION,
        preview=preview,
        sources=_sources(tables, flags),
    )


def is_seed_document(document: str) -> bool:
    """Whether a source is one of the seed documents (cited by file name), not a policy."""
    return document.endswith(".txt")


def _sources(tables: list[ProfileTable], flags: tuple[FlagRow, ...]) -> tuple[tuple[str, str], ...]:
    cited = [(r.source_document, r.source_says) for t in tables for r in t.rows]
    cited += [(f.source_document, f.source_says) for f in flags]
    return tuple(dict.fromkeys(c for c in cited if is_seed_document(c[0])))
