"""A submitted screening as a FHIR R4 QuestionnaireResponse, with its red flags as extensions.

The response names its Patient as `subject` and `source` (the patient filled it in), claims the
SDC QuestionnaireResponse profile (it answers a Questionnaire by canonical URL and version, with
an identifier, status and authored time) and has a narrative of the answers, in the summary's
words.

An empty optional multi-choice question that the summary shows as "None selected" (asked, not
required, with no "none of these" option of its own: only questionnaire 2026.11 has such
questions) is an answer, not a skipped question: it is exported as the code `none` of the
question's code system, displayed "None selected", the code the current questionnaire's explicit
"None of these" option uses.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from .. import follow_up, releases
from ..definition import Definition
from ..models import Screening
from ..questionnaire import Group, Question
from .common import _instant, _part, _utc, canonical_base, extension_url, questionnaire_url
from .patient import narrative, patient_reference, reference_system
from .questionnaire import _group_id

try:  # the terminology module's public name; `_coding` until it is renamed
    from .terminology import coding
except ImportError:  # pragma: no cover - depends on the terminology module's version
    from .terminology import _coding as coding

SDC_RESPONSE_PROFILE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaireresponse"

# The code of an empty optional multi-choice answer the summary shows as "None selected".
NONE_SELECTED = "none"

# While an export runs (`translated_once`): the questionnaire's texts and answer codings already
# turned into text, by the identity of the object they come from. Each entry keeps its object,
# so that no identity is reused while the export runs.
_TEXTS: ContextVar[dict[Any, tuple[Any, Any]] | None] = ContextVar("fhir_texts", default=None)


@contextlib.contextmanager
def translated_once() -> Iterator[None]:
    """Within this block, each text of the questionnaire tree (titles, question texts, group
    labels, answer displays) is translated once, not once per screening: an export of many
    screenings in one language."""
    token = _TEXTS.set({})
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):  # closed from another context: nothing to undo
            _TEXTS.reset(token)


def text(value: Any) -> str:
    """str(value), from the export's cache when one is active (see `translated_once`)."""
    cache = _TEXTS.get()
    if cache is None or isinstance(value, str):
        return str(value)
    hit = cache.get(id(value))
    if hit is None or hit[0] is not value:
        hit = cache[id(value)] = (value, str(value))
    return hit[1]


def _coding(q: Question, value: Any) -> dict[str, Any]:
    """coding(q, value), from the export's cache when one is active."""
    cache = _TEXTS.get()
    if cache is None or not isinstance(value, str):
        return coding(q, value)
    key = (id(q), value)
    hit = cache.get(key)
    if hit is None or hit[0] is not q:
        hit = cache[key] = (q, coding(q, value))
    return dict(hit[1])


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


def response_identifier(screening: Screening) -> dict[str, str]:
    """The QuestionnaireResponse's identifier: the screening reference in the service's system."""
    return {"system": reference_system(), "value": str(screening.reference)}


def fhir_questionnaire_response(screening: Screening) -> dict[str, Any]:
    """A completed FHIR R4 QuestionnaireResponse of a submitted screening's answers, its subject
    and source the screening's Patient (see `patient.fhir_patient`)."""
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
                {"linkId": _group_id(section.key), "text": text(section.title), "item": items}
            )
    authored = _utc(screening.submitted_at).isoformat(timespec="seconds")
    patient = patient_reference(screening)
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(screening.reference),
        "meta": {"profile": [SDC_RESPONSE_PROFILE]},
        "text": _narrative(screening, definition, authored, groups),
        "identifier": response_identifier(screening),
        "questionnaire": f"{questionnaire_url()}|{definition.version}",
        "status": "completed",
        "subject": patient,
        "authored": authored,
        "source": dict(patient),
        "item": groups,
    }
    if extensions := red_flag_extensions(screening):
        response["extension"] = extensions
    return response


def _answer_words(answer: Mapping[str, Any]) -> str:
    [(kind, value)] = [(k, v) for k, v in answer.items() if k.startswith("value")]
    return str(value.get("display") or value.get("code")) if kind == "valueCoding" else str(value)


def _narrative(
    screening: Screening, definition: Definition, authored: str, groups: list[dict[str, Any]]
) -> dict[str, Any]:
    """Every answer given, question and answer in the summary's words, in the order asked."""
    answers = screening.answers or {}
    rows: list[tuple[str, str]] = []

    def words(item: dict[str, Any]) -> str:
        q = definition.by_key.get(item["linkId"])
        if q is not None:
            try:
                return str(q.in_words(answers.get(q.key)))
            except (TypeError, ValueError, KeyError):
                pass
        return ", ".join(_answer_words(a) for a in item["answer"])

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            if "answer" in item:
                rows.append((item["text"], words(item)))
            walk(item.get("item", []))

    walk(groups)
    return narrative(
        f"SI joint screening {screening.reference}: answers to questionnaire "
        f"{definition.version}, sent {authored}",
        rows,
        "The patient's own answers, for discussion with a specialist; not a diagnosis.",
    )


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


def _none_selected(q: Question, answers: Mapping[str, Any]) -> bool:
    """Whether the summary shows this unanswered question as "None selected": an asked, optional
    multi-choice question without a "none of these" option of its own (see definition.in_words)."""
    return (
        q.type == "multi"
        and not q.required
        and q.exclusive is None
        and answers.get(q.key) in (None, [])
        and q.is_asked(answers)
    )


def _response_item(item: Question | Group, answers: Mapping[str, Any]) -> dict[str, Any] | None:
    """The answered question, or the group with its answered questions; None when empty."""
    if isinstance(item, Question):
        if _none_selected(item, answers):
            none = {**_coding(item, NONE_SELECTED), "display": str(item.in_words(None))}
            return {"linkId": item.key, "text": text(item.text), "answer": [{"valueCoding": none}]}
        if answers.get(item.key) in (None, [], ""):
            return None
        return {
            "linkId": item.key,
            "text": text(item.text),
            "answer": _answers(item, answers[item.key]),
        }
    inner = [i for q in item.questions if (i := _response_item(q, answers)) is not None]
    return {"linkId": item.key, "text": text(item.label), "item": inner} if inner else None
