"""Converting a draft's answers from an earlier questionnaire to the current one. Pure.

A draft started under questionnaire 2026.11 is converted on its next load (`drafts.upgrade_draft`);
a submitted screening never is: it keeps its answers and is shown with its own release.

Every answer that maps is kept:

- `pain_duration_months` becomes `pain_started` and `conservative_care_months` becomes
  `treatment_started`: the month that many months before the month of the draft's last save.
- The seven `T_tried` questions become `treatments_tried`: the treatments answered "yes"; when all
  seven were answered "no", `["none"]`; when some were not answered and none was "yes", nothing
  (the patient is asked). `T_weeks` and `T_result` stay where the current tree still asks them.
- The single numbing-injection answers become injection 1: `diagnostic_injection_relief` is
  `injection_1_relief`; `diagnostic_injection_guided` "no" is guidance "none", "not_sure" is
  "not_sure", and "yes" is left unanswered (2026.11 did not ask whether X-ray/CT or ultrasound
  guided the needle, so the patient is asked).
- Every other answer whose key and value the current tree still has is kept as it is.
- The `red_flags` checklist is not converted to the safety questions (each is its own yes or no
  now, asked first; the patient answers them anyway). Its ticks other than "none" go into the
  draft's red-flag history as answered "yes" at the last save (`red_flag_history`), so the
  clinic still sees them.

Whatever does not validate under the current tree, or is not asked under the converted answers, is
dropped. No Flask, no database: `drafts` stores what this returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from . import questionnaire
from .definition import AnswerError, Answers, Definition, Question, Step
from .legacy import questionnaire_2026_11 as v2026_11


def months_before(day: dt.date, months: int) -> str:
    """The month `months` months before the month of `day`, as "YYYY-MM".

    >>> months_before(dt.date(2026, 11, 20), 18)
    '2025-05'
    """
    index = day.year * 12 + (day.month - 1) - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# --- 2026.11 -> the current tree --------------------------------------------------------------

# 2026.11 "Was a scan or X-ray used to guide the needle?" -> injection 1's guidance. "yes" does not
# say whether X-ray/CT or ultrasound: it is left unanswered, so the patient is asked.
_GUIDED_2026_11 = {"no": "none", "not_sure": "not_sure"}

# The 2026.11 answers that the conversion reads and replaces (never copied as they are).
_REPLACED_2026_11 = frozenset(
    {
        "pain_duration_months",
        "conservative_care_months",
        "diagnostic_injection_guided",
        "diagnostic_injection_relief",
        *(f"{t}_tried" for t in v2026_11.TREATMENT_KEYS),
    }
)

# Current questions that 2026.11 asked in other words, and the values it could give them (None:
# any). A value outside them was never offered (radiofrequency ablation), so the question is new.
_MAPPED_2026_11: dict[str, frozenset[str] | None] = {
    "pain_started": None,
    "treatments_tried": frozenset({*v2026_11.TREATMENT_KEYS, "none"}),
    "treatment_started": None,
    "injection_1_relief": None,
    "injection_1_guidance": None,
}


def _map_2026_11(old: Mapping[str, Any], saved_on: dt.date) -> Answers:
    """The 2026.11 answers in the current keys, before validation."""
    new: Answers = {k: v for k, v in old.items() if k not in _REPLACED_2026_11}

    months = old.get("pain_duration_months")
    if _is_count(months):
        new["pain_started"] = months_before(saved_on, months)
    months = old.get("conservative_care_months")
    if _is_count(months):
        new["treatment_started"] = months_before(saved_on, months)

    answered = {t: old[f"{t}_tried"] for t in v2026_11.TREATMENT_KEYS if f"{t}_tried" in old}
    tried = [t for t, said in answered.items() if said == "yes"]
    if tried:
        new["treatments_tried"] = tried
    elif len(answered) == len(v2026_11.TREATMENT_KEYS) and all(
        said == "no" for said in answered.values()
    ):
        new["treatments_tried"] = ["none"]
    for t in v2026_11.TREATMENT_KEYS:
        if t not in tried:  # 2026.11 kept no weeks or result for a treatment not tried
            new.pop(f"{t}_weeks", None)
            new.pop(f"{t}_result", None)

    if "diagnostic_injection_relief" in old:
        new["injection_1_relief"] = old["diagnostic_injection_relief"]
    guidance = _GUIDED_2026_11.get(old.get("diagnostic_injection_guided"))
    if guidance is not None:
        new["injection_1_guidance"] = guidance
    return new


# 2026.11's red-flag ticks -> the safety question each one answered "yes" (two ticks may be one).
_RED_FLAGS_2026_11 = {
    "bladder_bowel": "rf_bladder_bowel",
    "saddle_numbness": "rf_saddle_numbness",
    "leg_weakness": "rf_leg_weakness",
    "both_legs_pain": "rf_leg_weakness",
    "fever_weight_loss": "rf_fever",
    "cancer_history": "rf_cancer",
    "major_trauma": "rf_major_trauma",
}


def _red_flags_2026_11(old: Mapping[str, Any]) -> list[str]:
    ticked = old.get("red_flags")
    if not isinstance(ticked, list):
        return []
    # In the order 2026.11 asked them; two ticks of one question count once.
    return list(dict.fromkeys(k for tick, k in _RED_FLAGS_2026_11.items() if tick in ticked))


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# --- any version -> the current tree ------------------------------------------------------------

_MAPPERS: dict[str, Callable[[Mapping[str, Any], dt.date], Answers]] = {
    "2026.11": _map_2026_11,
}
_MAPPED: dict[str, dict[str, frozenset[str] | None]] = {"2026.11": _MAPPED_2026_11}
_TREES: dict[str, Definition] = {"2026.11": v2026_11.DEFINITION}
_RED_FLAG_MAPPERS: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "2026.11": _red_flags_2026_11,
}


def red_flag_history(version: str, answers: Mapping[str, Any], at: str) -> list[dict[str, Any]]:
    """The red flags answered under `version`, as red-flag history entries answered "yes" at
    `at` (an ISO time: the draft's last save); [] when the version had none or is current."""
    mapper = _RED_FLAG_MAPPERS.get(version)
    if mapper is None:
        return []
    return [{"key": key, "answer": "yes", "at": at} for key in mapper(answers)]


def needs_upgrade(version: str | None) -> bool:
    """Whether answers given under this questionnaire version must be converted."""
    return version is not None and version != questionnaire.QUESTIONNAIRE_VERSION


def can_upgrade(version: str) -> bool:
    """Whether answers of this version can be converted to the current questionnaire."""
    return version == questionnaire.QUESTIONNAIRE_VERSION or version in _MAPPERS


def upgrade(
    version: str,
    answers: Mapping[str, Any],
    saved_on: dt.date,
    today: dt.date | None = None,
) -> Answers:
    """Answers given under `version`, converted to the current questionnaire.

    `saved_on` is the day of the draft's last save: durations in months are counted back from its
    month. Answers that do not validate under the current tree (with `today` for dates), or are
    not asked under the converted answers, are dropped; nothing is ever invented.
    """
    if version == questionnaire.QUESTIONNAIRE_VERSION:
        return dict(answers)
    try:
        mapper = _MAPPERS[version]
    except KeyError:
        raise KeyError(f"no conversion from questionnaire {version!r}") from None
    return clean(mapper(answers, saved_on), today)


def clean(answers: Mapping[str, Any], today: dt.date | None = None) -> Answers:
    """The answers that validate under the current tree and are asked; the others dropped."""
    current = questionnaire.CURRENT
    kept = current.prune({k: v for k, v in answers.items() if k in current.by_key})
    # validate() names the first answer it refuses: drop it, prune what depended on it, again.
    for _attempt in range(len(kept) + 1):
        try:
            return current.validate(kept, today, complete=False)
        except AnswerError as e:
            if e.key not in kept:  # pragma: no cover - validate only refuses given answers
                raise
            del kept[e.key]
            kept = current.prune(kept)
    raise AssertionError("unreachable: every round drops one answer")  # pragma: no cover


# --- where the patient lands -------------------------------------------------------------------


def is_new(version: str, question: Question, answers: Mapping[str, Any]) -> bool:
    """Whether the patient was never asked this current question under `version`.

    New: a key the old tree did not have and no old answer maps to; a question offering a value
    the old one did not (`other_conditions` now has "osteoporosis" and an explicit "none"); an
    answer the conversion had to leave out (injection guidance when 2026.11 only said "yes").
    """
    if version == questionnaire.QUESTIONNAIRE_VERSION:
        return False
    mapped = _MAPPED[version]
    if question.key in mapped:
        if question.key not in answers:
            return True
        offered = mapped[question.key]
        return offered is not None and bool(set(question.values) - offered)
    old = _TREES[version].by_key.get(question.key)
    if old is None:
        return True
    return bool(set(question.values) - set(old.values))


def first_new_step(version: str, answers: Mapping[str, Any]) -> Step | None:
    """The first page, under the converted answers, with a question new since `version` that is
    asked, or a required question not answered; None when there is none (check answers next)."""
    current = questionnaire.CURRENT
    for step in current.shown_steps(answers):
        for q in step.questions:
            if not q.is_asked(answers):
                continue
            if is_new(version, q, answers) or (q.required and q.key not in answers):
                return step
    return None
