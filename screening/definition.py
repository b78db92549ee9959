"""The building blocks of a questionnaire definition, and the rules every definition keeps.

A definition is a tree: sections -> steps (pages) -> questions and groups of questions. This
module knows how a question parses, checks and words an answer, how a tree is built and checked,
and what a whole definition offers (`Definition`: order, pruning, validation, the data
dictionary). The questions themselves are data, in `screening.questionnaire` (the current
version) and `screening.legacy` (versions that submitted screenings were answered under).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, NoReturn

from babel.dates import format_date, format_skeleton
from babel.numbers import format_percent
from markupsafe import escape

from .i18n import get_locale
from .i18n import gettext as _

QType = Literal["text", "date", "month", "integer", "single", "multi"]
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
    op: Literal["eq", "contains", "nonempty", "gte"]
    value: Any = None  # a choice's value; for "gte" a whole number

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Whether this condition holds for the given answers."""
        answer = answers.get(self.key)
        if self.op == "eq":
            return answer == self.value
        if self.op == "contains":
            return isinstance(answer, list) and self.value in answer
        if self.op == "gte":
            return isinstance(answer, int) and not isinstance(answer, bool) and answer >= self.value
        return isinstance(answer, list) and len(answer) > 0


class AnswerError(ValueError):
    """A value that breaks a question's rule; the message is for the person who gave it.

    `boxes` names the boxes of an answer typed in several boxes that have the problem (the
    `Box.part` of each, like "day"); empty when the problem is with the answer as a whole.
    """

    def __init__(self, key: str, message: str, boxes: tuple[str, ...] = ()):
        super().__init__(message)
        self.key = key
        self.message = message
        self.boxes = boxes


