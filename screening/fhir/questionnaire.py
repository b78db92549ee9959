"""The FHIR R4 Questionnaire of a questionnaire version, derived from its tree, for SDC renderers.

Written to the SDC Base Questionnaire profile (`common.SDC_QUESTIONNAIRE`), and rendered as the
web form renders it:

- single choice as radio buttons, multiple choice as check boxes (`itemControl`); an explicit
  "none" or "not sure" answer stays an answer option, the exclusive one marked `optionExclusive`;
- a question's hint as its help text: a `display` child item `<key>-help` with itemControl `help`;
- units (UCUM) with the `questionnaire-unit` extension: cm, kg, %, weeks (and months, in 2026.11);
- `maxLength`, `minValue` and `maxValue`; LOINC codes where they fit (`terminology.STANDARD_CODES`);
- sections, and the questions that read as one row (a treatment's, an injection's), as groups.

A repeated group of the tree (`injection`, repeat=2) is exported as it is asked and stored: one
group per item (`injection_1`, `injection_2`), each with its own numbered linkIds and its own
condition (injection 2 only when 2 or more were had). A FHIR repeating group would need the same
linkIds in every repetition and one condition for all, so the stored answers (keyed
`injection_1_guidance`) and the QuestionnaireResponse items would no longer match it.

Every text is the tree's own wording (`Question.text`, `hint`, `Choice.label`, group labels).
"""

from __future__ import annotations

from typing import Any

from .. import questionnaire
from ..definition import Definition
from ..i18n import gettext as _
from ..questionnaire import Group, Question, When
from .common import (
    PUBLISHER,
    QUESTIONNAIRE_ID,
    SDC_QUESTIONNAIRE,
    escape,
    language,
    narrative,
    questionnaire_url,
    version_date,
)
from .terminology import NONE_SELECTED, STANDARD_CODES, UCUM, answers_of, coding, has_none_selected

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


ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"


ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"


UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"


# The codes of http://hl7.org/fhir/questionnaire-item-control used here, with their displays.
CONTROLS = {"radio-button": "Radio Button", "check-box": "Check-box", "help": "Help-Button"}


def _control(code: str) -> dict[str, Any]:
    return {
        "url": ITEM_CONTROL,
        "valueCodeableConcept": {
            "coding": [{"system": ITEM_CONTROL_SYSTEM, "code": code, "display": CONTROLS[code]}],
            "text": CONTROLS[code],
        },
    }


def unit_of(q: Question) -> dict[str, str] | None:
    """The UCUM unit of an integer question, read from the tree: its metric units (cm, kg), a
    percentage, or the unit its number is read in (weeks, months); None when it has none."""
    if q.type != "integer":
        return None
    if q.units == "height":
        code = "cm"
    elif q.units == "weight":
        code = "kg"
    elif q.percent:
        code = "%"
    else:
        # How the tree reads the number back (`words`): "12 weeks", "18 months", "80% less pain".
        code = WORD_UNITS.get(getattr(q.words, "__name__", ""), "")
    if not code:
        return None
    return {"system": UCUM, "code": code, "display": _unit_display(code)}


# The tree's functions that word a number, by name, and the UCUM unit the number is in.
WORD_UNITS = {"_cm": "cm", "_kg": "kg", "_weeks": "wk", "_months": "mo", "_relief": "%"}


def _unit_display(code: str) -> str:
    return {
        "cm": _("cm"),
        "kg": _("kg"),
        "%": "%",
        "wk": _("weeks"),
        "mo": _("months"),
    }[code]


def _enable_when(w: When, definition: Definition) -> dict[str, Any]:
    if w.op == "nonempty":
        return {"question": w.key, "operator": "exists", "answerBoolean": True}
    if w.op == "gte":
        return {"question": w.key, "operator": ">=", "answerInteger": int(w.value)}
    source = definition.by_key[w.key]
    return {"question": w.key, "operator": "=", "answerCoding": coding(source, str(w.value))}


