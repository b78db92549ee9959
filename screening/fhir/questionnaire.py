"""The FHIR R4 Questionnaire of a questionnaire version, derived from its tree."""

from __future__ import annotations

from typing import Any

from .. import questionnaire
from ..definition import Definition
from ..questionnaire import Group, Question, When
from .common import QUESTIONNAIRE_ID, questionnaire_url
from .terminology import _coding

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
