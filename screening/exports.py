"""Exports of submitted screenings: CSV for spreadsheets and HL7 FHIR R4 resources.

Both derive from the questionnaire definitions: CSV columns are the data dictionary keys, and
the FHIR Questionnaire's linkIds are the same keys. Both also carry what the clinic needs about
red flags: each red flag raised with its level, every red-flag answer given over time with the
advice shown, and the clinic's follow-ups (CSV: four columns after "overall"; FHIR: extensions
of the QuestionnaireResponse, under the canonical base, see `red_flag_extensions`). The CSV also
carries the review status, the points to discuss and every profile's comparison (each
criterion's status and the main criteria counted, stricter profile first), all described by
`CSV_COLUMN_DOCS` (listed in docs/data-dictionary.md). A screening is exported with the release it
was answered under (`questionnaire_version`): its answers under its own keys, its FHIR response
pointing at its own version of the Questionnaire. `export_csv` and `export_fhir` are what a
clinician downloads: the file of a date range, audited (plain data in; only flushes).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app, has_app_context
from sqlalchemy import select

from . import counts, follow_up, questionnaire, releases
from .definition import Definition
from .extensions import db
from .models import Screening
from .questionnaire import Group, Question, When

if TYPE_CHECKING:
    from .accounts import Actor

# --- selection -------------------------------------------------------------------------------


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def submitted_between(start: dt.date | None, end: dt.date | None) -> list[Screening]:
    """Submitted screenings whose submission day (UTC) is within [start, end], oldest first."""
    stmt = select(Screening).where(Screening.status == "submitted")
    if start:
        stmt = stmt.where(Screening.submitted_at >= _start_of(start))
    if end:
        stmt = stmt.where(Screening.submitted_at < _start_of(end + dt.timedelta(days=1)))
    return list(db.session.scalars(stmt.order_by(Screening.submitted_at, Screening.id)))


# --- CSV -------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
META_COLUMNS = (
    "reference",
    "submitted_at",
    "questionnaire_version",
    "criteria_version",
    "overall",
)
# Red flags and what the clinic did. Not "red_flags": that is the key of an earlier
# questionnaire's checklist, whose answers keep their own column.
#   red_flag_level    "emergency", "urgent" or empty
#   red_flags_raised  each red flag with its level: "rf_bladder_bowel:emergency;rf_fever:urgent"
#   red_flag_history  every red-flag answer and advice shown, in order, UTC:
#                     "rf_fever=yes@2026-12-04T14:03:00Z;advised=urgent@2026-12-04T14:03:00Z"
#   follow_ups        one line per follow-up, oldest first:
#                     "patient_contacted@2026-12-04T15:10:00Z by dr@clinic.example: the note"
RED_FLAG_COLUMNS = ("red_flag_level", "red_flags_raised", "red_flag_history", "follow_ups")


# Whether and when a clinician marked the screening as reviewed.
REVIEW_COLUMNS = ("reviewed", "reviewed_at")
# The points to discuss (flags, the same for every profile): raised, by id in their listed order;
# how many; and those that could not be checked (an answer missing or "not sure").
FLAG_COLUMNS = ("flags", "flags_count", "flags_unknown")
# Each profile's main criteria counted by status, as "<profile>:main_<status>".
COUNT_COLUMNS = ("main_met", "main_not_met", "main_unknown", "main_total")


def profile_columns() -> list[str]:
    """Every profile's columns, stricter profile first (published, then documents): its main
    criteria counted (COUNT_COLUMNS), then each criterion's status, "<profile>:<criterion id>",
    main or not; the current release's criteria first, then those only earlier releases had."""
    return [
        f"{profile}:{name}"
        for profile, ids in counts.every_profile()
        for name in (*COUNT_COLUMNS, *ids)
    ]


