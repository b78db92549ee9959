"""The questionnaire, written once as data.

Everything that shows or checks a question derives from this module: the WTForms forms of each
step, the check-answers page, the PDF answers, validation of imported answers (CLI), CSV columns
and the FHIR Questionnaire. Keys, types and values are the public data dictionary.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, NoReturn

from babel.dates import format_date
from markupsafe import escape

from .i18n import get_locale, ngettext
from .i18n import gettext as _
from .i18n import lazy_gettext as _l

QUESTIONNAIRE_VERSION = "2026.11"

QType = Literal["text", "date", "integer", "single", "multi"]
Answers = dict[str, Any]


@dataclass(frozen=True)
class Choice:
    """One allowed value of a single- or multi-choice question, with its label."""

    value: str
    label: Any
    hint: Any = None


@dataclass(frozen=True)
class When:
    """A condition on an earlier answer; a question is asked when any of its conditions holds."""

    key: str
    op: Literal["eq", "contains", "nonempty"]
    value: str | None = None

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Whether this condition holds for the given answers."""
        answer = answers.get(self.key)
        if self.op == "eq":
            return answer == self.value
        if self.op == "contains":
            return isinstance(answer, list) and self.value in answer
        return isinstance(answer, list) and len(answer) > 0


class AnswerError(ValueError):
    """A value that breaks a question's rule; the message is for the person who gave it."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key
        self.message = message


@dataclass(frozen=True)
class Question:
    """One question: key, section, wording, type, allowed values and when it is asked."""

    key: str
    type: QType
    text: Any
    short: Any  # noun phrase used in error messages and "Change ..." links
    hint: Any = None
    choices: tuple[Choice, ...] = ()
    required: bool = False
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    when: tuple[When, ...] = ()
    exclusive: str | None = None  # a multi-choice value that must stand alone ("none")
    date_rule: Literal["past", "any"] = "any"
    autocomplete: str | None = None
    # How a number reads in words ("18 months"); a function, so plurals can be translated.
    words: Callable[[int], str] | None = None
    # The row label in answers lists, where the question itself is long ("Name").
    label: Any = None
    # Set by the tree from the question's place in it; never written by hand.
    section: str = ""
    step: str = ""
    group: str | None = None

    @property
    def row_label(self) -> Any:
        """How a row of answers names this question."""
        return self.label if self.label is not None else self.text

    @property
    def values(self) -> tuple[str, ...]:
        """The allowed values of a choice question."""
        return tuple(c.value for c in self.choices)

    def label_of(self, value: str) -> str:
        """The label of one allowed value."""
        for c in self.choices:
            if c.value == value:
                return str(c.label)
        return value

    def is_asked(self, answers: Mapping[str, Any]) -> bool:
        """Whether this question is asked, given the other answers."""
        return not self.when or any(w.holds(answers) for w in self.when)

    # -- parsing and checking ---------------------------------------------------------------

    def parse_form(self, raw: Any) -> Any:
        """Turn posted text (a string, or a list for multi-choice) into a typed value or None."""
        if self.type == "multi":
            items = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
            return [str(v) for v in items]
        text = "" if raw is None else str(raw).strip()
        if text == "":
            return None
        if self.type == "integer":
            return self._parse_integer(text)
        if self.type == "date":
            try:
                return dt.date.fromisoformat(text).isoformat()
            except ValueError:
                raise AnswerError(
                    self.key, _("Enter %(what)s as a real date, like 1970-03-27", what=self.short)
                ) from None
        return text

    def _parse_integer(self, text: str) -> int:
        """A whole number as typed: an optional leading minus, then ASCII digits only.

        Nothing is guessed: "1,5" or "7.5" (a decimal, or a thousands separator?), "--5", "+5"
        and digits of other scripts are refused with a message saying what to type. A
        negative number is returned, for `check` to refuse with the range message. Leading
        zeros are fine ("007"), up to MAX_INTEGER_DIGITS digits in all; the work is bounded by
        the length of the text, never by the size of the number.
        """
        digits = text[1:] if text.startswith("-") else text
        if not (digits.isascii() and digits.isdigit()):
            raise AnswerError(self.key, self._integer_message(digits))
        significant = digits.lstrip("0")
        if len(significant) > MAX_SIGNIFICANT_DIGITS:
            # No answer needs 10 digits: out of range, with the range rule's own message.
            self._out_of_range(below=text.startswith("-"))
        if len(digits) > MAX_INTEGER_DIGITS:
            # Thousands of leading zeros: no one types them.
            raise AnswerError(
                self.key, _("Enter %(what)s as a whole number, like 12", what=self.short)
            )
        return -int(digits) if text.startswith("-") else int(digits)

    def _integer_message(self, digits: str) -> str:
        """Why typed text is not a whole number, in words saying what to type instead."""
        if any(ch.isdigit() for ch in digits if not ch.isascii()):
            return _("Enter %(what)s using the digits 0 to 9, like 12", what=self.short)
        if any(ch.isdigit() for ch in digits) and all(
            ch.isdigit() or ch in ",." or ch.isspace() for ch in digits
        ):
            return _(
                "Enter %(what)s as a whole number without commas, dots or spaces, like 12",
                what=self.short,
            )
        return _("Enter %(what)s as a whole number, like 12", what=self.short)

    def _out_of_range(self, *, below: bool) -> NoReturn:
        """Raise the range rule's message for a number below the minimum or above the maximum."""
        if below and self.min is not None:
            self.check(self.min - 1)
        if not below and self.max is not None:
            self.check(self.max + 1)
        raise AnswerError(self.key, _("Enter %(what)s as a whole number, like 12", what=self.short))

    def check(self, value: Any, today: dt.date | None = None) -> Any:
        """Check a typed value against the rules; return it (normalised) or raise AnswerError."""
        if value is None or value == [] or value == "":
            if self.required:
                raise AnswerError(self.key, self._missing_message())
            return None
        if self.type == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise AnswerError(
                    self.key, _("Enter %(what)s as a whole number, like 12", what=self.short)
                )
            if self.min is not None and value < self.min:
                raise AnswerError(
                    self.key,
                    _("The number for %(what)s must be %(n)s or more", what=self.short, n=self.min),
                )
            if self.max is not None and value > self.max:
                raise AnswerError(
                    self.key,
                    _("The number for %(what)s must be %(n)s or less", what=self.short, n=self.max),
                )
            return value
        if self.type == "text":
            return self._check_text(value)
        if self.type == "date":
            return self._check_date(value, today or dt.date.today())
        if self.type == "single":
            if not isinstance(value, str) or value not in self.values:
                raise AnswerError(self.key, _("Select %(what)s from the list", what=self.short))
            return value
        # multi
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise AnswerError(self.key, _("Select %(what)s from the list", what=self.short))
        unknown = [v for v in value if v not in self.values]
        if unknown:
            raise AnswerError(self.key, _("Select %(what)s from the list", what=self.short))
        if self.exclusive and self.exclusive in value and len(set(value)) > 1:
            raise AnswerError(
                self.key,
                _(
                    "Select ‘%(none)s’ only if none of the others apply",
                    none=self.label_of(self.exclusive),
                ),
            )
        # Keep the definition's order and drop repeats, so answers compare equal however posted.
        return [v for v in self.values if v in value]

    def _check_text(self, value: Any) -> str | None:
        """One line of visible text: trimmed, NFC-normalised, with no hidden characters.

        Refused: line breaks of any kind (including U+2028, U+2029 and U+0085); control and
        format characters (categories Cc, Cf: bidirectional overrides, embeddings, isolates and
        marks, zero-width spaces, the byte order mark, soft hyphens) and lone surrogates (Cs),
        which can hide or reorder what a clinician reads; and text with nothing visible in it
        (only combining marks or blank fillers). A zero-width joiner or non-joiner between
        letters is kept: Persian and Indic names need them. Text is normalised to NFC, so
        that "é" typed as e + U+0301 is stored, compared and counted as one character.
        """
        if not isinstance(value, str):
            raise AnswerError(self.key, _("Enter %(what)s as text", what=self.short))
        what = str(self.short).capitalize()
        value = value.strip()
        if any(ch in LINE_BREAKS for ch in value):
            raise AnswerError(self.key, _("%(what)s must be on one line", what=what))
        if any(_is_hidden(value, i) for i in range(len(value))):
            raise AnswerError(
                self.key,
                _(
                    "%(what)s has a hidden or unusual character in it: please type it again "
                    "instead of pasting it",
                    what=what,
                ),
            )
        value = unicodedata.normalize("NFC", value).strip()
        if self.max_length and len(value) > self.max_length:
            raise AnswerError(
                self.key,
                _("%(what)s must be %(n)s characters or fewer", what=what, n=self.max_length),
            )
        if value and not any(_is_visible(ch) for ch in value):
            raise AnswerError(
                self.key, _("Enter %(what)s using letters you can see", what=self.short)
            )
        return value or None

    def _check_date(self, value: Any, today: dt.date) -> str:
        if not isinstance(value, str):
            raise AnswerError(
                self.key, _("Enter %(what)s as a real date, like 1970-03-27", what=self.short)
            )
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise AnswerError(
                self.key, _("Enter %(what)s as a real date, like 1970-03-27", what=self.short)
            ) from None
        if len(value) != 10:
            raise AnswerError(
                self.key, _("Enter %(what)s as a real date, like 1970-03-27", what=self.short)
            )
        if self.date_rule == "past":
            if day > today:
                raise AnswerError(
                    self.key,
                    _("%(what)s must be today or in the past", what=str(self.short).capitalize()),
                )
            if day < _years_before(today, 120):
                raise AnswerError(
                    self.key,
                    _(
                        "%(what)s must be within the last 120 years",
                        what=str(self.short).capitalize(),
                    ),
                )
        else:
            # Appointments are near: refuse years that are surely typing mistakes.
            if abs(day.year - today.year) > 5:
                raise AnswerError(
                    self.key,
                    _(
                        "%(what)s must be within 5 years of today",
                        what=str(self.short).capitalize(),
                    ),
                )
        return day.isoformat()

    def _missing_message(self) -> str:
        if self.type in ("single",):
            return _("Select %(what)s", what=self.short)
        if self.type == "multi":
            return _("Select at least one option for %(what)s", what=self.short)
        return _("Enter %(what)s", what=self.short)

    def in_words(self, value: Any) -> str:
        """The answer in plain words, as shown on the check-answers page and the PDF."""
        if value is None or value == []:
            # "Select all that apply, or none": an empty optional checkbox group is an answer.
            if self.type == "multi" and not self.required:
                return _("None selected")
            return _("Not provided")
        if self.type == "single":
            return self.label_of(value)
        if self.type == "multi":
            return ", ".join(self.label_of(v) for v in value)
        if self.type == "integer" and self.words is not None:
            return self.words(value)
        if self.type == "date":
            return long_date(dt.date.fromisoformat(value))
        return str(value)


