"""The summary of a submitted screening, as plain data for the one summary template.

Pure: answers, the stored evaluation and submission details in; a context out. No request, no
database. It sets the patient's own answers beside published criteria; it never diagnoses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from . import advice, glance, questionnaire, releases
from .presenter import AnswerRow, AnswerSection, present
from .releases import Release

# A shape for each status, so the table reads in greyscale and without colour vision.
STATUS_SYMBOLS = {"met": "✔", "not_met": "✘", "unknown": "?"}

TITLE = _l("SI joint screening summary")
DISCLAIMER = _l(
    "This summary is the patient’s own answers compared with published criteria. "
    "It does not diagnose and does not decide about surgery."
)

# Questionnaire 2026.11's sentence when no flag was raised (later releases have their own).
NO_FLAGS_TEXT_2026_11 = _l(
    "None of the answers raised a point to discuss (both sides, other conditions, risk factors "
    "or an earlier lower back fusion)."
)

# The "About you" answers are shown as the patient details at the top, not again in the answers.
DETAILS_SECTION = "about"


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
    # Every source of the row as (document, says); one for evaluations of criteria 2026.11.
    sources: tuple[tuple[str, str], ...] = ()
    # What the clinic recorded since (pdf.summary_for adds them; none in a preview).
    follow_ups: tuple[FollowUpRow, ...] = ()
    threshold_value: str = ""  # empty for a criterion without a number (and before 2026.12)
    threshold_basis: str = ""  # where the number comes from, in a few words


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
    # True when overall_label counts the main criteria (from criteria 2026.12-1); before that
    # it is the release's own overall label.
    counts: bool = False


@dataclass(frozen=True)
class FlagRow:
    """A point to discuss, with its source."""

    text: str
    source_document: str
    source_says: str
    sources: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FollowUpRow:
    """What the clinic recorded after reading a screening (a red flag's follow-up)."""

    action: str  # in words, e.g. "Patient contacted"
    note: str
    by: str  # the clinician's email, or "" when the account is gone
    at: dt.datetime


@dataclass(frozen=True)
class RedFlagRow:
    """A safety question the patient answered "yes", at its level of advice."""

    id: str
    level: str  # "emergency" or "urgent"
    level_label: str  # "Emergency" or "Urgent"
    text: str  # in words for the specialist


@dataclass(frozen=True)
class RedFlagChange:
    """One safety question's answers over time: "answered yes at 14:03, changed to no at 14:05"."""

    id: str
    text: str
    story: str
    changed: bool  # answered more than once (a "yes" changed, or given again after a change)


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
    details: tuple[AnswerRow, ...]
    profiles: tuple[ProfileTable, ...]
    flags: tuple[FlagRow, ...]
    sections: tuple[AnswerSection, ...]
    questions: tuple[str, ...]
    questionnaire_version: str
    preview: bool = False  # rendered from an answers file, not a submitted screening
    # Each distinct seed-document sentence cited, numbered in order of first use: [1], [2], ...
    # Published policies are cited by name in the tables (docs/criteria.md has their words).
    sources: tuple[tuple[str, str], ...] = ()
    # The sentence when no flag was raised, and the flags that could not be checked, in words.
    no_flags_text: str = ""
    flags_unknown_text: str = ""
    # From questionnaire 2026.12 (empty before): the red flags with their level, what the
    # patient was advised and when, and every safety answer that was "yes" at some point.
    red_flag_level: str = ""  # "emergency", "urgent", or "" for none
    red_flag_heading: str = ""
    red_flag_rows: tuple[RedFlagRow, ...] = ()
    red_flag_reported: str = ""  # "Patient reported: ...; ...."
    red_flag_advised: tuple[str, ...] = ()  # "Advised to call 999 or ... on 4 Dec 2026 14:03 UTC."
    red_flag_changes: tuple[RedFlagChange, ...] = ()
    red_flag_times_note: str = ""
    # What the clinic recorded since (pdf.summary_for adds them; none in a preview).
    follow_ups: tuple[FollowUpRow, ...] = ()
    # From questionnaire 2026.12: page 1 at a glance, the running header's patient, what no
    # profile could tell from the answers (the specialist may ask), and the published sources
    # cited, each as (name, date, address).
    glance: glance.Glance | None = None
    patient_name: str = ""
    patient_born: str = ""
    not_known: tuple[str, ...] = ()
    published_sources: tuple[tuple[str, str, str], ...] = ()
    # "Replaces SIJ-… (sent 22 November 2026)": the patient sent answers again (pdf.summary_for).
    replaces: str = ""
    # "Answered in Spanish": the clinic's copy of a screening answered in another language than
    # the clinic's (pdf.summary_for; empty when it is the clinic's or not known).
    answered_in: str = ""

    def source_number(self, document: str, says: str) -> int | None:
        """The number of a seed-document sentence in the list of sources (None for a policy)."""
        key = (document, says)
        return self.sources.index(key) + 1 if key in self.sources else None


def _long_date(day: dt.date) -> str:
    return questionnaire.long_date(day)


def _row_sources(c: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A row's sources: a list from criteria 2026.12-1 on, one source before."""
    if "sources" in c:
        return tuple((s["document"], s["says"]) for s in c["sources"])
    return ((c["source"]["document"], c["source"]["says"]),)


def _table(release: Release, evaluation: Mapping[str, Any], stored: bool) -> ProfileTable:
    words = release.criteria
    profile = words.PROFILES.get(evaluation["profile"])
    rows = []
    for c in evaluation["criteria"]:
        sources = _row_sources(c)
        threshold = c.get("threshold") or {}
        rows.append(
            CriterionRow(
                title=c["title"],
                answer=c["answer"],
                requirement=c["requirement"],
                status=c["status"],
                status_label=str(words.STATUS_LABELS[c["status"]]),
                symbol=STATUS_SYMBOLS[c["status"]],
                source_document=sources[0][0],
                source_says=sources[0][1],
                core=bool(c.get("core")),
                sources=sources,
                threshold_value=threshold.get("value") or "",
                threshold_basis=threshold.get("basis_short") or "",
            )
        )
    # People read counts ("6 of 9 main criteria met, ..."), never a verdict; releases before
    # 2026.12 keep the labels they were sent with.
    counts = getattr(words, "counts_in_words", None)
    return ProfileTable(
        key=evaluation["profile"],
        title=str(profile.title) if profile else evaluation["profile"],
        description=str(profile.description) if profile else "",
        overall=evaluation["overall"],
        overall_label=(
            counts(evaluation["criteria"])
            if counts is not None
            else str(words.OVERALL_LABELS[evaluation["overall"]])
        ),
        rows=tuple(rows),
        stored=stored,
        criteria_version=evaluation["criteria_version"],
        counts=counts is not None,
    )


def questions_to_ask(
    answers: Mapping[str, Any], on: dt.date, release: Release | None = None
) -> tuple[str, ...]:
    """Questions the patient may want to ask the specialist, chosen from their answers."""
    r = release or releases.current()
    return tuple(r.criteria.PROMPTS[p].text_in_words() for p in r.engine.prompts(answers, on))


def build_summary(
    answers: Mapping[str, Any],
    evaluation: Mapping[str, Any],
    submitted_at: dt.datetime,
    reference: str,
    criteria_version: str,
    *,
    others: Mapping[str, Mapping[str, Any]] | None = None,
    preview: bool = False,
    questionnaire_version: str | None = None,
    red_flag_history: Sequence[Mapping[str, Any]] = (),
) -> Summary:
    """The summary context: the default evaluation first, then the other profiles, in words.

    `others` are the other profiles' evaluations stored at submission; a preview (or a
    screening submitted before they were stored) evaluates them on the submission day.
    Everything is read with the release the answers were given under (`questionnaire_version`;
    the current one when not given). `red_flag_history` is the screening's record of safety
    answers and advice shown (`Screening.red_flag_history`), read from questionnaire 2026.12 on.
    """
    release = releases.of(questionnaire_version)
    on = submitted_at.date()
    tables = [_table(release, evaluation, stored=True)]
    for key in release.criteria.PROFILES:
        if key == evaluation["profile"]:
            continue
        stored = (others or {}).get(key)
        other = (
            stored if stored is not None else release.engine.evaluate(answers, key, on=on).as_dict()
        )
        tables.append(_table(release, other, stored=stored is not None))
    flags = tuple(_flag_row(f) for f in evaluation.get("flags", []))
    unknown = [f["title"] for f in evaluation.get("flags_unknown", [])]
    criteria = release.criteria
    red: dict[str, Any]
    if "red_flags" in release.questionnaire.by_key:
        # 2026.11: one checklist and one level of advice, shown exactly as it was sent.
        red_flag_question = release.questionnaire.by_key["red_flags"]
        red = {
            "red_flags": tuple(
                red_flag_question.label_of(f) for f in release.engine.red_flags(answers)
            ),
            "red_flag_title": str(release.criteria.RED_FLAG_TITLE),
            "red_flag_advice": str(release.criteria.RED_FLAG_ADVICE),
        }
    else:
        red = red_flag_part(release, answers, red_flag_history, submitted_at)
    answered = present(answers, on=on, definition=release.questionnaire)
    extra: dict[str, Any] = {}
    if hasattr(criteria, "STRICTER_FIRST"):  # from criteria 2026.12-1 (not the frozen 2026.11)
        by_key = {row.key: row for section in answered for row in section.rows}
        extra = {
            "glance": glance.build(
                answers,
                answered,
                release.questionnaire,
                tables,
                questionnaire.TREATMENTS,
                criteria.STRICTER_FIRST,
            ),
            "patient_name": by_key["name"].value if "name" in by_key else "",
            "patient_born": by_key["date_of_birth"].value if "date_of_birth" in by_key else "",
            # Said once, in the criteria's words, whichever profile could not tell it.
            "not_known": tuple(
                dict.fromkeys(r.title for t in tables for r in t.rows if r.status == "unknown")
            ),
            "published_sources": _published(release, tables, flags),
        }
    return Summary(
        title=str(TITLE),
        disclaimer=str(DISCLAIMER),
        reference=reference,
        submitted_at=submitted_at,
        submitted_on=_long_date(on),
        criteria_version=criteria_version,
        **red,
        details=next(s for s in answered if s.key == DETAILS_SECTION).rows,
        profiles=tuple(tables),
        flags=flags,
        # Every answer of the details section is in the patient details, said once.
        sections=tuple(s for s in answered if s.key != DETAILS_SECTION and s.rows),
        questions=questions_to_ask(answers, on, release),
        questionnaire_version=release.version,
        preview=preview,
        sources=_sources(release, tables, flags),
        no_flags_text=str(getattr(criteria, "NO_FLAGS_TEXT", NO_FLAGS_TEXT_2026_11)),
        flags_unknown_text=(
            str(criteria.FLAGS_UNKNOWN_TEXT) % {"what": ", ".join(unknown)} if unknown else ""
        ),
        **extra,
    )


# --- red flags, from questionnaire 2026.12 --------------------------------------------------------

LEVEL_LABELS = {advice.EMERGENCY: _l("Emergency"), advice.URGENT: _l("Urgent")}
RED_FLAG_HEADINGS = {
    advice.EMERGENCY: _l("Red flags: emergency advice given"),
    advice.URGENT: _l("Red flags: urgent advice given"),
}
RED_FLAG_CHANGED_HEADING = _l("Red flag answered, then changed")


def _when(moment: dt.datetime, day: dt.date | None) -> str:
    """ "at 14:03" on `day`, else "on 4 Dec 2026 at 14:03"."""
    if moment.date() == day:
        return str(_l("at %(time)s", time=advice.short_time(moment)))
    return str(
        _l(
            "on %(day)s at %(time)s",
            day=advice.day_and_time(moment).rsplit(" ", 2)[0],
            time=advice.short_time(moment),
        )
    )


def red_flag_changes(
    release: Release, history: Sequence[Mapping[str, Any]], sent_on: dt.date | None
) -> tuple[RedFlagChange, ...]:
    """Every safety question answered "yes" at some point, with its answers over time."""
    texts = release.criteria.RED_FLAGS
    by_key: dict[str, list[tuple[str, dt.datetime]]] = {}
    for entry in history:
        key, moment = entry.get("key"), advice.parse_time(entry.get("at"))
        if key in texts and moment is not None and entry.get("answer") in ("yes", "no"):
            by_key.setdefault(key, []).append((entry["answer"], moment))
    rows = []
    for key, flag in texts.items():
        answers = by_key.get(key, [])
        if not any(a == "yes" for a, _m in answers):
            continue
        parts = []
        day = sent_on
        for i, (answer, moment) in enumerate(answers):
            when = _when(moment, day)
            day = moment.date()
            if i == 0:
                parts.append(str(_l("answered %(answer)s %(when)s", answer=answer, when=when)))
            else:
                parts.append(str(_l("changed to %(answer)s %(when)s", answer=answer, when=when)))
        changed = len(answers) > 1 or answers[-1][0] != "yes"
        rows.append(RedFlagChange(key, str(flag.text), ", ".join(parts), changed))
    return tuple(rows)


def red_flag_part(
    release: Release,
    answers: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]],
    submitted_at: dt.datetime,
) -> dict[str, Any]:
    """The red-flag fields of a summary of questionnaire 2026.12 or later."""
    raised = release.engine.red_flags(answers)
    level = release.engine.red_flag_level(answers) or ""
    rows = tuple(
        RedFlagRow(f["id"], f["level"], str(LEVEL_LABELS[f["level"]]), str(f["text"]))
        for f in raised
    )
    advised = []
    for entry in history:
        moment = advice.parse_time(entry.get("at"))
        words = advice.at_level(entry.get("advised"))
        if words is not None and moment is not None:
            advised.append(
                str(
                    _l(
                        "Advised to %(what)s on %(when)s.",
                        what=words.specialist,
                        when=advice.day_and_time(moment),
                    )
                )
            )
    changes = red_flag_changes(release, history, submitted_at.date())
    # Only the rows that tell more than the answers sent: a "yes" that was changed.
    changed = tuple(c for c in changes if c.changed)
    heading = RED_FLAG_HEADINGS[level] if level else RED_FLAG_CHANGED_HEADING
    reported = (
        str(_l("Patient reported: %(what)s.", what="; ".join(r.text for r in rows))) if rows else ""
    )
    return {
        "red_flags": tuple(r.text for r in rows),
        "red_flag_title": str(heading),
        "red_flag_advice": "",
        "red_flag_level": level,
        "red_flag_heading": str(heading) if (rows or changed or advised) else "",
        "red_flag_rows": rows,
        "red_flag_reported": reported,
        "red_flag_advised": tuple(advised),
        "red_flag_changes": changed,
        "red_flag_times_note": str(_l("Times are UTC.")) if changed else "",
    }