@dataclass(frozen=True)
class Box:
    """One box of an answer typed in several boxes: a date's day, month and year, or feet.

    `part` is "" for the box posted under the question's key itself (the centimetres or
    kilograms box); the others are posted as `<key>-<part>`, which is also their id.
    """

    part: str
    name: str
    label: str
    width: int  # characters the box is made for (2 for a day, 4 for a year)
    autocomplete: str | None = None


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
    # "past": not in the future, nor more than 120 years ago; "any": within 5 years of today.
    # Unset: "past" for a month question, "any" for a date.
    date_rule: Literal["past", "any"] | None = None
    autocomplete: str | None = None
    # An integer question stored in cm ("height") or kg ("weight"), that patients may answer
    # in feet and inches, or stones and pounds, instead (posted as <key>-ft and <key>-in, or
    # <key>-st and <key>-lb, beside <key> itself for the metric box).
    units: Literal["height", "weight"] | None = None
    # An integer question from 0 to 100 answered as a percentage: "80", "80%" or "80 %".
    percent: bool = False
    # An integer question answered on a scale (0 to 10): one radio button per number.
    scale: bool = False
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

    @property
    def rule(self) -> Literal["past", "any"]:
        """The date rule of a date or month question, with its default filled in."""
        if self.date_rule is not None:
            return self.date_rule
        return "past" if self.type == "month" else "any"

    # -- the boxes of an answer typed in several boxes ------------------------------------------

    @property
    def boxes(self) -> tuple[Box, ...]:
        """The boxes a date, a month or a height or weight is typed in, in page order.

        Empty for a question answered in one box or with choices. Labels are read when asked
        for, so they are in the reader's language.
        """

        def box(part: str, label: str, width: int) -> Box:
            name = f"{self.key}-{part}" if part else self.key
            auto = f"{self.autocomplete}-{part}" if self.autocomplete == "bday" else None
            return Box(part, name, label, width, auto)

        if self.type == "date":
            return (box("day", _("Day"), 2), box("month", _("Month"), 2), box("year", _("Year"), 4))
        if self.type == "month":
            return (box("month", _("Month"), 2), box("year", _("Year"), 4))
        if self.units == "height":
            return (
                box("", _("Centimetres"), 3),
                box("ft", _("Feet"), 2),
                box("in", _("Inches"), 2),
            )
        if self.units == "weight":
            return (
                box("", _("Kilograms"), 3),
                box("st", _("Stones"), 2),
                box("lb", _("Pounds"), 2),
            )
        return ()

    def boxes_of(self, value: Any) -> dict[str, str]:
        """A stored value as the text of each box (by `Box.part`), to show it back."""
        if value is None or value == "":
            return {}
        if self.type == "date" and isinstance(value, str) and ISO_DATE.fullmatch(value):
            return {"year": value[:4], "month": str(int(value[5:7])), "day": str(int(value[8:]))}
        if self.type == "month" and isinstance(value, str) and ISO_MONTH.fullmatch(value):
            return {"year": value[:4], "month": str(int(value[5:]))}
        if self.units:
            return {"": str(value)}
        return {}

    # -- parsing and checking ---------------------------------------------------------------

    def parse_form(self, raw: Any) -> Any:
        """Turn posted text into a typed value or None.

        `raw` is a string; a list for multi-choice; for an answer typed in several boxes, a
        mapping of each box's text by its `Box.part` (with "" the text posted under the key
        itself: the metric box, or a whole date like 1972-05-14 sent by a script).
        """
        if self.type == "multi":
            items = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
            return [str(v) for v in items]
        if isinstance(raw, Mapping):
            return self._parse_boxes(raw)
        text = "" if raw is None else str(raw).strip()
        if text == "":
            return None
        if self.type == "integer":
            if self.percent and text[-1:] in ("%", "\uff05"):
                text = text[:-1].rstrip()
            return self._parse_integer(text)
        if self.type == "date":
            try:
                return dt.date.fromisoformat(text).isoformat()
            except ValueError:
                raise AnswerError(
                    self.key, _("Enter %(what)s as a real date, like 1970-03-27", what=self.short)
                ) from None
        if self.type == "month":
            return self._check_month(text, None)
        return text

    def _parse_boxes(self, raw: Mapping[str, Any]) -> Any:
        typed = {part: ("" if v is None else str(v).strip()) for part, v in raw.items()}
        if self.units:
            return self._parse_units(typed)
        parts = [b.part for b in self.boxes]
        if not any(typed.get(p) for p in parts):
            # Nothing in the boxes: a whole date posted under the key (a script, an old page).
            return self.parse_form(typed.get(""))
        return self._parse_date_boxes({p: typed.get(p, "") for p in parts})

    def _parse_date_boxes(self, typed: dict[str, str]) -> str:
        """A date (day, month, year) or a month (month, year) typed in boxes, as ISO text.

        The checks and messages of the GOV.UK date input: what is missing first, then a day or
        month that cannot be, then a year without 4 numbers, then a date that does not exist
        (29 February 2023).
        """
        what = _capital(self.short)
        missing = tuple(p for p, text in typed.items() if not text)
        if missing:
            raise AnswerError(self.key, _must_include(what, missing), missing)
        real = _("%(what)s must be a real date", what=what)
        limits = {"day": 31, "month": 12}
        wrong = tuple(
            p
            for p, text in typed.items()
            if not (text.isascii() and text.isdigit())
            or (p in limits and not (len(text) <= 4 and 1 <= int(text) <= limits[p]))
        )
        if wrong:
            # One box that cannot be right is shown; when there are more, the whole date is.
            raise AnswerError(self.key, real, wrong if len(wrong) == 1 else ())
        if len(typed["year"]) != 4:
            raise AnswerError(
                self.key, _("%(what)s must include a year with 4 numbers", what=what), ("year",)
            )
        year, month = int(typed["year"]), int(typed["month"])
        if self.type == "month":
            if year < 1:
                raise AnswerError(self.key, real, ("year",))
            return f"{year:04d}-{month:02d}"
        try:
            return dt.date(year, month, int(typed["day"])).isoformat()
        except ValueError:
            raise AnswerError(self.key, real) from None

    def _parse_units(self, typed: dict[str, str]) -> int | None:
        """A height in cm, or feet and inches; a weight in kg, or stones and pounds.

        Either the metric box or the imperial boxes, never both. Imperial answers are turned
        into the nearest whole cm or kg, then checked against the question's range.
        """
        big, small = (b.part for b in self.boxes[1:])
        metric, imperial = typed.get("", ""), (typed.get(big, ""), typed.get(small, ""))
        if metric and any(imperial):
            raise AnswerError(self.key, self._both_units_message())
        if metric:
            try:
                value = self._parse_integer(metric)
            except AnswerError as e:
                raise AnswerError(self.key, e.message, ("",)) from None
            self._check_units_range(value, ("",))
            return value
        if not any(imperial):
            return None
        used = tuple(p for p, text in zip((big, small), imperial, strict=True) if text)
        wrong = tuple(
            p for p, text in zip((big, small), imperial, strict=True) if text and not _digits(text)
        )
        if wrong:
            message = (
                _(
                    "Enter %(what)s in feet and inches as whole numbers, like 5 and 7",
                    what=self.short,
                )
                if self.units == "height"
                else _(
                    "Enter %(what)s in stones and pounds as whole numbers, like 11 and 4",
                    what=self.short,
                )
            )
            raise AnswerError(self.key, message, wrong)
        if max(len(text.lstrip("0")) for text in imperial) > MAX_SIGNIFICANT_DIGITS:
            self._units_out_of_range(used)  # no one is that tall: never a huge computation
        per = 12 if self.units == "height" else 14
        whole, rest = (int(text.lstrip("0") or "0") for text in imperial)
        if imperial[0] and rest >= per:
            message = (
                _("The inches for %(what)s must be 11 or less", what=self.short)
                if self.units == "height"
                else _("The pounds for %(what)s must be 13 or less", what=self.short)
            )
            raise AnswerError(self.key, message, (small,))
        value = _nearest((whole * per + rest) * self._metric_per_small_unit)
        self._check_units_range(value, used)
        return value

    @property
    def _metric_per_small_unit(self) -> Fraction:
        return CM_PER_INCH if self.units == "height" else KG_PER_POUND

    def _both_units_message(self) -> str:
        if self.units == "height":
            return _(
                "Enter %(what)s in centimetres, or in feet and inches, not both", what=self.short
            )
        return _("Enter %(what)s in kilograms, or in stones and pounds, not both", what=self.short)

    def _check_units_range(self, value: int, boxes: tuple[str, ...]) -> None:
        if (self.min is not None and value < self.min) or (
            self.max is not None and value > self.max
        ):
            self._units_out_of_range(boxes, below=self.min is not None and value < self.min)

    def _units_out_of_range(self, boxes: tuple[str, ...], *, below: bool = False) -> NoReturn:
        """The range of a height or weight, in the metric unit and the imperial one."""
        if self.min is None or self.max is None:
            try:
                self._out_of_range(below=below)
            except AnswerError as e:
                raise AnswerError(self.key, e.message, boxes) from None
        low, high = self._imperial_range(self.min, self.max)
        what = _capital(self.short)
        if self.units == "height":
            message = _(
                "%(what)s must be between %(min)s cm and %(max)s cm (%(low)s and %(high)s)",
                what=what,
                min=self.min,
                max=self.max,
                low=_feet_inches(low),
                high=_feet_inches(high),
            )
        else:
            message = _(
                "%(what)s must be between %(min)s kg and %(max)s kg (%(low)s and %(high)s)",
                what=what,
                min=self.min,
                max=self.max,
                low=_stones_pounds(low),
                high=_stones_pounds(high),
            )
        raise AnswerError(self.key, message, boxes)

    def _imperial_range(self, least: int, most: int) -> tuple[int, int]:
        """The fewest and most inches (or pounds) that come within least and most (cm, kg)."""
        factor = self._metric_per_small_unit
        low = max(0, math.floor(least / factor) - 1)
        while _nearest(low * factor) < least:
            low += 1
        high = math.ceil(most / factor) + 1
        while _nearest(high * factor) > most:
            high -= 1
        return low, high

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
        if self.units and self.min is not None and self.max is not None:
            self._units_out_of_range(("",), below=below)
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
        if self.type == "month":
            return self._check_month(value, today)
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
        if self.rule == "past":
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

    def _check_month(self, value: Any, today: dt.date | None) -> str:
        """A month and year, stored as "YYYY-MM" (like 2025-03), under the date rule."""
        if not (isinstance(value, str) and ISO_MONTH.fullmatch(value)) or value[:4] == "0000":
            raise AnswerError(
                self.key, _("Enter %(what)s as a year and month, like 2025-03", what=self.short)
            )
        today = today or dt.date.today()
        year, month = int(value[:4]), int(value[5:])
        what = _capital(self.short)
        if self.rule == "past":
            if (year, month) > (today.year, today.month):
                raise AnswerError(
                    self.key, _("%(what)s must be this month or in the past", what=what)
                )
            if (year, month) < (today.year - 120, today.month):
                raise AnswerError(
                    self.key, _("%(what)s must be within the last 120 years", what=what)
                )
        elif abs(year - today.year) > 5:
            raise AnswerError(self.key, _("%(what)s must be within 5 years of today", what=what))
        return value

    def _missing_message(self) -> str:
        if self.type == "single" or self.scale:
            return _("Select %(what)s", what=self.short)
        if self.type == "multi":
            return _("Select at least one option for %(what)s", what=self.short)
        return _("Enter %(what)s", what=self.short)

    def in_words(self, value: Any) -> str:
        """The answer in plain words, as shown on the check-answers page and the PDF."""
        if value is None or value == []:
            # "Select all that apply, or none": an empty optional checkbox group is an answer.
            # (A question with its own "none" choice says so itself: empty is only "skipped".)
            if self.type == "multi" and not self.required and self.exclusive is None:
                return _("None selected")
            return _("Not provided")
        if self.type == "single":
            return self.label_of(value)
        if self.type == "multi":
            return ", ".join(self.label_of(v) for v in value)
        if self.type == "integer" and self.words is not None:
            return self.words(value)
        if self.type == "integer" and self.percent:
            return format_percent(Decimal(value) / 100, locale=get_locale() or "en")
        if self.type == "date":
            return long_date(dt.date.fromisoformat(value))
        if self.type == "month":
            return month_in_words(int(value[:4]), int(value[5:]))
        return str(value)