# Whole numbers: no answer needs more than 9 significant digits, nor more than 20 typed ones.
MAX_SIGNIFICANT_DIGITS = 9
MAX_INTEGER_DIGITS = 20

# Everything str.splitlines() breaks a line at.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# Control, format and surrogate characters: invisible, or changing how text around them shows.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
JOINERS = frozenset("\u200c\u200d")  # zero-width non-joiner and joiner
# Letters and symbols that show nothing: Hangul fillers and the blank braille pattern.
BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _is_letter_or_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM"


def _is_hidden(text: str, i: int) -> bool:
    """Whether text[i] is a hidden character (a joiner between letters is not)."""
    ch = text[i]
    if unicodedata.category(ch) not in HIDDEN_CATEGORIES:
        return False
    if ch in JOINERS and 0 < i < len(text) - 1:
        return not (_is_letter_or_mark(text[i - 1]) and _is_letter_or_mark(text[i + 1]))
    return True


def _is_visible(ch: str) -> bool:
    """A letter, digit, punctuation or symbol that shows something (not a mark or a space)."""
    return unicodedata.category(ch)[0] in "LNPS" and ch not in BLANKS


def long_date(day: dt.date) -> str:
    """A date in words, like 14 May 1972, with month names in the reader's language."""
    return format_date(day, "d MMMM y", locale=get_locale() or "en")


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- worked out from answers (derived rows, and the criteria engine) ---------------------------