def criterion_columns() -> list[str]:
    """One column per criterion of the default profile, criterion_<id>: the current release's
    criteria first, then those only earlier releases had."""
    ids = (
        c.id
        for r in releases.every()
        for c in r.criteria.PROFILES[r.criteria.DEFAULT_PROFILE].criteria
    )
    return [f"criterion_{i}" for i in dict.fromkeys(ids)]


def question_columns() -> list[str]:
    """Every question key: the current release's first, then those only earlier ones asked."""
    return list(dict.fromkeys(q.key for r in releases.every() for q in r.questionnaire.questions))


def csv_columns() -> list[str]:
    """The header row: screening facts, red flags and follow-ups, each criterion's status in the
    default profile (as before), the review, the points to discuss, every profile's counts and
    statuses, then every question key. New columns are added before the question keys."""
    return [
        *META_COLUMNS,
        *RED_FLAG_COLUMNS,
        *criterion_columns(),
        *REVIEW_COLUMNS,
        *FLAG_COLUMNS,
        *profile_columns(),
        *question_columns(),
    ]


# What each column that is not a question key holds, for docs/data-dictionary.md.
CSV_COLUMN_DOCS: tuple[tuple[str, str], ...] = (
    ("reference", "the screening's reference, SIJ-XXXX-XXXX"),
    ("submitted_at", "when it was sent, ISO 8601 in UTC"),
    ("questionnaire_version", "the questionnaire version it was answered under"),
    ("criteria_version", "the criteria version its comparison used"),
    (
        "overall",
        "the default profile's overall code: urgent, consistent, not_consistent, incomplete",
    ),
    ("red_flag_level", "emergency, urgent or empty"),
    ("red_flags_raised", "each red flag with its level, emergency first: `rf_fever:urgent;...`"),
    (
        "red_flag_history",
        "every safety answer and advice shown, in order, UTC: "
        "`rf_fever=yes@2026-12-04T14:03:00Z;advised=urgent@...`",
    ),
    ("follow_ups", "one line per follow-up, oldest first: `action@time by email: note`"),
    (
        "criterion_<id>",
        "the default profile's status of a criterion (met, not_met, unknown), "
        "the same as `documents:<id>`; kept for existing readers",
    ),
    ("reviewed", "yes or no: marked as reviewed by a clinician"),
    ("reviewed_at", "when it was marked as reviewed, ISO 8601 in UTC; empty when not"),
    ("flags", "the points to discuss raised, by id, semicolon-separated"),
    ("flags_count", "how many points to discuss were raised"),
    ("flags_unknown", "the points to discuss that could not be checked, by id"),
    (
        "<profile>:main_met, <profile>:main_not_met, <profile>:main_unknown, <profile>:main_total",
        "a profile's main criteria counted by status; empty when the screening's release has no "
        "such profile",
    ),
    (
        "<profile>:<criterion id>",
        "a profile's status of one criterion, main or not: met, "
        "not_met, unknown; empty when the screening's release did not compare it",
    ),
)


