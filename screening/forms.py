"""WTForms forms of the patient journey, built from the one questionnaire definition.

Nothing about a question is written here: wording, type, allowed values, rules and conditions all
come from `screening.questionnaire`. A form field's `name` is the data dictionary key, a
multi-choice question is a group of checkboxes that post one value each, and choices post the
dictionary values. Validation calls `Question.parse_form` and `Question.check`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wtforms import Form, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import Field

from .questionnaire import AnswerError, Question, Step


def _field_for(q: Question) -> Field:
    """The WTForms field of one question. Choice checks are left to Question.check."""
    if q.type == "single":
        return RadioField(
            choices=[SelectChoice(c.value, str(c.label)) for c in q.choices], validate_choice=False
        )
    if q.type == "multi":
        return SelectMultipleField(
            choices=[SelectChoice(c.value, str(c.label)) for c in q.choices],
            coerce=str,
            validate_choice=False,
        )
    return StringField()


class StepForm(Form):
    """Base class of the generated step forms; `step` is set on each generated subclass."""

    step: Step

    def field_of(self, q: Question) -> Field:
        """The field of a question of this step."""
        return self[q.key]

    def posted(self, q: Question) -> Any:
        """The raw posted value of a question: a string, or a list for multi-choice."""
        data = self[q.key].data
        if q.type == "multi":
            return list(data or [])
        return data

    def clean(self, stored: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any] | None:
        """Check the posted answers of the step against the definition.

        `stored` are the answers saved so far; conditions are read from them merged with this
        post. Questions not asked under their conditions are ignored (and so not stored). With
        `partial` (save and come back later) a missing required answer is not an error, but a
        wrong one still is. Returns the clean values of the asked questions (None for empty), or
        None when there are errors, which are then on the fields.
        """
        current = {k: v for k, v in stored.items() if k not in self.step.keys}
        values: dict[str, Any] = {}
        ok = True
        for q in self.step.questions:
            if not q.is_asked(current):
                continue
            try:
                value = q.parse_form(self.posted(q))
                # Saving for later: a missing answer is fine, a wrong one is not.
                empty = value is None or value == []
                value = None if partial and empty else q.check(value)
            except AnswerError as e:
                self[q.key].errors = [e.message]
                ok = False
                continue
            values[q.key] = value
            if value is not None and value != []:
                current[q.key] = value
        return values if ok else None

    def check_stored(self, answers: Mapping[str, Any]) -> None:
        """Put an error beside each stored answer that breaks today's rules (an older rule)."""
        for q in self.step.questions:
            value = answers.get(q.key)
            if value is None or not q.is_asked(answers):
                continue
            try:
                q.check(value)
            except AnswerError as e:
                self[q.key].errors = [e.message]

    @property
    def error_list(self) -> list[tuple[str, str]]:
        """(field id, message) for the error summary, in the order of the page."""
        return [(q.key, self[q.key].errors[0]) for q in self.step.questions if self[q.key].errors]


def form_class(step: Step) -> type[StepForm]:
    """A Form subclass with one field per question of the step, named by the dictionary key."""
    attrs: dict[str, Any] = {"step": step}
    for q in step.questions:
        attrs[q.key] = _field_for(q)
    return type(f"StepForm_{step.key}", (StepForm,), attrs)


# One generated class per page and set of questions (the tree is fixed once imported).
_CLASSES: dict[tuple[str, tuple[str, ...]], type[StepForm]] = {}


def step_form(
    step: Step, formdata: Any = None, answers: Mapping[str, Any] | None = None
) -> StepForm:
    """The form of a step, filled from a post or else from the stored answers."""
    cls = _CLASSES.get((step.key, step.keys))
    if cls is None:
        cls = _CLASSES[step.key, step.keys] = form_class(step)
    data = {q.key: (answers or {}).get(q.key) for q in step.questions}
    if formdata is not None:
        return cls(formdata=formdata)
    return cls(data=data)


# --- page layout: which follow-up questions are revealed under which answer -------------------


@dataclass
class Block:
    """One question on a step page, with follow-ups revealed under its choices."""

    question: Question
    field: Field
    top: bool  # a top-level question of the page (not a follow-up)
    under: dict[str, list[Block]] = field(default_factory=dict)  # choice value -> follow-ups
    after: list[Block] = field(default_factory=list)  # shown when any choice is selected

    @property
    def reveal_ids(self) -> dict[str, str]:
        """The id of the conditional container of each choice that has follow-ups."""
        return {value: f"conditional-{self.question.key}-{value}" for value in self.under}

    @property
    def after_id(self) -> str:
        """The id of the container shown when any choice is selected."""
        return f"conditional-{self.question.key}"


def layout(form: StepForm, stored: Mapping[str, Any]) -> list[Block]:
    """The questions of a step as page blocks.

    A follow-up whose conditions all refer to one earlier question of the same page is shown
    under that question's choice (a conditional reveal). Other conditional questions are shown
    in place when they could be asked, and are ignored on the server when they are not.
    """
    step = form.step
    blocks: dict[str, Block] = {}
    top: list[Block] = []
    for q in step.questions:
        block = Block(q, form.field_of(q), top=True)
        blocks[q.key] = block
        controls = {w.key for w in q.when}
        if len(controls) == 1 and (key := next(iter(controls))) in blocks:
            parent = blocks[key]
            block.top = False
            ops = {w.op for w in q.when}
            if ops <= {"eq", "contains"}:
                for w in q.when:
                    parent.under.setdefault(str(w.value), []).append(block)
            else:
                parent.after.append(block)
            continue
        if q.when and not controls & set(step.keys) and not q.is_asked(stored):
            continue  # depends only on other pages, and is not asked
        top.append(block)
    return top
