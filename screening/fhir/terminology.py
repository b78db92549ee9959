"""The codes of answers, and the CodeSystem and ValueSet resources that define them.

All of them live under the product's constant base (`common.PRODUCT_BASE`), never under the
clinic's `FHIR_CANONICAL_BASE`: an answer is coded the same way at every clinic.

- One shared code system, `yes-no-not-sure`, for every question whose choices are some of
  yes, no and "I'm not sure" with the tree's own wording (found in the tree, not listed).
- Every other choice question has its own code system, named after its key. The questions of a
  repeated group (`injection_1_guidance`, `injection_2_guidance`) share the code system of the
  question they are written from (`injection-guidance`).
- One ValueSet per choice question (the codes it allows), under the same name.

Code systems and value sets are versioned with the questionnaire version they come from; their
URLs never change. Standard codes (LOINC) name a question where one exists and fits
(`STANDARD_CODES`, each checked, see docs/fhir/README.md); the answers stay local codes.
"""

from __future__ import annotations

import re
from typing import Any

from .. import questionnaire
from ..definition import Definition
from ..i18n import gettext as _
from ..questionnaire import Question
from .common import PUBLISHER, escape, language, narrative, product_url, version_date

# The shared yes / no / not sure answers, as the tree words them (one source: the tree's own
# choices, which every yes/no question of the tree uses).
YES_NO = questionnaire.YES_NO_NOT_SURE
YES_NO_ID = "yes-no-not-sure"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