def bmi(answers: Mapping[str, Any]) -> float | None:
    """Body mass index from height and weight, when both were given."""
    h, w = answers.get("height_cm"), answers.get("weight_kg")
    if not h or not w:
        return None
    return round(w / (h / 100) ** 2, 1)


def age(answers: Mapping[str, Any], on: dt.date) -> int | None:
    """Age in whole years on a given day, when the date of birth was given."""
    dob = answers.get("date_of_birth")
    if not dob:
        return None
    born = dt.date.fromisoformat(dob)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _age_words(answers: Mapping[str, Any], on: dt.date) -> str | None:
    years = age(answers, on)
    return None if years is None else str(years)


def _bmi_words(answers: Mapping[str, Any], on: dt.date) -> str | None:
    index = bmi(answers)
    return None if index is None else f"{index:.1f}"


# --- the tree: sections -> steps -> questions and groups --------------------------------------


@dataclass(frozen=True)
class Group:
    """Questions that belong together, shown as one row ("Physical therapy: Yes · 12 weeks").

    With `repeat` above 1 the same questions are asked for item 1, 2, ...: keys and conditions
    written with `{n}` (like `injection_{n}_relief`) become `injection_1_relief`, and `%(n)s` in
    the wording becomes the item's number.
    """

    key: str
    label: Any
    questions: tuple[Question, ...]
    repeat: int = 1


@dataclass(frozen=True)
class Derived:
    """A row worked out from answers (age, BMI), shown after a question in summaries."""

    key: str
    label: Any
    after: str  # the key of the question it follows
    compute: Callable[[Mapping[str, Any], dt.date], str | None]

    def in_words(self, answers: Mapping[str, Any], on: dt.date) -> str | None:
        """The value in words, or None when the answers it needs are not given."""
        return self.compute(answers, on)