def _flag_row(f: Mapping[str, Any]) -> FlagRow:
    sources = tuple((s["document"], s["says"]) for s in f.get("sources") or [f["source"]])
    return FlagRow(f["text"], sources[0][0], sources[0][1], sources)


def seed_documents(release: Release) -> frozenset[str]:
    """The names a release cites its seed documents by (titles from 2026.12; file names before)."""
    words = release.criteria
    titles = getattr(words, "SEED_TITLES", None)
    if titles is None:
        titles = tuple(v for k, v in vars(words).items() if k.startswith("SEED_"))
    return frozenset(titles)


def is_seed_document(document: str, release: Release | None = None) -> bool:
    """Whether a source is one of the seed documents, not a published source."""
    return document in seed_documents(release or releases.current())


def _sources(
    release: Release, tables: list[ProfileTable], flags: tuple[FlagRow, ...]
) -> tuple[tuple[str, str], ...]:
    seeds = seed_documents(release)
    cited = [s for t in tables for r in t.rows for s in r.sources]
    cited += [s for f in flags for s in f.sources]
    return tuple(dict.fromkeys(c for c in cited if c[0] in seeds))


def _published(
    release: Release, tables: list[ProfileTable], flags: tuple[FlagRow, ...]
) -> tuple[tuple[str, str, str], ...]:
    """Every published source the tables and flags cite: name, date (with publisher), address."""
    known = release.criteria.PUBLISHED
    cited = [s[0] for t in tables for r in t.rows for s in r.sources]
    cited += [s[0] for f in flags for s in f.sources]
    return tuple(
        (known[name].name, known[name].date, known[name].url)
        for name in dict.fromkeys(cited)
        if name in known
    )
