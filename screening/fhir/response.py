"""A submitted screening as a FHIR R4 QuestionnaireResponse, with its red flags as extensions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import follow_up, releases
from ..models import Screening
from ..questionnaire import Group, Question
from .common import _instant, _part, _utc, canonical_base, extension_url, questionnaire_url
from .questionnaire import _group_id
from .terminology import _coding


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