# Whole numbers: no answer needs more than 9 significant digits, nor more than 20 typed ones.
MAX_SIGNIFICANT_DIGITS = 9
MAX_INTEGER_DIGITS = 20

# Stored dates and months: ASCII digits only (\d would take other scripts' digits too).
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ISO_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")

# Exact conversions (by definition of the inch and the pound), so rounding is never a float's.
CM_PER_INCH = Fraction(254, 100)
KG_PER_POUND = Fraction(45359237, 100000000)


def _nearest(amount: Fraction) -> int:
    """The nearest whole number, halves rounded up (170.5 cm -> 171)."""
    return math.floor(amount + Fraction(1, 2))


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _capital(what: Any) -> str:
    """A question's short phrase at the start of a sentence: only its first letter changes."""
    text = str(what)
    return text[:1].upper() + text[1:]


def _must_include(what: str, missing: tuple[str, ...]) -> str:
    """Which boxes of a date were left empty, like "Date of birth must include a day and year".

    One whole sentence for each case, so that translators never assemble sentences from parts.
    """
    messages = {
        ("day",): _("%(what)s must include a day", what=what),
        ("month",): _("%(what)s must include a month", what=what),
        ("year",): _("%(what)s must include a year", what=what),
        ("day", "month"): _("%(what)s must include a day and month", what=what),
        ("day", "year"): _("%(what)s must include a day and year", what=what),
        ("month", "year"): _("%(what)s must include a month and year", what=what),
    }
    return messages[missing]


