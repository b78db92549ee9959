"""WTForms forms of the patient journey, built from the one questionnaire definition.

Nothing about a question is written here: wording, type, allowed values, rules and conditions all
come from `screening.questionnaire`. A form field's `name` is the data dictionary key, a
multi-choice question is a group of checkboxes that post one value each, and choices post the
dictionary values. An answer typed in several boxes (`Question.boxes`: a date's day, month and
year; a height in cm or in feet and inches) posts one value per box, `<key>-<part>` (the metric
box posts `<key>` itself). Validation calls `Question.parse_form` and `Question.check`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wtforms import Form, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import Field
from wtforms.utils import unset_value

from .questionnaire import AnswerError, Question, Step


class BoxesField(Field):
    """A question typed in several boxes, each posted under its own name (`Question.boxes`).

    `typed` is the text of each box by its part, as posted (or the stored answer split into
    boxes); "" is the text posted under the key itself. `error_boxes` names the boxes with a
    problem, all of them when empty.
    """

    def __init__(self, question: Question, **kwargs: Any):
        super().__init__(**kwargs)
        self.question = question
        self.typed: dict[str, str] = {}
        self.error_boxes: tuple[str, ...] = ()

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors = []
        self.object_data = self.data = None if data is unset_value else data
        if formdata is None:
            self.typed = self.question.boxes_of(self.data)
            return
        boxes = self.question.boxes
        self.typed = {b.part: str(formdata.get(b.name, "")) for b in boxes}
        if self.name in formdata:
            self.typed[""] = str(formdata.get(self.name, ""))
        self.data = dict(self.typed)

    @property
    def shown(self) -> dict[str, str]:
        """The text to show back in each box."""
        parts = [b.part for b in self.question.boxes if b.part]
        whole = self.typed.get("", "").strip()
        if whole and not self.question.units and not any(self.typed.get(p) for p in parts):
            # A whole date posted under the key: shown in the boxes when it can be split.
            return self.question.boxes_of(whole)
        return self.typed

    def has_error(self, part: str) -> bool:
        """Whether a box is shown with the error (the whole answer's, or its own)."""
        return bool(self.errors) and (not self.error_boxes or part in self.error_boxes)

    @property
    def error_id(self) -> str:
        """The id of the first box with a problem, for the error summary's link."""
        boxes = self.question.boxes
        for b in boxes:
            if self.has_error(b.part):
                return b.name
        return boxes[0].name


def _field_for(q: Question) -> Field:
    """The WTForms field of one question. Choice checks are left to Question.check."""
    if q.boxes:
        return BoxesField(q)
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
        """The raw posted value of a question: a string, a list for multi-choice, or the text of
        each box by its part for an answer typed in several boxes."""
        field = self[q.key]
        if isinstance(field, BoxesField):
            return dict(field.typed)
        data = field.data
        if q.type == "multi":
            return list(data or [])
        return data

    def _error(self, q: Question, error: AnswerError) -> None:
        field = self[q.key]
        field.errors = [error.message]
        if isinstance(field, BoxesField):
            field.error_boxes = error.boxes

    def clean(self, stored: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any] | None:
        """Check the posted answers of the step against the definition.

        `stored` are the answers saved so far; conditions are read from them merged with this
        post. Questions not asked under their conditions are ignored (and so not stored). With
        `partial` (save and come back later) a missing required answer is not an error, but a
        wrong one still is. Returns the clean values of the asked questions (None for empty), or
        None when there are errors, which are then on the fields.
        """
        values, wrong = self._checked(stored, partial=partial, keep=False)
        return None if wrong else values

    def keep_valid(self, stored: Mapping[str, Any]) -> tuple[dict[str, Any], list[Question]]:
        """Save and come back later: the same checks as `clean(partial=True)`, but a wrong
        answer does not stop the others from being saved.

        Returns the values to store and the questions whose posted answer was wrong (in the
        order of the page, each with its error on its field). For a wrong answer, the answer
        saved before (if any) is kept as it was, and the questions after it are read with it.
        """
        return self._checked(stored, partial=True, keep=True)

    def _checked(
        self, stored: Mapping[str, Any], *, partial: bool, keep: bool
    ) -> tuple[dict[str, Any], list[Question]]:
        current = {k: v for k, v in stored.items() if k not in self.step.keys}
        values: dict[str, Any] = {}
        wrong: list[Question] = []
        for q in self.step.questions:
            if not q.is_asked(current):
                continue
            try:
                value = q.parse_form(self.posted(q))
                # Saving for later: a missing answer is fine, a wrong one is not.
                empty = value is None or value == []
                value = None if partial and empty else q.check(value)
            except AnswerError as e:
                self._error(q, e)
                wrong.append(q)
                if not keep:
                    continue
                value = stored.get(q.key)  # the answer saved before stays as it was
            values[q.key] = value
            if value is not None and value != []:
                current[q.key] = value
        return values, wrong

    def check_stored(self, answers: Mapping[str, Any]) -> None:
        """Put an error beside each stored answer that breaks today's rules (an older rule)."""
        for q in self.step.questions:
            value = answers.get(q.key)
            if value is None or not q.is_asked(answers):
                continue
            try:
                q.check(value)
            except AnswerError as e:
                self._error(q, e)

    @property
    def error_list(self) -> list[tuple[str, str]]:
        """(field id, message) for the error summary, in the order of the page.

        The id is the first box with a problem of an answer typed in several boxes
        ("date_of_birth-day"), else the question's first (or only) input, named by its key.
        """
        out = []
        for q in self.step.questions:
            field = self[q.key]
            if field.errors:
                target = field.error_id if isinstance(field, BoxesField) else q.key
                out.append((target, field.errors[0]))
        return out


def form_class(step: Step) -> type[StepForm]:
    """A Form subclass with one field per question of the step, named by the dictionary key."""
    attrs: dict[str, Any] = {"step": step}
    for q in step.questions:
        attrs[q.key] = _field_for(q)
    return type(f"StepForm_{step.key}", (StepForm,), attrs)


# One generated class per page and set of questions (the tree is fixed once imported). A step
# of the same key and keys but other questions (another version of the tree, a test's own
# step) gets a class of its own: the fields depend on the questions, not only on their keys.
_CLASSES: dict[tuple[str, tuple[str, ...]], type[StepForm]] = {}


def step_form(
    step: Step, formdata: Any = None, answers: Mapping[str, Any] | None = None
) -> StepForm:
    """The form of a step, filled from a post or else from the stored answers."""
    cls = _CLASSES.get((step.key, step.keys))
    if cls is None or (cls.step is not step and cls.step != step):
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
    # The follow-ups revealed by some of the choices, in one container placed under the last
    # of those choices: keyed by that choice's value.
    under: dict[str, list[Block]] = field(default_factory=dict)
    # The id of the container each choice reveals ("conditional-exam_done-yes"); several
    # choices may reveal one container (any scan ticked reveals what the scans showed).
    reveal_ids: dict[str, str] = field(default_factory=dict)
    after: list[Block] = field(default_factory=list)  # shown when any choice is selected

    @property
    def after_id(self) -> str:
        """The id of the container shown when any choice is selected."""
        return f"conditional-{self.question.key}"

    def reveal(self, values: set[str], child: Block) -> bool:
        """Reveal a follow-up under these choices; False when one of them reveals another
        container already (an input controls one container), so it is shown in place."""
        chosen = [v for v in self.question.values if v in values]
        if not chosen:
            return False
        container = "-".join(["conditional", self.question.key, *chosen])
        if any(self.reveal_ids.get(v, container) != container for v in chosen):
            return False
        for v in chosen:
            self.reveal_ids[v] = container
        self.under.setdefault(chosen[-1], []).append(child)
        return True


def layout(form: StepForm, stored: Mapping[str, Any]) -> list[Block]:
    """The questions of a step as page blocks.

    A follow-up whose conditions all refer to one earlier choice question of the same page is
    shown under that question's choices (a conditional reveal, once, however many choices
    reveal it). Other conditional questions are shown in place when they could be asked, and
    are ignored on the server when they are not.
    """
    step = form.step
    blocks: dict[str, Block] = {}
    top: list[Block] = []
    for q in step.questions:
        block = Block(q, form.field_of(q), top=True)
        blocks[q.key] = block
        controls = {w.key for w in q.when}
        if (
            len(controls) == 1
            and (key := next(iter(controls))) in blocks
            and blocks[key].question.type in ("single", "multi")
        ):
            # Revealed under a choice; a follow-up of a number ("gte") stays in place.
            parent = blocks[key]
            if {w.op for w in q.when} <= {"eq", "contains"}:
                if parent.reveal({str(w.value) for w in q.when}, block):
                    block.top = False
                    continue
            else:
                block.top = False
                parent.after.append(block)
                continue
        if q.when and not controls & set(step.keys) and not q.is_asked(stored):
            continue  # depends only on other pages, and is not asked
        top.append(block)
    return top