@dataclass(frozen=True)
class Step:
    """One page of the patient journey: a topic a patient can answer in about a minute."""

    key: str
    title: Any
    items: tuple[Question | Group, ...]
    intro: Any = None
    section: str = ""  # set by the tree

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question of the page, in order (a group's questions in its place)."""
        out: list[Question] = []
        for item in self.items:
            out += item.questions if isinstance(item, Group) else [item]
        return tuple(out)

    @property
    def keys(self) -> tuple[str, ...]:
        """The answer keys of the page, in order."""
        return tuple(q.key for q in self.questions)


@dataclass(frozen=True)
class Section:
    """A part of the questionnaire, as answers lists (check answers, the PDF) show it."""

    key: str
    title: Any
    steps: tuple[Step, ...]
    derived: tuple[Derived, ...] = ()

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question of the section, in the order patients answer them."""
        return tuple(q for step in self.steps for q in step.questions)


class DefinitionError(Exception):
    """The questionnaire tree breaks one of its own rules (found at import)."""


class _Numbered:
    """Wording of a repeated group's question for item n: `%(n)s` becomes the number."""

    def __init__(self, text: Any, n: int):
        self.text, self.n = text, n

    def __str__(self) -> str:
        text = str(self.text)
        return text % {"n": self.n} if "%(n)" in text else text

    def __html__(self) -> str:
        return escape(str(self))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def _numbered(text: Any, n: int) -> Any:
    return None if text is None else _Numbered(text, n)


def _expand(group: Group) -> tuple[Group, ...]:
    """A repeated group as one plain group per item, keys and wording numbered."""
    if group.repeat == 1:
        return (group,)
    out = []
    for n in range(1, group.repeat + 1):

        def key(k: str, n: int = n) -> str:
            return k.replace("{n}", str(n))

        questions = tuple(
            replace(
                q,
                key=key(q.key),
                text=_numbered(q.text, n),
                short=_numbered(q.short, n),
                hint=_numbered(q.hint, n),
                label=_numbered(q.label, n),
                when=tuple(replace(w, key=key(w.key)) for w in q.when),
            )
            for q in group.questions
        )
        out.append(Group(key(f"{group.key}_{{n}}"), _numbered(group.label, n), questions))
    return tuple(out)


def _build(*sections: Section) -> tuple[Section, ...]:
    """Place every question in the tree (section, step, group) and check the tree's rules."""
    built = []
    for section in sections:
        steps = []
        for step in section.steps:
            items: list[Question | Group] = []
            for item in step.items:
                place = {"section": section.key, "step": step.key}
                if isinstance(item, Group):
                    for g in _expand(item):
                        qs = tuple(replace(q, **place, group=g.key) for q in g.questions)
                        items.append(replace(g, questions=qs))
                else:
                    items.append(replace(item, **place))
            steps.append(replace(step, items=tuple(items), section=section.key))
        built.append(replace(section, steps=tuple(steps)))
    tree = tuple(built)
    _check(tree)
    return tree


def _check(tree: tuple[Section, ...]) -> None:
    """Unique keys; conditions only on earlier questions and on values they allow."""
    seen: dict[str, Question] = {}
    for kind, names in (
        ("section", [s.key for s in tree]),
        ("step", [step.key for s in tree for step in s.steps]),
        (
            "group",
            [g.key for s in tree for step in s.steps for g in step.items if isinstance(g, Group)],
        ),
    ):
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise DefinitionError(f"the {kind} key {twice[0]!r} is used twice")
    for section in tree:
        for q in section.questions:
            if q.key in seen:
                raise DefinitionError(f"the question key {q.key!r} is used twice")
            for w in q.when:
                source = seen.get(w.key)
                if source is None:
                    raise DefinitionError(
                        f"{q.key!r} depends on {w.key!r}, which is not an earlier question"
                    )
                if w.value is not None and w.value not in source.values:
                    raise DefinitionError(
                        f"{q.key!r} depends on {w.key!r} = {w.value!r}, which it never takes"
                    )
            seen[q.key] = q
        for d in section.derived:
            if seen.get(d.after) is None or seen[d.after].section != section.key:
                raise DefinitionError(f"{d.key!r} follows {d.after!r}, not in its section")


# --- numbers in words (check answers, the PDF, the comparison) -----------------------------


def _months(n: int) -> str:
    return ngettext("%(num)s month", "%(num)s months", n)


def _weeks(n: int) -> str:
    return ngettext("%(num)s week", "%(num)s weeks", n)


def _cm(n: int) -> str:
    return _("%(n)s cm", n=n)


def _kg(n: int) -> str:
    return _("%(n)s kg", n=n)


def _out_of_10(n: int) -> str:
    return _("%(n)s out of 10", n=n)


def _relief(n: int) -> str:
    return _("%(n)s%% less pain", n=n)


# --- the definition ------------------------------------------------------------------------

YES_NO = (Choice("yes", _l("Yes")), Choice("no", _l("No")))
YES_NO_NOT_SURE = YES_NO + (Choice("not_sure", _l("I’m not sure")),)


@dataclass(frozen=True)
class Treatment:
    """A non-surgical treatment: its key prefix, its name, and the question that asks about it."""

    key: str
    label: Any
    short: Any
    question: Any


TREATMENTS: tuple[Treatment, ...] = (
    Treatment(
        "physical_therapy",
        _l("Physical therapy (physiotherapy)"),
        _l("physical therapy"),
        _l("Have you tried physical therapy (physiotherapy)?"),
    ),
    Treatment(
        "home_exercise",
        _l("An exercise programme at home"),
        _l("exercises at home"),
        _l("Have you tried an exercise programme at home?"),
    ),
    Treatment(
        "medication",
        _l("Pain medicine"),
        _l("pain medicine"),
        _l("Have you tried pain medicine?"),
    ),
    Treatment(
        "activity_modification",
        _l("Changing or resting from activities that make the pain worse"),
        _l("changing your activities"),
        _l("Have you tried changing or resting from activities that make the pain worse?"),
    ),
    Treatment(
        "si_belt",
        _l("A pelvic or SI joint belt (brace)"),
        _l("a pelvic belt"),
        _l("Have you tried a pelvic or SI joint belt (brace)?"),
    ),
    Treatment(
        "manual_therapy",
        _l("Hands-on treatment, like chiropractic or osteopathy"),
        _l("hands-on treatment"),
        _l("Have you tried hands-on treatment, like chiropractic or osteopathy?"),
    ),
    Treatment(
        "steroid_injection",
        _l("A steroid injection into the SI joint to treat the pain"),
        _l("a steroid injection"),
        _l("Have you had a steroid injection into the SI joint to treat the pain?"),
    ),
)
TREATMENT_KEYS: tuple[str, ...] = tuple(t.key for t in TREATMENTS)

TREATMENT_RESULTS = (
    Choice("lasting_relief", _l("It helped, and the help lasted")),
    Choice("temporary_relief", _l("It helped for a while, then the pain came back")),
    Choice("no_relief", _l("It did not help")),
    Choice("worse", _l("It made the pain worse")),
)


def _treatment_group(t: Treatment) -> Group:
    """One treatment's questions: tried, for how long, how it went (one row in answers lists)."""
    tried = When(f"{t.key}_tried", "eq", "yes")
    return Group(
        t.key,
        t.label,
        (
            Question(
                f"{t.key}_tried",
                "single",
                t.question,
                _l("if you have tried %(t)s", t=t.short),
                choices=YES_NO,
                required=True,
            ),
            Question(
                f"{t.key}_weeks",
                "integer",
                _l("For how many weeks in total did you try %(t)s?", t=t.short),
                _l("how many weeks you tried %(t)s", t=t.short),
                hint=_l("A rough number is fine. For example, 8"),
                required=True,
                min=0,
                max=520,
                when=(tried,),
                words=_weeks,
            ),
            Question(
                f"{t.key}_result",
                "single",
                _l("How did %(t)s work for you?", t=t.short),
                _l("how %(t)s went", t=t.short),
                choices=TREATMENT_RESULTS,
                required=True,
                when=(tried,),
            ),
        ),
    )


TREE: tuple[Section, ...] = _build(
    Section(
        "about",
        _l("About you"),
        steps=(
            Step(
                "about",
                _l("About you"),
                intro=_l("All these questions are optional. Fill in what you are happy to share."),
                items=(
                    Question(
                        "name",
                        "text",
                        _l("Your full name"),
                        _l("your name"),
                        hint=_l("So the clinic can match this summary to you."),
                        max_length=100,
                        autocomplete="name",
                        label=_l("Name"),
                    ),
                    Question(
                        "date_of_birth",
                        "date",
                        _l("Your date of birth"),
                        _l("your date of birth"),
                        hint=_l("For example, 1970-03-27 (year, month, day)"),
                        date_rule="past",
                        autocomplete="bday",
                        label=_l("Date of birth"),
                    ),
                    Question(
                        "height_cm",
                        "integer",
                        _l("Your height in centimetres"),
                        _l("your height"),
                        hint=_l("For example, 170"),
                        min=100,
                        max=250,
                        words=_cm,
                        label=_l("Height"),
                    ),
                    Question(
                        "weight_kg",
                        "integer",
                        _l("Your weight in kilograms"),
                        _l("your weight"),
                        hint=_l("For example, 75"),
                        min=30,
                        max=300,
                        words=_kg,
                        label=_l("Weight"),
                    ),
                    Question(
                        "appointment_date",
                        "date",
                        _l("The date of your appointment with the specialist"),
                        _l("the date of your appointment"),
                        hint=_l("If you know it. For example, 2027-01-15"),
                        label=_l("Appointment"),
                    ),
                ),
            ),
        ),
        derived=(
            Derived("age", _l("Age at submission"), after="date_of_birth", compute=_age_words),
            Derived("bmi", _l("BMI"), after="weight_kg", compute=_bmi_words),
        ),
    ),
    Section(
        "pain",
        _l("Your pain"),
        steps=(
            Step(
                "pain",
                _l("Your pain"),
                items=(
                    Question(
                        "pain_duration_months",
                        "integer",
                        _l("How many months have you had this pain?"),
                        _l("how many months you have had this pain"),
                        hint=_l("A rough number is fine. For 2 years, enter 24."),
                        required=True,
                        min=0,
                        max=600,
                        words=_months,
                    ),
                    Question(
                        "pain_locations",
                        "multi",
                        _l("Where do you feel the pain?"),
                        _l("where you feel the pain"),
                        hint=_l("Select all that apply."),
                        choices=(
                            Choice("lower_back", _l("Lower back")),
                            Choice("buttock", _l("Buttock")),
                            Choice("groin", _l("Groin")),
                            Choice("hip", _l("Hip")),
                            Choice("thigh", _l("Thigh (upper leg)")),
                            Choice("below_knee", _l("Below the knee")),
                        ),
                        required=True,
                    ),
                    Question(
                        "pain_side",
                        "single",
                        _l("Which side is the pain on?"),
                        _l("which side the pain is on"),
                        choices=(
                            Choice("left", _l("Left side")),
                            Choice("right", _l("Right side")),
                            Choice("both", _l("Both sides")),
                            Choice("middle", _l("In the middle")),
                        ),
                    ),
                ),
            ),
            Step(
                "pain_more",
                _l("More about your pain"),
                items=(
                    Question(
                        "pain_triggers",
                        "multi",
                        _l("Which of these make the pain worse?"),
                        _l("what makes the pain worse"),
                        hint=_l("Select all that apply. Leave them all empty if none do."),
                        choices=(
                            Choice("sit_to_stand", _l("Standing up from a chair")),
                            Choice("stairs", _l("Climbing stairs")),
                            Choice("walking", _l("Walking")),
                            Choice("prolonged_sitting", _l("Sitting for a long time")),
                            Choice("lying_on_side", _l("Lying on the painful side")),
                            Choice("bending", _l("Bending forward")),
                        ),
                    ),
                    Question(
                        "points_to_si_joint",
                        "single",
                        _l(
                            "Can you point with one finger to where it hurts most, just below the dimple at the back of your pelvis?"
                        ),
                        _l("if you can point to where it hurts most"),
                        hint=_l(
                            "The dimples are at the top of the buttocks, either side of the spine."
                        ),
                        choices=YES_NO_NOT_SURE,
                    ),
                    Question(
                        "pain_causes",
                        "multi",
                        _l("What do you think started the pain?"),
                        _l("what started the pain"),
                        hint=_l("Select all that apply."),
                        choices=(
                            Choice("injury", _l("An injury, fall or accident")),
                            Choice("pregnancy", _l("Pregnancy or giving birth")),
                            Choice("arthritis", _l("Arthritis")),
                            Choice("spine_surgery", _l("An operation on my spine")),
                            Choice(
                                "leg_length_or_gait",
                                _l("One leg being longer, or a change in how I walk"),
                            ),
                            Choice("gradual", _l("It came on slowly over time")),
                            Choice("unknown", _l("I don’t know")),
                        ),
                    ),
                ),
            ),
            Step(
                "pain_scores",
                _l("How much the pain affects you"),
                items=(
                    Question(
                        "pain_average",
                        "integer",
                        _l("Over the past week, how bad was your pain on average?"),
                        _l("how bad your pain was on average"),
                        hint=_l(
                            "Enter a number from 0 (no pain) to 10 (the worst pain you can imagine)."
                        ),
                        required=True,
                        min=0,
                        max=10,
                        words=_out_of_10,
                    ),
                    Question(
                        "pain_interference",
                        "integer",
                        _l(
                            "Over the past week, how much did the pain get in the way of your daily activities?"
                        ),
                        _l("how much the pain got in the way"),
                        hint=_l(
                            "Enter a number from 0 (not at all) to 10 (I could not do anything)."
                        ),
                        required=True,
                        min=0,
                        max=10,
                        words=_out_of_10,
                    ),
                ),
            ),
        ),
    ),
    Section(
        "treatments",
        _l("Treatments you have tried"),
        steps=(
            Step(
                "treatments_exercise",
                _l("Treatments you have tried"),
                intro=_l("Tell us about treatments without surgery."),
                items=tuple(_treatment_group(t) for t in TREATMENTS[:4]),
            ),
            Step(
                "treatments_other",
                _l("More treatments you have tried"),
                items=(
                    *(_treatment_group(t) for t in TREATMENTS[4:]),
                    Question(
                        "conservative_care_months",
                        "integer",
                        _l(
                            "Altogether, for how many months have you had treatment without surgery?"
                        ),
                        _l("how many months you have had treatment without surgery"),
                        hint=_l("Count all the treatments together. A rough number is fine."),
                        required=True,
                        min=0,
                        max=600,
                        when=tuple(When(f"{t.key}_tried", "eq", "yes") for t in TREATMENTS),
                        words=_months,
                    ),
                ),
            ),
        ),
    ),
    Section(
        "tests",
        _l("Tests and other health conditions"),
        steps=(
            Step(
                "tests",
                _l("Tests you have had"),
                items=(
                    Question(
                        "exam_done",
                        "single",
                        _l(
                            "Has a doctor or physiotherapist examined you by pressing on or moving your pelvis to test the SI joint?"
                        ),
                        _l("if a clinician has tested your SI joint"),
                        choices=YES_NO_NOT_SURE,
                    ),
                    Question(
                        "exam_result",
                        "single",
                        _l("Did those tests bring on your usual pain?"),
                        _l("if the tests brought on your pain"),
                        choices=(
                            Choice("reproduced_pain", _l("Yes, they brought on my usual pain")),
                            Choice("did_not", _l("No, they did not")),
                            Choice("not_told", _l("I was not told")),
                        ),
                        required=True,
                        when=(When("exam_done", "eq", "yes"),),
                    ),
                    Question(
                        "exam_positive_tests",
                        "integer",
                        _l("If you were told, how many of the tests brought on your pain?"),
                        _l("how many tests brought on your pain"),
                        hint=_l("A number from 0 to 6. Leave it empty if you were not told."),
                        min=0,
                        max=6,
                        when=(When("exam_done", "eq", "yes"),),
                    ),
                    Question(
                        "imaging",
                        "multi",
                        _l("Which scans or X-rays have you had of your lower back or pelvis?"),
                        _l("which scans you have had"),
                        hint=_l(
                            "Select all that apply. Leave them all empty if you have had none."
                        ),
                        choices=(
                            Choice("xray", _l("X-ray")),
                            Choice("ct", _l("CT scan")),
                            Choice("mri", _l("MRI scan")),
                        ),
                    ),
                    Question(
                        "imaging_result",
                        "single",
                        _l("What were you told about the scans?"),
                        _l("what you were told about the scans"),
                        choices=(
                            Choice("si_joint_changes", _l("They showed changes in the SI joint")),
                            Choice("other_problem", _l("They showed a different problem")),
                            Choice("normal", _l("They were normal")),
                            Choice("not_told", _l("I was not told")),
                        ),
                        required=True,
                        when=(When("imaging", "nonempty"),),
                    ),
                ),
            ),
            Step(
                "injection",
                _l("Numbing injection"),
                items=(
                    Question(
                        "diagnostic_injection",
                        "single",
                        _l(
                            "Have you had an injection to numb the SI joint, to find out if it is causing the pain?"
                        ),
                        _l("if you have had a numbing injection"),
                        hint=_l("This is sometimes called a diagnostic block."),
                        choices=YES_NO_NOT_SURE,
                        required=True,
                    ),
                    Question(
                        "diagnostic_injection_count",
                        "integer",
                        _l("How many numbing injections have you had?"),
                        _l("how many numbing injections you have had"),
                        min=1,
                        max=10,
                        required=True,
                        when=(When("diagnostic_injection", "eq", "yes"),),
                    ),
                    Question(
                        "diagnostic_injection_guided",
                        "single",
                        _l("Was a scan or X-ray used to guide the needle?"),
                        _l("if a scan was used to guide the needle"),
                        hint=_l("For example X-ray, CT or ultrasound."),
                        choices=YES_NO_NOT_SURE,
                        required=True,
                        when=(When("diagnostic_injection", "eq", "yes"),),
                    ),
                    Question(
                        "diagnostic_injection_relief",
                        "integer",
                        _l(
                            "In the hours after the injection, how much less pain did you have, at best?"
                        ),
                        _l("how much less pain you had"),
                        hint=_l(
                            "As a percentage from 0 to 100. For example, 80 means your pain was 80% less."
                        ),
                        min=0,
                        max=100,
                        required=True,
                        when=(When("diagnostic_injection", "eq", "yes"),),
                        words=_relief,
                    ),
                ),
            ),
            Step(
                "health",
                _l("Other health conditions"),
                items=(
                    Question(
                        "other_conditions",
                        "multi",
                        _l("Has a doctor told you that you have any of these?"),
                        _l("other conditions"),
                        hint=_l("Select all that apply. Leave them all empty if none do."),
                        choices=(
                            Choice("disc_problem", _l("A disc problem in the spine")),
                            Choice(
                                "spinal_stenosis", _l("Narrowing of the spine (spinal stenosis)")
                            ),
                            Choice("nerve_compression", _l("A trapped or pressed nerve")),
                            Choice("hip_arthritis", _l("Arthritis in the hip")),
                            Choice("fibromyalgia", _l("Fibromyalgia")),
                            Choice(
                                "inflammatory_arthritis",
                                _l("Inflammatory arthritis, like ankylosing spondylitis"),
                            ),
                        ),
                    ),
                    Question(
                        "previous_lumbar_fusion",
                        "single",
                        _l("Have you had an operation to join (fuse) bones in your lower back?"),
                        _l("if you have had a lower back fusion"),
                        choices=YES_NO,
                    ),
                    Question(
                        "nicotine_use",
                        "single",
                        _l("Do you smoke, vape or use any other nicotine?"),
                        _l("if you use nicotine"),
                        choices=YES_NO,
                    ),
                ),
            ),
        ),
    ),
    Section(
        "safety",
        _l("Safety questions"),
        steps=(
            Step(
                "safety",
                _l("Safety questions"),
                intro=_l("These questions check for signs that need a doctor straight away."),
                items=(
                    Question(
                        "red_flags",
                        "multi",
                        _l("Do any of these apply to you now?"),
                        _l("the safety questions"),
                        hint=_l("Select all that apply. If none do, select ‘None of these’."),
                        choices=(
                            Choice(
                                "bladder_bowel",
                                _l(
                                    "New problems controlling your bladder or bowels, or trouble starting to pee"
                                ),
                            ),
                            Choice(
                                "saddle_numbness",
                                _l("Numbness or tingling around your genitals or bottom"),
                            ),
                            Choice(
                                "leg_weakness",
                                _l(
                                    "Weakness in your legs that is bad or getting worse, or new trouble walking"
                                ),
                            ),
                            Choice(
                                "both_legs_pain",
                                _l(
                                    "New pain down both legs, or leg pain that has spread from one leg to both"
                                ),
                            ),
                            Choice(
                                "fever_weight_loss",
                                _l(
                                    "Fever or chills with the back pain, or losing weight without trying"
                                ),
                            ),
                            Choice("cancer_history", _l("You have had cancer")),
                            Choice(
                                "major_trauma",
                                _l(
                                    "A recent serious injury, like a fall from a height or a road accident. Or a "
                                    "smaller fall or knock if you have thin bones (osteoporosis) or take steroid "
                                    "medicine for a long time"
                                ),
                            ),
                            Choice("none", _l("None of these")),
                        ),
                        required=True,
                        exclusive="none",
                    ),
                ),
            ),
        ),
    ),
)

SECTIONS = TREE
STEPS: tuple[Step, ...] = tuple(step for section in TREE for step in section.steps)
QUESTIONS: tuple[Question, ...] = tuple(q for step in STEPS for q in step.questions)
BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}
STEP_BY_KEY: dict[str, Step] = {s.key: s for s in STEPS}
DERIVED: tuple[Derived, ...] = tuple(d for section in TREE for d in section.derived)


