"""The criteria engine of questionnaire 2026.11, frozen with questionnaire 2026.11.

Never edit: screenings submitted under questionnaire 2026.11 render with these rules and words
(their stored evaluations, and anything worked out again from their answers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..i18n import gettext as _
from ..i18n import ngettext
from .criteria_2026_11 import (
    CRITERIA_VERSION,
    DEFAULT_PROFILE,
    FLAGS,
    PROFILES,
    PROMPTS,
    THRESHOLDS,
    Check,
    Criterion,
    When,
)
from .questionnaire_2026_11 import BY_KEY, TREATMENT_KEYS, TREATMENTS, age, bmi

Status = Literal["met", "not_met", "unknown"]
Overall = Literal["urgent", "consistent", "not_consistent", "incomplete"]

MET: Status = "met"
NOT_MET: Status = "not_met"
UNKNOWN: Status = "unknown"

_LABELS = {t.key: t.label for t in TREATMENTS}


@dataclass(frozen=True)
class CriterionResult:
    """The comparison of one criterion with the answers."""

    id: str
    status: Status
    core: bool
    title: str
    answer: str
    requirement: str
    source: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        """Plain data, as the CLI prints and the database stores it."""
        return {
            "id": self.id,
            "status": self.status,
            "core": self.core,
            "title": self.title,
            "answer": self.answer,
            "requirement": self.requirement,
            "source": self.source,
        }


@dataclass(frozen=True)
class Evaluation:
    """The result of comparing answers with one profile."""

    profile: str
    criteria_version: str
    overall: Overall
    criteria: tuple[CriterionResult, ...]
    flags: tuple[dict[str, Any], ...]
    red_flags: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "profile": self.profile,
            "criteria_version": self.criteria_version,
            "overall": self.overall,
            "criteria": [c.as_dict() for c in self.criteria],
            "flags": [dict(f) for f in self.flags],
            "red_flags": list(self.red_flags),
        }


def _words(key: str, answers: Mapping[str, Any]) -> str:
    return BY_KEY[key].in_words(answers.get(key))


# --- rules: each returns (status, the answer in words) ----------------------------------------

Rule = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[Status, str]]


def _min_number(a: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    value = a.get(p["key"])
    if value is None:
        return UNKNOWN, _words(p["key"], a)
    return (MET if value >= p["min"] else NOT_MET), _words(p["key"], a)


def _tried(a: Mapping[str, Any]) -> list[str]:
    return [t for t in TREATMENT_KEYS if a.get(f"{t}_tried") == "yes"]


def _treatments_in_words(a: Mapping[str, Any]) -> str:
    tried = _tried(a)
    if not tried:
        if any(f"{t}_tried" in a for t in TREATMENT_KEYS):
            return _("None tried")
        return _("Not provided")
    parts = []
    for t in tried:
        result = a.get(f"{t}_result")
        label = str(_LABELS[t])
        words = BY_KEY[f"{t}_result"].label_of(result) if result else _("result not given")
        parts.append(_("%(treatment)s: %(result)s", treatment=label, result=words))
    return "; ".join(parts)


def _lasting(a: Mapping[str, Any]) -> bool:
    return any(a.get(f"{t}_result") == "lasting_relief" for t in _tried(a))


def _treatments_tried(a: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    words = _treatments_in_words(a)
    if not any(f"{t}_tried" in a for t in TREATMENT_KEYS):
        return UNKNOWN, words
    tried = _tried(a)
    if _lasting(a):
        return NOT_MET, words
    if len(tried) >= p["min_tried"] and any(t in tried for t in p["one_of"]):
        return MET, words
    return NOT_MET, words


def _treatments_required(a: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    words = _treatments_in_words(a)
    months = a.get("conservative_care_months")
    if months is not None:
        words = _(
            "%(treatments)s. In total: %(months)s",
            treatments=words,
            months=_words("conservative_care_months", a),
        )
    if not any(f"{t}_tried" in a for t in TREATMENT_KEYS):
        return UNKNOWN, words
    tried = _tried(a)
    if _lasting(a) or any(t not in tried for t in p["required"]):
        return NOT_MET, words
    if months is None:
        return UNKNOWN, words
    return (MET if months >= p["months"] else NOT_MET), words


def _diagnostic_injection(a: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    done = a.get("diagnostic_injection")
    if done != "yes":
        words = _words("diagnostic_injection", a)
        return {"no": NOT_MET}.get(done, UNKNOWN), words
    count = a.get("diagnostic_injection_count")
    guided = a.get("diagnostic_injection_guided")
    relief = a.get("diagnostic_injection_relief")
    words = _(
        "%(count)s; guided by a scan: %(guided)s; %(relief)s",
        count=(
            ngettext("%(num)s injection", "%(num)s injections", count)
            if count is not None
            else _("number of injections not given")
        ),
        guided=_words("diagnostic_injection_guided", a),
        relief=_words("diagnostic_injection_relief", a),
    )
    if relief is not None and relief < p["relief"]:
        return NOT_MET, words
    if count is not None and count < p["count"]:
        return NOT_MET, words
    if p["guided"] and guided == "no":
        return NOT_MET, words
    if relief is None or count is None or (p["guided"] and guided != "yes"):
        return UNKNOWN, words
    return MET, words


def _exam_in_words(a: Mapping[str, Any]) -> str:
    done = a.get("exam_done")
    if done != "yes":
        return _words("exam_done", a)
    parts = [_words("exam_result", a)]
    if a.get("exam_positive_tests") is not None:
        n = a["exam_positive_tests"]
        parts.append(
            ngettext("%(num)s test brought on the pain", "%(num)s tests brought on the pain", n)
        )
    return "; ".join(parts)


def _exam_reproduced(a: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    done, result = a.get("exam_done"), a.get("exam_result")
    if done == "no" or (done == "yes" and result == "did_not"):
        status: Status = NOT_MET
    elif done == "yes" and result == "reproduced_pain":
        status = MET
    else:
        status = UNKNOWN
    return status, _exam_in_words(a)


def _exam_positive(a: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    n = a.get("exam_positive_tests")
    if a.get("exam_done") == "no":
        return NOT_MET, _exam_in_words(a)
    if a.get("exam_done") == "yes" and n is not None:
        return (MET if n >= p["min"] else NOT_MET), _exam_in_words(a)
    return UNKNOWN, _exam_in_words(a)


def _imaging_any(a: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    # An empty multi-choice answer is not stored: no imaging key means none was done.
    scans = a.get("imaging") or []
    return (MET if scans else NOT_MET), _words("imaging", a)


def _imaging_ct_mri(a: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    scans = a.get("imaging") or []
    met = any(s in scans for s in p["any_of"])
    return (MET if met else NOT_MET), _words("imaging", a)


def _pain_area(a: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    where = a.get("pain_locations")
    if not where:
        return UNKNOWN, _words("pain_locations", a)
    return (MET if any(x in where for x in p["areas"]) else NOT_MET), _words("pain_locations", a)


def _no_condition(a: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    conditions = a.get("other_conditions") or []
    return (NOT_MET if p["condition"] in conditions else MET), _words("other_conditions", a)


def _one_sided_pointing(a: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    side, points = a.get("pain_side"), a.get("points_to_si_joint")
    words = _(
        "Side: %(side)s. Can point to it: %(points)s",
        side=_words("pain_side", a),
        points=_words("points_to_si_joint", a),
    )
    if side == "both" or points == "no":
        return NOT_MET, words
    if side in ("left", "right") and points == "yes":
        return MET, words
    return UNKNOWN, words


def _nicotine_free(a: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    use = a.get("nicotine_use")
    status: Status = {"no": MET, "yes": NOT_MET}.get(use, UNKNOWN)
    return status, _words("nicotine_use", a)


RULES: dict[str, Rule] = {
    "min_number": _min_number,
    "treatments_tried": _treatments_tried,
    "treatments_required": _treatments_required,
    "diagnostic_injection": _diagnostic_injection,
    "exam_reproduced": _exam_reproduced,
    "exam_positive": _exam_positive,
    "imaging_any": _imaging_any,
    "imaging_ct_mri": _imaging_ct_mri,
    "pain_area": _pain_area,
    "no_condition": _no_condition,
    "one_sided_pointing": _one_sided_pointing,
    "nicotine_free": _nicotine_free,
}


# --- derived values and flags ----------------------------------------------------------------


DERIVED_VALUES: dict[str, Callable[[Mapping[str, Any], dt.date], Any]] = {
    "bmi": lambda a, on: bmi(a),
    "age": age,
}


def _values(answers: Mapping[str, Any], on: dt.date) -> dict[str, Any]:
    """The answers, with the values worked out from them that rules may test."""
    return {**answers, **{k: f(answers, on) for k, f in DERIVED_VALUES.items()}}


def _limit(value: Any) -> Any:
    return THRESHOLDS[value] if isinstance(value, str) else value


def holds(test: Check, values: Mapping[str, Any]) -> bool:
    """Whether one test holds for the answers (and derived values)."""
    value = values.get(test.key)
    if value is None or (test.op not in ("empty", "nonempty") and value == []):
        return test.missing
    if test.op == "eq":
        return value == test.value
    if test.op == "ne":
        return value != test.value
    if test.op == "any_of":
        return any(v in test.value for v in (value if isinstance(value, list) else [value]))
    if test.op == "empty":
        return value == []
    if test.op == "nonempty":
        return value != []
    if test.op == "lt":
        return value < _limit(test.value)
    return value >= _limit(test.value)  # gte


def applies(when: When, values: Mapping[str, Any]) -> bool:
    """Whether a rule's condition holds: any alternative whose tests all hold (none: always)."""
    return not when or any(all(holds(t, values) for t in tests) for tests in when)