def _answer_option(q: Question, value: str) -> dict[str, Any]:
    option: dict[str, Any] = {"valueCoding": coding(q, value)}
    if value == q.exclusive or (value == NONE_SELECTED and has_none_selected(q)):
        # "None of these" cannot be chosen with another option, as in the web form.
        option["extension"] = [{"url": OPTION_EXCLUSIVE, "valueBoolean": True}]
    return option


def help_item(q: Question) -> dict[str, Any] | None:
    """A question's hint as its help text (a display item), or None when it has no hint."""
    if not q.hint:
        return None
    return {
        "extension": [_control("help")],
        "linkId": f"{q.key}-help",
        "text": str(q.hint),
        "type": "display",
    }


def questionnaire_item(q: Question, definition: Definition | None = None) -> dict[str, Any]:
    """One question as a FHIR Questionnaire item."""
    extensions: list[dict[str, Any]] = []
    if q.type == "single":
        extensions.append(_control("radio-button"))
    elif q.type == "multi":
        extensions.append(_control("check-box"))
    if (unit := unit_of(q)) is not None:
        extensions.append({"url": UNIT, "valueCoding": unit})
    if q.min is not None:
        extensions.append({"url": MIN_VALUE, "valueInteger": q.min})
    if q.max is not None:
        extensions.append({"url": MAX_VALUE, "valueInteger": q.max})
    item: dict[str, Any] = {}
    if extensions:
        item["extension"] = extensions
    item["linkId"] = q.key
    if q.key in STANDARD_CODES:
        item["code"] = [dict(STANDARD_CODES[q.key])]
    item["text"] = str(q.text)
    item["type"] = FHIR_TYPES[q.type]
    if q.when:
        item["enableWhen"] = [_enable_when(w, definition or questionnaire.CURRENT) for w in q.when]
        if len(q.when) > 1:
            item["enableBehavior"] = "any"
    item["required"] = q.required
    if q.type == "multi":
        item["repeats"] = True
    if q.max_length:
        item["maxLength"] = q.max_length
    if q.choices:
        item["answerOption"] = [_answer_option(q, code) for code, _display in answers_of(q)]
    if (help_ := help_item(q)) is not None:
        item["item"] = [help_]
    return item


def _group_id(section_key: str) -> str:
    return f"section-{section_key}"


def fhir_questionnaire(definition: Definition | None = None) -> dict[str, Any]:
    """The FHIR R4 Questionnaire of a questionnaire version (the current one when not given)."""
    definition = definition or questionnaire.CURRENT
    title = _("SI joint screening questionnaire")
    description = _(
        "Questions a patient answers before a consultation about SI joint fusion. "
        "The answers are compared with published criteria; this is not a diagnosis."
    )
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "meta": {"profile": [SDC_QUESTIONNAIRE]},
        "language": language(),
        "text": _narrative(definition, title, description),
        "url": questionnaire_url(),
        "version": definition.version,
        "name": "SIJointScreening",
        "title": title,
        "status": "active",
        "subjectType": ["Patient"],
    }
    if date := version_date(definition.version):
        resource["date"] = date
    resource["publisher"] = PUBLISHER
    resource["description"] = description
    resource["item"] = [
        {
            "linkId": _group_id(section.key),
            "text": str(section.title),
            "type": "group",
            "item": [
                _definition_item(item, definition) for step in section.steps for item in step.items
            ],
        }
        for section in definition.tree
    ]
    return resource


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


def _narrative(definition: Definition, title: str, description: str) -> dict[str, Any]:
    """The Questionnaire in words: every section and its questions, with their answers."""
    parts = [
        f"<p><b>{escape(title)}</b> ({escape(_('version'))} {escape(definition.version)})</p>",
        f"<p>{escape(description)}</p>",
    ]
    for section in definition.tree:
        parts.append(f"<p><b>{escape(section.title)}</b></p><ol>")
        for q in section.questions:
            line = escape(q.text)
            if q.choices:
                line += " <i>(" + escape(" / ".join(str(c.label) for c in q.choices)) + ")</i>"
            parts.append(f"<li>{line}</li>")
        parts.append("</ol>")
    return narrative(parts)