def prune(answers: Mapping[str, Any]) -> Answers:
    """Drop answers to questions that are not asked under their conditions.

    Conditions only refer to earlier questions, so one pass in definition order is enough.
    """
    kept: Answers = {}
    for q in QUESTIONS:
        if q.key in answers and q.is_asked(kept):
            kept[q.key] = answers[q.key]
    return kept


def validate(
    raw: Mapping[str, Any], today: dt.date | None = None, *, complete: bool = True
) -> Answers:
    """Validate imported answers (JSON types); return clean answers or raise AnswerError.

    With complete=True every required question that is asked must be answered.
    """
    for key in raw:
        if key not in BY_KEY:
            raise AnswerError(key, _("%(key)s is not a question of this questionnaire", key=key))
    clean: Answers = {}
    for q in QUESTIONS:
        if q.key not in raw:
            continue
        value = q.check(raw[q.key], today)
        if value is not None:
            clean[q.key] = value
    for q in QUESTIONS:
        if not q.is_asked(clean):
            if q.key in clean:
                raise AnswerError(
                    q.key,
                    _("%(key)s is not asked with the other answers given", key=q.key),
                )
            continue
        if complete and q.required and q.key not in clean:
            raise AnswerError(q.key, q._missing_message())
    return clean


def step_of(key: str) -> Step | None:
    """The step that asks a question."""
    q = BY_KEY.get(key)
    return STEP_BY_KEY[q.step] if q is not None else None


def first_unanswered_step(answers: Mapping[str, Any]) -> Step | None:
    """The first step with a required question that is asked but not answered yet."""
    for step in STEPS:
        for q in step.questions:
            if q.required and q.is_asked(answers) and q.key not in answers:
                return step
    return None


def data_dictionary() -> list[dict[str, Any]]:
    """The public data dictionary: one plain record per question."""
    out = []
    for q in QUESTIONS:
        rec: dict[str, Any] = {
            "key": q.key,
            "section": q.section,
            "type": q.type,
            "text": str(q.text),
            "required": q.required,
        }
        if q.hint:
            rec["hint"] = str(q.hint)
        if q.choices:
            rec["values"] = [{"value": c.value, "label": str(c.label)} for c in q.choices]
        if q.min is not None:
            rec["min"] = q.min
        if q.max is not None:
            rec["max"] = q.max
        if q.max_length:
            rec["max_length"] = q.max_length
        if q.exclusive:
            rec["exclusive"] = q.exclusive
        if q.when:
            rec["asked_when"] = [
                {"key": w.key, "op": w.op, **({"value": w.value} if w.value else {})}
                for w in q.when
            ]
        out.append(rec)
    return out
