"""Exports of submitted screenings: CSV for spreadsheets and HL7 FHIR R4 resources (built by
`screening.fhir`).

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
clinician downloads (and `flask export-fhir` writes): the file of a date range, audited (plain
data in; only flushes). The FHIR download is a transaction Bundle with the Patient, the results
and the red flags of each screening (see `screening.fhir`); `export_ndjson` gives the same
resources as FHIR Bulk Data NDJSON (`screening.fhir.ndjson`).

Every file is streamed: a download is audited when it is made (a fixed number of statements:
the count, the references of the export's own row, that row, and one INSERT ... SELECT of a row
per screening), then its text is produced as it is read, from a server-side cursor EXPORT_BATCH
screenings at a time with only the columns the files need and each batch's follow-ups in one
query. Memory stays that of one batch, and the statements do not grow with the screenings
(one more per batch). FHIR texts of the questionnaire are translated once per export and its
JSON is compact.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Select,
    String,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import load_only, raiseload, selectinload

from . import counts, follow_up, releases
from .extensions import db
from .fhir.bundle import bundle_json_chunks
from .fhir.ndjson import NDJSON_MIMETYPE, ndjson_lines
from .fhir.response import translated_once
from .models import AuditEvent, FollowUp, Screening

if TYPE_CHECKING:
    from .accounts import Actor

# --- selection -------------------------------------------------------------------------------


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _in_range(start: dt.date | None, end: dt.date | None) -> list[ColumnElement[bool]]:
    """The conditions of the submitted screenings of [start, end] (by submission day, UTC)."""
    conditions = [Screening.status == "submitted"]
    if start:
        conditions.append(Screening.submitted_at >= _start_of(start))
    if end:
        conditions.append(Screening.submitted_at < _start_of(end + dt.timedelta(days=1)))
    return conditions


ORDER = (Screening.submitted_at, Screening.id)


def submitted_between(start: dt.date | None, end: dt.date | None) -> list[Screening]:
    """Submitted screenings whose submission day (UTC) is within [start, end], oldest first."""
    stmt = select(Screening).where(*_in_range(start, end))
    return list(db.session.scalars(stmt.order_by(*ORDER)))


def count_between(start: dt.date | None, end: dt.date | None) -> int:
    """How many submitted screenings [start, end] holds (one count query)."""
    stmt = select(func.count()).select_from(Screening).where(*_in_range(start, end))
    return int(db.session.scalar(stmt) or 0)


# Screenings read per batch while a file is streamed: what a request holds in memory at most.
EXPORT_BATCH = 200
# Text is sent in pieces of about this many characters (fewer, larger writes).
CHUNK_CHARS = 64 * 1024
# What the CSV and FHIR files read of a screening (nothing else is loaded: a column missing here
# raises at once instead of being read row by row).
EXPORT_COLUMNS = (
    Screening.id,
    Screening.status,
    Screening.reference,
    Screening.submitted_at,
    Screening.updated_at,
    Screening.questionnaire_version,
    Screening.criteria_version,
    Screening.overall,
    Screening.red_flag_level,
    Screening.has_red_flags,
    Screening.red_flag_history,
    Screening.evaluation,
    Screening.other_evaluations,
    Screening.answers,
    Screening.reviewed_at,
    Screening.replaces_id,
)


def stream_between(conditions: Sequence[ColumnElement[bool]]) -> Iterator[Screening]:
    """The screenings matching `conditions`, oldest first, read from a server-side cursor
    EXPORT_BATCH at a time (on PostgreSQL a named cursor; SQLite steps through its result), with
    only the columns the files need, and each batch's follow-ups (with their clinicians) in one
    query per batch. Rows already handed out are not kept (the session holds them weakly)."""
    stmt = (
        select(Screening)
        .where(*conditions)
        .order_by(*ORDER)
        .options(
            load_only(*EXPORT_COLUMNS, raiseload=True),
            selectinload(Screening.follow_ups).joinedload(FollowUp.clinician),
            raiseload("*"),
        )
    )
    result = db.session.execute(stmt, execution_options={"yield_per": EXPORT_BATCH})
    try:
        yield from result.scalars()
    finally:
        result.close()


def _chunked(pieces: Iterable[str], size: int | None = None) -> Iterator[str]:
    """The pieces joined into chunks of about `size` characters (CHUNK_CHARS)."""
    size = CHUNK_CHARS if size is None else size
    buffer: list[str] = []
    held = 0
    for piece in pieces:
        buffer.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(buffer)
            buffer, held = [], 0
    if buffer:
        yield "".join(buffer)


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
# The screening this one replaces (the patient sent answers again from the same device).
RELATED_COLUMNS = ("replaces",)
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
        *RELATED_COLUMNS,
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
    (
        "replaces",
        "the reference of the screening this one replaces (the patient sent answers again); "
        "empty when none, or when that one was deleted",
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


def csv_row(
    screening: Screening, earlier: Mapping[int, str | None] | None = None
) -> dict[str, str]:
    """One screening as a CSV row, keyed by column; `earlier` gives the reference of the
    screening it replaces ({id: reference}, see `earlier_references`)."""
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
    replaced = screening.replaces_id
    row["replaces"] = _cell((earlier or {}).get(replaced) if replaced is not None else None)
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


def earlier_references(replaced_ids: Select[Any] | Iterable[int]) -> dict[int, str | None]:
    """{id: reference} of the sent screenings that these ids (a list, or a select of them) name:
    the ones the exported screenings replace, in one query."""
    ids = replaced_ids if isinstance(replaced_ids, Select) else list(replaced_ids)
    stmt = select(Screening.id, Screening.reference).where(
        Screening.id.in_(ids), Screening.status == "submitted"
    )
    return {row.id: row.reference for row in db.session.execute(stmt)}


def csv_lines(
    screenings: Iterable[Screening], earlier: Mapping[int, str | None] | None = None
) -> Iterator[str]:
    """The CSV text line by line (a line may hold line breaks inside quotes): the header, then
    one row per screening, each written as soon as its screening is read."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=csv_columns(), lineterminator="\r\n")

    def taken() -> str:
        line = out.getvalue()
        out.seek(0)
        out.truncate()
        return line

    writer.writeheader()
    yield taken()
    for screening in screenings:
        writer.writerow(csv_row(screening, earlier))
        yield taken()