# Standard codes of questions (Questionnaire.item.code), by key. Each one was checked on the page
# cited in docs/fhir/README.md; a question not listed has no standard code that fits.
STANDARD_CODES: dict[str, dict[str, str]] = {
    "pain_average": {
        "system": LOINC,
        "code": "72514-3",
        "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    },
    "height_cm": {"system": LOINC, "code": "8302-2", "display": "Body height"},
    "weight_kg": {"system": LOINC, "code": "29463-7", "display": "Body weight"},
}


def is_yes_no(q: Question) -> bool:
    """Whether a choice question's answers are some of the shared yes, no and not sure."""
    shared = {c.value: str(c.label) for c in YES_NO}
    return bool(q.choices) and all(shared.get(c.value) == str(c.label) for c in q.choices)


def template_key(q: Question) -> str:
    """The key a question is written under: `injection_{n}_guidance` asked for injection 1 is
    `injection_1_guidance`, written as `injection_guidance`; other questions keep their key."""
    match = re.fullmatch(r"(.+)_([0-9]+)", q.group or "")
    if match and q.key.startswith(f"{q.group}_"):
        return f"{match[1]}_{q.key[len(q.group) + 1 :]}"
    return q.key


def terminology_id(q: Question) -> str:
    """The id (and last part of the URL) of a choice question's code system."""
    if is_yes_no(q):
        return YES_NO_ID
    return template_key(q).replace("_", "-")


def value_set_id(q: Question) -> str:
    """The id of a choice question's value set (one per question, yes/no ones included)."""
    return template_key(q).replace("_", "-")


def _question(key: str, definition: Definition | None) -> Question | None:
    if definition is not None:
        return definition.by_key.get(key)
    from .. import releases

    for release in releases.every():
        if key in release.questionnaire.by_key:
            return release.questionnaire.by_key[key]
    return None


def code_system(key: str, definition: Definition | None = None) -> str:
    """The URL of the code system of a choice question's values (looked up in the given
    definition, else in the current one, then in earlier releases)."""
    q = _question(key, definition)
    return code_system_of(q) if q is not None else product_url("CodeSystem", key.replace("_", "-"))


def code_system_of(q: Question) -> str:
    """The URL of the code system of a choice question's values."""
    return product_url("CodeSystem", terminology_id(q))


def value_set_of(q: Question) -> str:
    """The URL of the value set of a choice question."""
    return product_url("ValueSet", value_set_id(q))


# The code of an empty optional multi-choice answer, which the summary shows as "None selected".
NONE_SELECTED = "none"


def has_none_selected(q: Question) -> bool:
    """Whether leaving a question empty is itself an answer: an optional multi-choice question
    with no "none of these" option of its own, which the summary shows as "None selected" (only
    in questionnaire 2026.11). Its code system and answer options then have the code `none`."""
    return (
        q.type == "multi"
        and not q.required
        and q.exclusive is None
        and NONE_SELECTED not in q.values
    )


def answers_of(q: Question) -> list[tuple[str, str]]:
    """Every code of a choice question with its display, in the tree's order and words."""
    out = [(c.value, str(c.label)) for c in q.choices]
    if has_none_selected(q):
        out.append((NONE_SELECTED, str(q.in_words(None))))
    return out


def coding(q: Question, value: str) -> dict[str, str]:
    """The Coding of one answer to a choice question: system, code and the tree's display."""
    display = q.label_of(value)
    if value == NONE_SELECTED and has_none_selected(q):
        display = str(q.in_words(None))
    return {"system": code_system_of(q), "code": value, "display": display}


# The name used before the contract was public; kept for callers not yet moved.
_coding = coding


# --- the resources --------------------------------------------------------------------------


def _title_text(q: Question) -> str:
    """The question's wording, with "n" for the number of a repeated group's question."""
    text = q.text
    if hasattr(text, "n") and hasattr(text, "text"):  # a repeated group's numbered wording
        raw = str(text.text)
        return raw % {"n": "n"} if "%(n)" in raw else raw
    return str(text)


def _name(resource_id: str) -> str:
    """A computable name (starts with a capital, letters and digits only)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", resource_id) if part)


def _concepts(q: Question) -> list[dict[str, str]]:
    return [{"code": code, "display": display} for code, display in answers_of(q)]


def _table(concepts: list[dict[str, str]]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(c['code'])}</code></td><td>{escape(c['display'])}</td></tr>"
        for c in concepts
    )
    return (
        f"<table><tr><th>{escape(_('Code'))}</th><th>{escape(_('Display'))}</th></tr>{rows}</table>"
    )


def _common(kind: str, resource_id: str, title: str, description: str, version: str) -> dict:
    resource: dict[str, Any] = {
        "resourceType": kind,
        "id": resource_id,
        "language": language(),
        "url": product_url(kind, resource_id),
        "version": version,
        "name": _name(resource_id),
        "title": title,
        "status": "active",
        "experimental": False,
    }
    if date := version_date(version):
        resource["date"] = date
    resource["publisher"] = PUBLISHER
    resource["description"] = description
    return resource


def _choice_questions(definition: Definition) -> list[Question]:
    return [q for q in definition.questions if q.choices]


def yes_no_code_system(version: str) -> dict[str, Any]:
    """The shared CodeSystem of yes, no and not sure."""
    concepts = [{"code": c.value, "display": str(c.label)} for c in YES_NO]
    title = _("Yes, no or not sure")
    description = _(
        "The answers to every yes or no question of the SI joint screening questionnaire."
    )
    return _code_system(YES_NO_ID, title, description, version, concepts)


def _code_system(
    ident: str, title: str, description: str, version: str, concepts: list[dict[str, Any]]
) -> dict[str, Any]:
    """A complete CodeSystem of `concepts`, with its narrative."""
    resource = _common("CodeSystem", ident, title, description, version)
    resource["text"] = narrative(
        [
            f"<p><b>{escape(title)}</b> ({escape(resource['url'])}, {escape(version)})</p>",
            f"<p>{escape(description)}</p>",
            _table(concepts),
        ]
    )
    resource.update(
        {"caseSensitive": True, "content": "complete", "count": len(concepts), "concept": concepts}
    )
    return _ordered(resource)


def question_code_system(q: Question, version: str) -> dict[str, Any]:
    """The CodeSystem of one choice question's answers (the shared one for yes/no questions)."""
    if is_yes_no(q):
        return yes_no_code_system(version)
    concepts = _concepts(q)
    question = _title_text(q)
    title = _("Answers to: %(question)s", question=question)
    description = _(
        "The answers to the question %(key)s of the SI joint screening questionnaire.",
        key=template_key(q),
    )
    return _code_system(terminology_id(q), title, description, version, concepts)


def question_value_set(q: Question, version: str) -> dict[str, Any]:
    """The ValueSet of one choice question: the codes it allows, from its code system."""
    concepts = _concepts(q)
    title = _("Answers to: %(question)s", question=_title_text(q))
    description = _(
        "The answers allowed for the question %(key)s of the SI joint screening questionnaire.",
        key=template_key(q),
    )
    resource = _common("ValueSet", value_set_id(q), title, description, version)
    system = code_system_of(q)
    resource["text"] = narrative(
        [
            f"<p><b>{escape(title)}</b> ({escape(resource['url'])}, {escape(version)})</p>",
            f"<p>{escape(description)}</p>",
            f"<p>{escape(_('Codes from'))} <code>{escape(system)}</code>:</p>",
            _table(concepts),
        ]
    )
    resource["immutable"] = True
    resource["compose"] = {"include": [{"system": system, "version": version, "concept": concepts}]}
    return _ordered(resource)


_ORDER = [
    "resourceType",
    "id",
    "language",
    "text",
    "url",
    "version",
    "name",
    "title",
    "status",
    "experimental",
    "date",
    "publisher",
    "description",
    "immutable",
    "caseSensitive",
    "compose",
    "content",
    "count",
    "concept",
]


def _ordered(resource: dict[str, Any]) -> dict[str, Any]:
    """The elements in the order FHIR lists them (easier to read and to compare)."""
    return {k: resource[k] for k in sorted(resource, key=_ORDER.index)}


def code_system_resources(definition: Definition | None = None) -> list[dict[str, Any]]:
    """Every CodeSystem a version's Questionnaire uses, each once, in the order of the tree."""
    definition = definition or questionnaire.CURRENT
    out: dict[str, dict[str, Any]] = {}
    for q in _choice_questions(definition):
        if terminology_id(q) not in out:
            out[terminology_id(q)] = question_code_system(q, definition.version)
    return list(out.values())


def value_set_resources(definition: Definition | None = None) -> list[dict[str, Any]]:
    """Every ValueSet of a version's choice questions, each once, in the order of the tree."""
    definition = definition or questionnaire.CURRENT
    out: dict[str, dict[str, Any]] = {}
    for q in _choice_questions(definition):
        if value_set_id(q) not in out:
            out[value_set_id(q)] = question_value_set(q, definition.version)
    return list(out.values())


def terminology_resources(definition: Definition | None = None) -> list[dict[str, Any]]:
    """The code systems, then the value sets, of a version's Questionnaire."""
    return [*code_system_resources(definition), *value_set_resources(definition)]