def flags(answers: Mapping[str, Any], on: dt.date) -> list[str]:
    """The ids of the flags to discuss that the answers raise, in their listed order."""
    values = _values(answers, on)
    return [f.id for f in FLAGS.values() if applies(f.when, values)]


def prompts(answers: Mapping[str, Any], on: dt.date) -> list[str]:
    """The ids of the questions the patient may want to ask, in their listed order."""
    values = _values(answers, on)
    chosen: list[str] = []
    for p in PROMPTS.values():
        if p.only_if_fewer_than is not None and len(chosen) >= p.only_if_fewer_than:
            continue
        if applies(p.when, values):
            chosen.append(p.id)
    return chosen


def _check_rules() -> None:
    """Every rule names a question or derived value, and every threshold it names exists."""
    keys = set(BY_KEY) | set(DERIVED_VALUES)
    for rule in (*FLAGS.values(), *PROMPTS.values()):
        for tests in rule.when:
            for t in tests:
                if t.key not in keys:
                    raise KeyError(f"{rule.id}: {t.key!r} is neither a question nor derived")
                if t.op in ("lt", "gte") and isinstance(t.value, str) and t.value not in THRESHOLDS:
                    raise KeyError(f"{rule.id}: no threshold named {t.value!r}")


_check_rules()