def _feet_inches(inches: int) -> str:
    return _("%(feet)s ft %(inches)s in", feet=inches // 12, inches=inches % 12)


def _stones_pounds(pounds: int) -> str:
    return _("%(stones)s st %(pounds)s lb", stones=pounds // 14, pounds=pounds % 14)


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


def _reader_locale() -> Any:
    return get_locale() or "en"


def _english(locale: Any) -> bool:
    return str(locale).split("_")[0] == "en"


def long_date(day: dt.date) -> str:
    """A date in words, in the reader's language: 14 May 1972, 14 de mayo de 1972.

    English keeps day, month, year (CLDR's English is the US "May 14, 1972"); other languages
    take their own long form from CLDR.
    """
    locale = _reader_locale()
    return format_date(day, "d MMMM y" if _english(locale) else "long", locale=locale)


def month_in_words(year: int, month: int) -> str:
    """A month in words, in the reader's language: March 2025, marzo de 2025.

    English is "LLLL y"; other languages take CLDR's month-and-year form, with the month's name
    standing alone where the language declines it ("март 2025 г.", not "марта").
    """
    locale = _reader_locale()
    first = dt.date(year, month, 1)
    if _english(locale):
        return format_date(first, "LLLL y", locale=locale)
    return format_skeleton("yMMMM", first, locale=locale)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


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
                when=tuple(
                    replace(w, key=key(w.key), value=n if w.value == "{n}" else w.value)
                    for w in q.when
                ),
            )
            for q in group.questions
        )
        out.append(Group(key(f"{group.key}_{{n}}"), _numbered(group.label, n), questions))
    return tuple(out)


def build(*sections: Section) -> tuple[Section, ...]:
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
    groups = {g.key for s in tree for step in s.steps for g in step.items if isinstance(g, Group)}
    for section in tree:
        for q in section.questions:
            if q.key in groups:
                raise DefinitionError(f"the question key {q.key!r} is also a group's key")
            if q.key in seen:
                raise DefinitionError(f"the question key {q.key!r} is used twice")
            for w in q.when:
                source = seen.get(w.key)
                if source is None:
                    raise DefinitionError(
                        f"{q.key!r} depends on {w.key!r}, which is not an earlier question"
                    )
                if w.op == "gte":
                    if source.type != "integer" or not isinstance(w.value, int):
                        raise DefinitionError(f"{q.key!r} compares {w.key!r} with a number")
                elif w.value is not None and w.value not in source.values:
                    raise DefinitionError(
                        f"{q.key!r} depends on {w.key!r} = {w.value!r}, which it never takes"
                    )
            seen[q.key] = q
            _check_input(q)
        for d in section.derived:
            if seen.get(d.after) is None or seen[d.after].section != section.key:
                raise DefinitionError(f"{d.key!r} follows {d.after!r}, not in its section")