def safe_cell(text: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with a single quote."""
    # A value that already starts with a quote gets one too, so reading it back is exact.
    return "'" + text if text.startswith((*FORMULA_STARTS, "'")) else text


def unsafe_cell(text: str) -> str:
    """Undo safe_cell: drop the quote that was added before a formula character or a quote."""
    if text.startswith("'") and text[1:].startswith((*FORMULA_STARTS, "'")):
        return text[1:]
    return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return safe_cell(";".join(str(v) for v in value))
    if isinstance(value, dt.datetime):
        return _utc(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_cell(str(value))


def csv_row(screening: Screening) -> dict[str, str]:
    """One screening as a CSV row, keyed by column."""
    evaluation = screening.evaluation or {}
    statuses = {c["id"]: c["status"] for c in evaluation.get("criteria", [])}
    row: dict[str, str] = {
        "reference": _cell(screening.reference),
        "submitted_at": _cell(screening.submitted_at),
        "questionnaire_version": _cell(screening.questionnaire_version),
        "criteria_version": _cell(screening.criteria_version),
        "overall": _cell(screening.overall),
        **red_flag_cells(screening),
    }
    for column in criterion_columns():
        row[column] = _cell(statuses.get(column.removeprefix("criterion_")))
    row.update(review_cells(screening))
    row.update(comparison_cells(screening))
    answers = screening.answers or {}
    for key in question_columns():
        row[key] = _cell(answers.get(key))
    return row


def review_cells(screening: Screening) -> dict[str, str]:
    """The review columns of a screening's row (see REVIEW_COLUMNS)."""
    return {
        "reviewed": _cell(screening.reviewed_at is not None),
        "reviewed_at": _cell(screening.reviewed_at),
    }


def comparison_cells(screening: Screening) -> dict[str, str]:
    """The points to discuss and every profile's counts and statuses (see FLAG_COLUMNS and
    profile_columns), read from the stored evaluations with the screening's own release."""
    seen = counts.overview(
        screening.evaluation,
        screening.other_evaluations,
        questionnaire_version=screening.questionnaire_version,
        answers=screening.answers,
        submitted_on=screening.submitted_at.date() if screening.submitted_at else None,
    )
    row = {
        "flags": _cell(list(seen.flags)),
        "flags_count": _cell(seen.flag_count) if screening.evaluation else "",
        "flags_unknown": _cell(list(seen.flags_unknown)),
    }
    for profile, ids in counts.every_profile():
        found = seen.by_key(profile)
        c = found.counts if found else None
        row.update(
            {
                f"{profile}:main_met": _cell(c.met if c else None),
                f"{profile}:main_not_met": _cell(c.not_met if c else None),
                f"{profile}:main_unknown": _cell(c.unknown if c else None),
                f"{profile}:main_total": _cell(c.total if c else None),
            }
        )
        for criterion in ids:
            row[f"{profile}:{criterion}"] = _cell(found.statuses.get(criterion) if found else None)
    return row


def _stamp(moment: dt.datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def red_flag_cells(screening: Screening) -> dict[str, str]:
    """The red-flag columns of a screening's row (see RED_FLAG_COLUMNS)."""
    flags = follow_up.red_flags_of(screening)
    follow_ups = [
        f"{f.action}@{_stamp(f.created_at)} by {f.clinician.email if f.clinician else 'unknown'}"
        + (f": {f.note}" if f.note else "")
        for f in screening.follow_ups
    ]
    return {
        "red_flag_level": _cell(screening.red_flag_level),
        "red_flags_raised": _cell([f"{f.id}:{f.level}" for f in flags]),
        "red_flag_history": _cell(follow_up.history_codes(screening)),
        "follow_ups": safe_cell("\n".join(follow_ups)),
    }


def to_csv(screenings: Iterable[Screening]) -> str:
    """The CSV text: a header row, then one row per screening."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=csv_columns(), lineterminator="\r\n")
    writer.writeheader()
    for screening in screenings:
        writer.writerow(csv_row(screening))
    return out.getvalue()


def answers_from_row(row: Mapping[str, str]) -> dict[str, Any]:
    """Read the answers back from a CSV row, typed as the row's questionnaire version says."""
    answers: dict[str, Any] = {}
    definition = releases.of(row.get("questionnaire_version") or None).questionnaire
    for q in definition.questions:
        text = unsafe_cell(row.get(q.key) or "")
        if text == "":
            continue
        if q.type == "multi":
            answers[q.key] = text.split(";")
        elif q.type == "integer":
            answers[q.key] = int(text)
        else:
            answers[q.key] = text
    return answers


# --- FHIR R4 ---------------------------------------------------------------------------------

DEFAULT_CANONICAL_BASE = "https://si-joint-screening.example.org/fhir"
QUESTIONNAIRE_ID = "si-joint-screening"
FHIR_TYPES = {
    "text": "string",
    "date": "date",
    "month": "date",  # a FHIR date may be partial: "2025-05"
    "integer": "integer",
    "single": "choice",
    "multi": "choice",
}
OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


def canonical_base() -> str:
    """The base of canonical URLs: FHIR_CANONICAL_BASE in the config, or the default."""
    if has_app_context():
        return str(current_app.config.get("FHIR_CANONICAL_BASE") or DEFAULT_CANONICAL_BASE)
    return DEFAULT_CANONICAL_BASE


def questionnaire_url() -> str:
    """The canonical URL of the Questionnaire (without version)."""
    return f"{canonical_base()}/Questionnaire/{QUESTIONNAIRE_ID}"


def questionnaire_version_url(version: str) -> str:
    """The URL of one version of the Questionnaire, as a Bundle entry's fullUrl."""
    return f"{questionnaire_url()}/_history/{version}"


def code_system(key: str) -> str:
    """The code system of a choice question's values."""
    return f"{canonical_base()}/CodeSystem/{QUESTIONNAIRE_ID}-{key.replace('_', '-')}"


def _coding(q: Question, value: str) -> dict[str, str]:
    return {"system": code_system(q.key), "code": value, "display": q.label_of(value)}


def _enable_when(w: When, definition: Definition) -> dict[str, Any]:
    if w.op == "nonempty":
        return {"question": w.key, "operator": "exists", "answerBoolean": True}
    if w.op == "gte":
        return {"question": w.key, "operator": ">=", "answerInteger": int(w.value)}
    source = definition.by_key[w.key]
    return {"question": w.key, "operator": "=", "answerCoding": _coding(source, str(w.value))}


def _answer_option(q: Question, value: str) -> dict[str, Any]:
    option: dict[str, Any] = {"valueCoding": _coding(q, value)}
    if value == q.exclusive:
        # "None of these" cannot be chosen with another option, as in the web form.
        option["extension"] = [{"url": OPTION_EXCLUSIVE, "valueBoolean": True}]
    return option


def questionnaire_item(q: Question, definition: Definition | None = None) -> dict[str, Any]:
    """One question as a FHIR Questionnaire item."""
    item: dict[str, Any] = {
        "linkId": q.key,
        "text": str(q.text),
        "type": FHIR_TYPES[q.type],
        "required": q.required,
    }
    if q.type == "multi":
        item["repeats"] = True
    if q.choices:
        item["answerOption"] = [_answer_option(q, c.value) for c in q.choices]
    if q.max_length:
        item["maxLength"] = q.max_length
    extensions = []
    if q.min is not None:
        extensions.append({"url": MIN_VALUE, "valueInteger": q.min})
    if q.max is not None:
        extensions.append({"url": MAX_VALUE, "valueInteger": q.max})
    if extensions:
        item["extension"] = extensions
    if q.when:
        item["enableWhen"] = [_enable_when(w, definition or questionnaire.CURRENT) for w in q.when]
        if len(q.when) > 1:
            item["enableBehavior"] = "any"
    return item


def _group_id(section_key: str) -> str:
    return f"section-{section_key}"


def fhir_questionnaire(definition: Definition | None = None) -> dict[str, Any]:
    """The FHIR R4 Questionnaire of a questionnaire version (the current one when not given)."""
    definition = definition or questionnaire.CURRENT
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": questionnaire_url(),
        "version": definition.version,
        "name": "SIJointScreening",
        "title": "SI joint screening questionnaire",
        "status": "active",
        "subjectType": ["Patient"],
        "description": (
            "Questions a patient answers before a consultation about SI joint fusion. "
            "The answers are compared with published criteria; this is not a diagnosis."
        ),
        "item": [
            {
                "linkId": _group_id(section.key),
                "text": str(section.title),
                "type": "group",
                "item": [
                    _definition_item(item, definition)
                    for step in section.steps
                    for item in step.items
                ],
            }
            for section in definition.tree
        ],
    }


def _definition_item(item: Question | Group, definition: Definition) -> dict[str, Any]:
    """A question, or a group of questions (a treatment's, an injection's) as a group item."""
    if isinstance(item, Question):
        return questionnaire_item(item, definition)
    return {
        "linkId": item.key,
        "text": str(item.label),
        "type": "group",
        "item": [questionnaire_item(q, definition) for q in item.questions],
    }


def _answers(q: Question, value: Any) -> list[dict[str, Any]]:
    if q.type == "multi":
        return [{"valueCoding": _coding(q, v)} for v in value]
    if q.type == "single":
        return [{"valueCoding": _coding(q, value)}]
    if q.type == "integer":
        return [{"valueInteger": int(value)}]
    if q.type in ("date", "month"):
        return [{"valueDate": str(value)}]
    return [{"valueString": str(value)}]


def fhir_questionnaire_response(screening: Screening) -> dict[str, Any]:
    """A completed FHIR R4 QuestionnaireResponse of a submitted screening's answers."""
    if not screening.is_submitted or screening.submitted_at is None:
        raise ValueError("only submitted screenings are exported")
    answers = screening.answers or {}
    definition = releases.of(screening.questionnaire_version).questionnaire
    groups = []
    for section in definition.tree:
        items = [
            i
            for step in section.steps
            for item in step.items
            if (i := _response_item(item, answers)) is not None
        ]
        if items:
            groups.append(
                {"linkId": _group_id(section.key), "text": str(section.title), "item": items}
            )
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(screening.reference),
        "identifier": {
            "system": f"{canonical_base()}/screening-reference",
            "value": str(screening.reference),
        },
        "questionnaire": f"{questionnaire_url()}|{definition.version}",
        "status": "completed",
        "authored": _utc(screening.submitted_at).isoformat(timespec="seconds"),
        "item": groups,
    }
    if extensions := red_flag_extensions(screening):
        response["extension"] = extensions
    return response


