"""A red-flag screening for the clinic: its red flags by level, the answers the patient gave to
the safety questions over time, and what the clinic did about it (follow-ups).

`record` is the service a clinician's "Record follow-up" calls: plain data in, flushes only, and
audits itself once ("follow_up", with the reference, the action code and whether a note was
written, never the note: it may hold health information). The readers (`red_flags_of`,
`history_of`, `follow_up_rows`) take a stored screening and give plain data for the clinician
page, the summary and the exports.

A screening sent under questionnaire 2026.11 stored its red flags as plain strings (the values of
its `red_flags` checklist), all one level: emergency. From 2026.12 each is {"id", "level",
"text"}. Both are read here, so no other module needs to know the two shapes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import releases
from .definition import AnswerError, Question
from .extensions import db
from .i18n import gettext as _
from .i18n import lazy_gettext as _l
from .models import FollowUp, Screening, utcnow
from .summary import FollowUpRow

if TYPE_CHECKING:
    from .accounts import Actor

# What a clinician did, as stored (the key) and in words.
ACTIONS: dict[str, Any] = {
    "patient_contacted": _l("Patient contacted"),
    "no_answer": _l("Tried to contact the patient: no answer"),
    "advised_emergency_care": _l("Patient advised to get emergency care"),
    "other": _l("Other"),
}
MAX_NOTE_LENGTH = 500

# The levels of advice, most urgent first, in words for the clinic.
LEVELS = ("emergency", "urgent")
LEVEL_LABELS: dict[str, Any] = {
    "emergency": _l("Emergency red flag"),
    "urgent": _l("Urgent red flag"),
}
ADVICE_LABELS: dict[str, Any] = {
    "emergency": _l("Emergency advice shown"),
    "urgent": _l("Urgent advice shown"),
}
# A red flag of questionnaire 2026.11 had one level: "get urgent medical help now".
LEGACY_LEVEL = "emergency"

# The note is checked as the questionnaire checks free text (one line of visible characters,
# no hidden or reordering characters, NFC, at most MAX_NOTE_LENGTH).
NOTE = Question(
    key="note", type="text", text=_l("Note"), short=_l("the note"), max_length=MAX_NOTE_LENGTH
)


class FollowUpError(ValueError):
    """A follow-up that cannot be recorded; the message is for the field it names."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def clean_note(text: str | None) -> str | None:
    """The note as stored: one paragraph (the line breaks a text box sends become spaces),
    trimmed and checked like the patient's free text; None when empty. Raises FollowUpError."""
    one_paragraph = " ".join((text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    try:
        return NOTE.check(one_paragraph)
    except AnswerError as e:
        raise FollowUpError("note", e.message) from None


def record(screening: Screening, action: str, note: str | None, actor: Actor) -> FollowUp:
    """Record what the actor did about a submitted screening; audited once as "follow_up".

    Raises FollowUpError (nothing stored, nothing audited) for an unknown action or a note that
    breaks the free-text rules; ValueError for a screening that was never sent.
    """
    if not screening.is_submitted or not screening.reference:
        raise ValueError("only a submitted screening is followed up")
    if action not in ACTIONS:
        raise FollowUpError("action", _("Select what was done"))
    cleaned = clean_note(note)
    follow_up = FollowUp(
        screening_id=screening.id,
        clinician_id=actor.id,
        action=action,
        note=cleaned,
        created_at=utcnow(),
    )
    db.session.add(follow_up)
    db.session.flush()
    # Whether a note was written, never its words.
    detail = f"action={action} note={'yes' if cleaned else 'no'}"
    actor.record("follow_up", reference=screening.reference, detail=detail)
    return follow_up


# --- reading a screening's red flags -------------------------------------------------------------


@dataclass(frozen=True)
class RedFlag:
    """One red flag the sent answers raised: its id, level and words for the specialist."""

    id: str
    level: str
    text: str

    @property
    def level_label(self) -> str:
        """The level in words ("Emergency red flag")."""
        return str(LEVEL_LABELS.get(self.level, LEVEL_LABELS[LEGACY_LEVEL]))


def level_rank(level: str | None) -> int:
    """0 for emergency, 1 for urgent, 2 for no red flag (the worklist's order)."""
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def _legacy_text(screening: Screening, value: str) -> str:
    checklist = releases.of(screening.questionnaire_version).questionnaire.by_key.get("red_flags")
    return checklist.label_of(value) if checklist is not None else value


def red_flags_of(screening: Screening) -> list[RedFlag]:
    """The red flags of a sent screening's stored evaluation, emergency first, then urgent
    (each in the order stored); either stored shape."""
    flags = []
    for f in (screening.evaluation or {}).get("red_flags") or []:
        if isinstance(f, Mapping):
            flag_id = str(f.get("id") or "")
            level = f.get("level") if f.get("level") in LEVELS else LEGACY_LEVEL
            flags.append(RedFlag(flag_id, level, str(f.get("text") or flag_id)))
        else:
            flags.append(RedFlag(str(f), LEGACY_LEVEL, _legacy_text(screening, str(f))))
    return sorted(flags, key=lambda flag: level_rank(flag.level))


# --- the red-flag answers over time --------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    """One line of the red-flag history: what it is about, and what happened when."""

    subject: str  # the question in words, or the advice shown
    text: str  # "answered yes at 14:03, changed to no at 14:05"
    ever_yes: bool  # False for an advice line


def _moment(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _time(moment: dt.datetime | None, day: dt.date | None) -> str:
    """14:03 on the day the screening was sent; 3 Dec 2026 14:03 on another day (UTC)."""
    if moment is None:
        return _("an unknown time")
    if moment.date() == day:
        return moment.strftime("%H:%M")
    return f"{moment.day} {moment.strftime('%b %Y %H:%M')}"


def _subject(screening: Screening, key: str) -> str:
    for flag in red_flags_of(screening):
        if flag.id == key:
            return flag.text
    # A red flag taken back: the release's words for the specialist, else the question.
    release = releases.of(screening.questionnaire_version)
    flag = getattr(release.criteria, "RED_FLAGS", {}).get(key)
    if flag is not None:
        return str(flag.text)
    question = release.questionnaire.by_key.get(key)
    return str(question.text) if question is not None else key


def history_of(screening: Screening) -> list[HistoryLine]:
    """The red-flag answers over time, one line per question ever answered "yes" (questions only
    ever answered "no" are left out), then the advice shown, in the order it was shown. Times in
    UTC, with the day when it is not the day the screening was sent."""
    sent = _moment(screening.submitted_at) if screening.submitted_at else None
    day = sent.date() if sent else None
    answers: dict[str, list[tuple[str, dt.datetime | None]]] = {}
    advice: list[tuple[str, dt.datetime | None]] = []
    for event in screening.red_flag_history or []:
        if not isinstance(event, Mapping):
            continue
        if "advised" in event:
            advice.append((str(event["advised"]), _moment(event.get("at"))))
        elif "key" in event:
            answer = (str(event["key"]), _moment(event.get("at")))
            answers.setdefault(answer[0], []).append((str(event.get("answer")), answer[1]))
    lines = []
    for key, given in answers.items():
        if not any(answer == "yes" for answer, _at in given):
            continue
        parts = []
        previous = None
        for answer, at in given:
            when = _time(at, day)
            if previous is None:
                parts.append(_("answered %(answer)s at %(time)s", answer=answer, time=when))
            elif answer != previous:
                parts.append(_("changed to %(answer)s at %(time)s", answer=answer, time=when))
            else:
                parts.append(_("answered %(answer)s again at %(time)s", answer=answer, time=when))
            previous = answer
        lines.append(HistoryLine(_subject(screening, key), ", ".join(parts), True))
    for level, at in advice:
        words = ADVICE_LABELS.get(level, ADVICE_LABELS[LEGACY_LEVEL])
        text = _("%(what)s at %(time)s", what=words, time=_time(at, day))
        lines.append(HistoryLine(_("Advice shown to the patient"), text, False))
    return lines


def event_time(event: Mapping[str, Any]) -> dt.datetime | None:
    """When a red-flag history event happened (UTC), or None when it was not recorded."""
    return _moment(event.get("at"))


def history_codes(screening: Screening) -> list[str]:
    """The red-flag history, compact, for exports: "rf_fever=yes@2026-12-04T14:03:00Z" and
    "advised=urgent@2026-12-04T14:03:00Z", in the order it happened."""
    codes = []
    for event in screening.red_flag_history or []:
        if not isinstance(event, Mapping):
            continue
        at = _moment(event.get("at"))
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ") if at else ""
        if "advised" in event:
            codes.append(f"advised={event['advised']}@{stamp}")
        elif "key" in event:
            codes.append(f"{event['key']}={event.get('answer')}@{stamp}")
    return codes


# --- what the clinic did -------------------------------------------------------------------------


def action_label(action: str) -> str:
    """An action in words (its code when it is not one of ACTIONS)."""
    return str(ACTIONS[action]) if action in ACTIONS else action


def follow_up_rows(screening: Screening) -> tuple[FollowUpRow, ...]:
    """The screening's follow-ups, oldest first, as the summary shows them (times in UTC)."""
    return tuple(
        FollowUpRow(
            action=action_label(f.action),
            note=f.note or "",
            by=f.clinician.email if f.clinician is not None else "",
            at=_moment(f.created_at) or f.created_at,
        )
        for f in sorted(screening.follow_ups, key=lambda f: (_moment(f.created_at), f.id))
    )