def to_csv(screenings: Iterable[Screening]) -> str:
    """The CSV text: a header row, then one row per screening."""
    listed = list(screenings)
    replaced = {s.replaces_id for s in listed if s.replaces_id is not None}
    return "".join(csv_lines(listed, earlier_references(replaced) if replaced else {}))


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


# --- downloads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """A file to send: its text in pieces (produced as they are read: iterate them once, while
    the app context and the session that made them are still there), media type and name, and
    how many screenings it holds."""

    chunks: Iterable[str]
    mimetype: str
    filename: str
    count: int = 0

    @cached_property
    def body(self) -> str:
        """The whole text (reads every piece: for small files, tests and the command line)."""
        return "".join(self.chunks)


# The export's own audit row lists the references up to the detail column's 1000 characters; a
# reference and its comma take at least 2, so this many always fill it.
REFERENCES_IN_DETAIL = 500


def _audited_selection(
    action: str, start: dt.date | None, end: dt.date | None, actor: Actor
) -> tuple[int, list[ColumnElement[bool]]]:
    """The number of screenings of [start, end] and the conditions that select them, their
    export audited as `action` (flushed, not committed).

    One row for the export, with the count and the references (the list is cut when the export is
    large), and one row per screening, so that a screening's trail shows every export of it: all
    of those in one INSERT ... SELECT over the same screenings, whatever their number (nothing
    read into memory, one statement). The selection ends at the time the export starts, so that
    a screening sent while the file is being written is neither audited nor exported.
    """
    conditions = [*_in_range(start, end), Screening.submitted_at <= dt.datetime.now(dt.UTC)]
    count = int(
        db.session.scalar(select(func.count()).select_from(Screening).where(*conditions)) or 0
    )
    first = db.session.scalars(
        select(Screening.reference).where(*conditions).order_by(*ORDER).limit(REFERENCES_IN_DETAIL)
    )
    span = f"from={start or 'any'} to={end or 'any'}"
    refs = ",".join(r or "" for r in first)
    summary = actor.record(action, detail=f"{span} count={count} references={refs}")
    if count:
        each = select(
            literal(summary.action, String),
            literal(summary.actor_id, Integer),
            literal(summary.actor_email, String),
            Screening.reference,
            literal(f"{span} (one of {count})"[:1000], String),
            literal(summary.ip, String),
            literal(summary.at, DateTime(timezone=True)),
        ).where(*conditions)
        names = ["action", "actor_id", "actor_email", "screening_reference", "detail", "ip", "at"]
        db.session.execute(insert(AuditEvent.__table__).from_select(names, each.order_by(*ORDER)))
    return count, conditions


def _filename(start: dt.date | None, end: dt.date | None, suffix: str) -> str:
    return f"si-joint-screenings_{start or 'start'}_{end or dt.date.today()}{suffix}"


def _versions(conditions: Sequence[ColumnElement[bool]]) -> list[str]:
    """The questionnaire versions of the selected screenings (one query)."""
    stmt = select(Screening.questionnaire_version).where(*conditions).distinct()
    return sorted(v for v in db.session.scalars(stmt) if v)


def export_csv(start: dt.date | None, end: dt.date | None, *, actor: Actor) -> Download:
    """CSV of the submitted screenings of [start, end] (either may be open), audited as
    "export_csv" when called; the text is produced row by row as it is read."""
    count, conditions = _audited_selection("export_csv", start, end, actor)

    def chunks() -> Iterator[str]:
        # A byte order mark, so that spreadsheets read accented names as UTF-8.
        yield "\ufeff"
        replaced = select(Screening.replaces_id).where(*conditions)
        earlier = earlier_references(replaced.where(Screening.replaces_id.is_not(None)))
        yield from _chunked(csv_lines(stream_between(conditions), earlier))

    return Download(chunks(), "text/csv", _filename(start, end, ".csv"), count)


def export_fhir(
    start: dt.date | None, end: dt.date | None, *, actor: Actor, collection: bool = False
) -> Download:
    """A FHIR R4 Bundle of the submitted screenings of [start, end], audited as "export_fhir":
    a transaction a FHIR server imports as-is (the Questionnaires and terminology by conditional
    update, then per screening its Patient, QuestionnaireResponse, red flags and results, each
    created only when its identifier is not there yet), or with `collection` the same resources
    as a collection Bundle for file exchange. See `screening.fhir.bundle`. Compact JSON, written
    entry by entry as the screenings are read."""
    count, conditions = _audited_selection("export_fhir", start, end, actor)
    versions = _versions(conditions)

    def chunks() -> Iterator[str]:
        with translated_once():
            screenings = stream_between(conditions)
            yield from _chunked(bundle_json_chunks(versions, screenings, collection=collection))

    return Download(chunks(), "application/fhir+json", _filename(start, end, ".fhir.json"), count)


def export_ndjson(
    start: dt.date | None,
    end: dt.date | None,
    *,
    actor: Actor,
    resource_type: str | None = None,
) -> Download:
    """The FHIR R4 resources of the submitted screenings of [start, end] as Bulk Data NDJSON
    (one resource per line, see `screening.fhir.ndjson`), audited as "export_fhir"; with
    `resource_type`, only the resources of that type (one file per type, as Bulk Data servers
    give them)."""
    count, conditions = _audited_selection("export_fhir", start, end, actor)
    versions = _versions(conditions)
    suffix = f".{resource_type}.ndjson" if resource_type else ".ndjson"

    def chunks() -> Iterator[str]:
        with translated_once():
            lines = ndjson_lines(versions, stream_between(conditions), resource_type)
            yield from _chunked(lines)

    return Download(chunks(), NDJSON_MIMETYPE, _filename(start, end, suffix), count)