def extension_url(name: str) -> str:
    """The URL of one of this service's extensions, under the canonical base."""
    return f"{canonical_base()}/StructureDefinition/{name}"


def _part(name: str, kind: str, value: Any) -> dict[str, Any]:
    return {"url": name, f"value{kind}": value}


def _instant(moment: dt.datetime | None) -> str | None:
    return _utc(moment).isoformat(timespec="seconds") if moment else None


def red_flag_extensions(screening: Screening) -> list[dict[str, Any]]:
    """The red flags, the red-flag answers over time and the follow-ups of a screening, as
    extensions of its QuestionnaireResponse (none when it has none of them):

    - red-flag-level: valueCode "emergency" or "urgent", the highest level of advice;
    - red-flag (one per red flag, emergency first): flag (code: the question key, or the
      2026.11 checklist value), level (code), text (string, words for the specialist);
    - red-flag-answer (one per answer given, in order): question (code), answer (code "yes" or
      "no"), at (dateTime);
    - red-flag-advice (each time advice was shown): level (code), at (dateTime);
    - follow-up (oldest first): action (Coding of CodeSystem .../follow-up-action), at
      (dateTime), by (string: the clinician's email), note (string, when written).
    """
    out: list[dict[str, Any]] = []
    if screening.red_flag_level:
        out.append({"url": extension_url("red-flag-level"), "valueCode": screening.red_flag_level})
    for flag in follow_up.red_flags_of(screening):
        parts = [_part("flag", "Code", flag.id), _part("level", "Code", flag.level)]
        if flag.text:
            parts.append(_part("text", "String", flag.text))
        out.append({"url": extension_url("red-flag"), "extension": parts})
    for event in screening.red_flag_history or []:
        if not isinstance(event, Mapping):
            continue
        at = follow_up.event_time(event)
        if "advised" in event:
            name, parts = "red-flag-advice", [_part("level", "Code", str(event["advised"]))]
        elif "key" in event:
            name = "red-flag-answer"
            parts = [
                _part("question", "Code", str(event["key"])),
                _part("answer", "Code", str(event.get("answer"))),
            ]
        else:
            continue
        if at is not None:
            parts.append(_part("at", "DateTime", _instant(at)))
        out.append({"url": extension_url(name), "extension": parts})
    for f in screening.follow_ups:
        coding = {
            "system": f"{canonical_base()}/CodeSystem/follow-up-action",
            "code": f.action,
            "display": follow_up.action_label(f.action),
        }
        parts = [_part("action", "Coding", coding), _part("at", "DateTime", _instant(f.created_at))]
        if f.clinician is not None:
            parts.append(_part("by", "String", f.clinician.email))
        if f.note:
            parts.append(_part("note", "String", f.note))
        out.append({"url": extension_url("follow-up"), "extension": parts})
    return out