def red_flags(answers: Mapping[str, Any]) -> list[str]:
    """The red flags answered, without 'none'."""
    return [f for f in answers.get("red_flags") or [] if f != "none"]


def _evaluate_criterion(c: Criterion, answers: Mapping[str, Any]) -> CriterionResult:
    status, words = RULES[c.rule](answers, c.params)
    return CriterionResult(
        id=c.id,
        status=status,
        core=c.core,
        title=str(c.title),
        answer=words,
        requirement=c.requirement_text(),
        source=c.source.as_dict(),
    )


def evaluate(
    answers: Mapping[str, Any], profile: str = DEFAULT_PROFILE, on: dt.date | None = None
) -> Evaluation:
    """Compare answers with one profile's criteria; `on` is the day ages are counted on."""
    if profile not in PROFILES:
        raise KeyError(profile)
    results = tuple(_evaluate_criterion(c, answers) for c in PROFILES[profile].criteria)
    urgent = red_flags(answers)
    core = [r.status for r in results if r.core]
    overall: Overall
    if urgent:
        overall = "urgent"
    elif all(s == MET for s in core):
        overall = "consistent"
    elif any(s == NOT_MET for s in core):
        overall = "not_consistent"
    else:
        overall = "incomplete"
    raised = tuple(
        {"id": f, "text": FLAGS[f].text_in_words(), "source": FLAGS[f].source.as_dict()}
        for f in flags(answers, on or dt.date.today())
    )
    return Evaluation(profile, CRITERIA_VERSION, overall, results, raised, tuple(urgent))