def _check_input(q: Question) -> None:
    """The new kinds of answer boxes only on the questions they are made for."""
    kinds = [name for name in ("units", "percent", "scale") if getattr(q, name)]
    if kinds and q.type != "integer":
        raise DefinitionError(f"{q.key!r} has {kinds[0]}, which is only for integer questions")
    if len(kinds) > 1:
        raise DefinitionError(f"{q.key!r} has both {kinds[0]} and {kinds[1]}")
    if q.units and (q.min is None or q.max is None or q.min < 0):
        raise DefinitionError(f"{q.key!r} has units, so it needs a min (0 or more) and a max")
    if q.percent and not (q.min is not None and q.max is not None and 0 <= q.min <= q.max <= 100):
        raise DefinitionError(f"{q.key!r} is a percentage, so its min and max are within 0-100")
    if q.scale and not (q.min is not None and q.max is not None and 0 <= q.max - q.min <= 10):
        raise DefinitionError(f"{q.key!r} is a scale, so it needs a min and a max 10 or less apart")
    if q.date_rule is not None and q.type not in ("date", "month"):
        raise DefinitionError(f"{q.key!r} has a date rule, which is only for dates and months")


class Definition:
    """One version of the questionnaire: its tree, and everything worked out from it.

    Steps are pages; a step is shown when at least one of its questions is asked under the
    answers given so far (a page only about a treatment not tried is skipped).
    """

    def __init__(self, version: str, tree: tuple[Section, ...]):
        self.version = version
        self.tree = tree
        self.steps: tuple[Step, ...] = tuple(step for section in tree for step in section.steps)
        self.questions: tuple[Question, ...] = tuple(q for s in self.steps for q in s.questions)
        self.by_key: dict[str, Question] = {q.key: q for q in self.questions}
        self.step_by_key: dict[str, Step] = {s.key: s for s in self.steps}
        self.derived: tuple[Derived, ...] = tuple(d for section in tree for d in section.derived)

    def prune(self, answers: Mapping[str, Any]) -> Answers:
        """Drop answers to questions that are not asked under their conditions.

        Conditions only refer to earlier questions, so one pass in definition order is enough.
        """
        kept: Answers = {}
        for q in self.questions:
            if q.key in answers and q.is_asked(kept):
                kept[q.key] = answers[q.key]
        return kept

    def validate(
        self, raw: Mapping[str, Any], today: dt.date | None = None, *, complete: bool = True
    ) -> Answers:
        """Validate imported answers (JSON types); return clean answers or raise AnswerError.

        With complete=True every required question that is asked must be answered.
        """
        for key in raw:
            if key not in self.by_key:
                raise AnswerError(
                    key, _("%(key)s is not a question of this questionnaire", key=key)
                )
        clean: Answers = {}
        for q in self.questions:
            if q.key not in raw:
                continue
            value = q.check(raw[q.key], today)
            if value is not None:
                clean[q.key] = value
        for q in self.questions:
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

    def step_of(self, key: str) -> Step | None:
        """The step that asks a question."""
        q = self.by_key.get(key)
        return self.step_by_key[q.step] if q is not None else None

    def is_shown(self, step: Step, answers: Mapping[str, Any]) -> bool:
        """Whether a page is shown: at least one of its questions is asked."""
        return any(q.is_asked(answers) for q in step.questions)

    def shown_steps(self, answers: Mapping[str, Any]) -> tuple[Step, ...]:
        """The pages a patient walks through with these answers, in order."""
        return tuple(s for s in self.steps if self.is_shown(s, answers))

    def first_unanswered_step(self, answers: Mapping[str, Any]) -> Step | None:
        """The first step with a required question that is asked but not answered yet."""
        for step in self.steps:
            for q in step.questions:
                if q.required and q.is_asked(answers) and q.key not in answers:
                    return step
        return None

    def data_dictionary(self) -> list[dict[str, Any]]:
        """The public data dictionary: one plain record per question."""
        out = []
        for q in self.questions:
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