def _response_item(item: Question | Group, answers: Mapping[str, Any]) -> dict[str, Any] | None:
    """The answered question, or the group with its answered questions; None when empty."""
    if isinstance(item, Question):
        if answers.get(item.key) in (None, [], ""):
            return None
        return {
            "linkId": item.key,
            "text": str(item.text),
            "answer": _answers(item, answers[item.key]),
        }
    inner = [i for q in item.questions if (i := _response_item(q, answers)) is not None]
    return {"linkId": item.key, "text": str(item.label), "item": inner} if inner else None


def fhir_bundle(screenings: Sequence[Screening]) -> dict[str, Any]:
    """A collection Bundle: the Questionnaire, then one QuestionnaireResponse per screening."""
    base = canonical_base()
    # The current Questionnaire, and each earlier version a screening here was answered under.
    versions = dict.fromkeys(
        [questionnaire.QUESTIONNAIRE_VERSION, *(s.questionnaire_version for s in screenings)]
    )
    entries = [
        {
            "fullUrl": questionnaire_version_url(v),
            "resource": fhir_questionnaire(releases.of(v).questionnaire),
        }
        for v in versions
    ]
    for s in screenings:
        entries.append(
            {
                "fullUrl": f"{base}/QuestionnaireResponse/{s.reference}",
                "resource": fhir_questionnaire_response(s),
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "entry": entries,
    }


def json_text(resource: Mapping[str, Any]) -> str:
    """A resource as pretty JSON text."""
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


# --- downloads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """A file to send: its text, media type and name."""

    body: str
    mimetype: str
    filename: str


def _audited_selection(
    action: str, start: dt.date | None, end: dt.date | None, actor: Actor
) -> list[Screening]:
    """The screenings of [start, end], their export audited as `action`.

    One row for the export, with the count and the references, and one row per screening, so
    that a screening's trail shows every export of it (the first row's list is cut when the
    export is large).
    """
    screenings = submitted_between(start, end)
    span = f"from={start or 'any'} to={end or 'any'}"
    refs = ",".join(s.reference or "" for s in screenings)
    actor.record(action, detail=f"{span} count={len(screenings)} references={refs}")
    for s in screenings:
        actor.record(action, reference=s.reference, detail=f"{span} (one of {len(screenings)})")
    return screenings


def _filename(start: dt.date | None, end: dt.date | None, suffix: str) -> str:
    return f"si-joint-screenings_{start or 'start'}_{end or dt.date.today()}{suffix}"


def export_csv(start: dt.date | None, end: dt.date | None, *, actor: Actor) -> Download:
    """CSV of the submitted screenings of [start, end] (either may be open), audited as
    "export_csv"."""
    screenings = _audited_selection("export_csv", start, end, actor)
    # A byte order mark, so that spreadsheets read accented names as UTF-8.
    body = "\ufeff" + to_csv(screenings)
    return Download(body, "text/csv", _filename(start, end, ".csv"))


def export_fhir(start: dt.date | None, end: dt.date | None, *, actor: Actor) -> Download:
    """A FHIR R4 Bundle (the Questionnaire and a QuestionnaireResponse per screening) of the
    submitted screenings of [start, end], audited as "export_fhir"."""
    screenings = _audited_selection("export_fhir", start, end, actor)
    body = json_text(fhir_bundle(screenings))
    return Download(body, "application/fhir+json", _filename(start, end, ".fhir.json"))
