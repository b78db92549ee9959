"""The criteria engine: answers and a profile in, an evaluation out.

Pure: no Flask app, no request, no database. It compares answers with published criteria for
discussion with a specialist; it never diagnoses and never says who is or is not a candidate.

One rule holds for every criterion and flag: an unanswered or "not sure" answer gives `unknown`,
never `met` or `not_met` (and never raises or silences a flag by itself).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .criteria import (
    CRITERIA_VERSION,
    DEFAULT_PROFILE,
    FLAGS,
    LEVELS,
    OTHER_CONDITIONS_FLAGGED,
    PROFILES,
    PROMPTS,
    RED_FLAGS,
    THRESHOLDS,
    Check,
    Criterion,
    Flag,
    When,
    counts_in_words,
)
from .i18n import gettext as _
from .i18n import ngettext
from .questionnaire import BY_KEY, TREATMENT_KEYS, TREATMENTS, age, bmi, months_since

Status = Literal["met", "not_met", "unknown"]
Overall = Literal["urgent", "consistent", "not_consistent", "incomplete"]

MET: Status = "met"
NOT_MET: Status = "not_met"
UNKNOWN: Status = "unknown"

# Answers that say the patient does not know.
NOT_KNOWN_VALUES = ("not_sure", "not_told")

_LABELS = {t.key: t.label for t in TREATMENTS}
_SHORT = {t.key: t.short for t in TREATMENTS}


@dataclass(frozen=True)
class CriterionResult:
    """The comparison of one criterion with the answers."""

    id: str
    status: Status
    core: bool
    title: str
    answer: str
    requirement: str
    threshold: dict[str, Any]
    sources: tuple[dict[str, str], ...]

    @property
    def source(self) -> dict[str, str]:
        """The first source."""
        return self.sources[0]

    def as_dict(self) -> dict[str, Any]:
        """Plain data, as the CLI prints and the database stores it."""
        return {
            "id": self.id,
            "status": self.status,
            "core": self.core,
            "title": self.title,
            "answer": self.answer,
            "requirement": self.requirement,
            "threshold": dict(self.threshold),
            "sources": [dict(s) for s in self.sources],
        }


@dataclass(frozen=True)
class Evaluation:
    """The result of comparing answers with one profile."""

    profile: str
    criteria_version: str
    overall: Overall
    criteria: tuple[CriterionResult, ...]
    flags: tuple[dict[str, Any], ...]
    red_flags: tuple[dict[str, str], ...]  # {"id", "level", "text"}, in the order asked
    flags_unknown: tuple[dict[str, str], ...] = ()

    def counts(self) -> dict[str, int]:
        """The main (core) criteria counted by status."""
        core = [c.status for c in self.criteria if c.core]
        return {
            "total": len(core),
            "met": core.count(MET),
            "not_met": core.count(NOT_MET),
            "unknown": core.count(UNKNOWN),
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "profile": self.profile,
            "criteria_version": self.criteria_version,
            "overall": self.overall,
            "counts": self.counts(),
            "counts_text": counts_in_words(self.criteria),
            "criteria": [c.as_dict() for c in self.criteria],
            "flags": [dict(f) for f in self.flags],
            "flags_unknown": [dict(f) for f in self.flags_unknown],
            "red_flags": [dict(f) for f in self.red_flags],
        }


def _words(key: str, a: Mapping[str, Any]) -> str:
    """An answer in words; "Not provided" when it was not given (even for a multi-choice)."""
    value = a.get(key)
    if value is None or value == []:
        return _("Not provided")
    return BY_KEY[key].in_words(value)


def _months(n: int) -> str:
    return ngettext("%(num)s month", "%(num)s months", max(n, 0))


def _not_known(value: Any) -> bool:
    """Whether an answer is missing or says the patient does not know."""
    if value is None or value == []:
        return True
    if isinstance(value, list):
        return any(v in NOT_KNOWN_VALUES for v in value)
    return value in NOT_KNOWN_VALUES


# --- rules: each returns (status, the answer in words) ----------------------------------------
# `v` is the answers with the derived values (`pain_months`, `treatment_months`, `age`, `bmi`);
# `p` is the criterion's settings with threshold names replaced by their numbers.

Rule = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[Status, str]]


def _months_at_least(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    months = v.get(p["key"])
    if months is None:
        return UNKNOWN, _words(p["asked"], v)
    return (MET if months >= p["min"] else NOT_MET), _months(months)


def _number_at_least(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    value = v.get(p["key"])
    if value is None:
        return UNKNOWN, _words(p["key"], v)
    return (MET if value >= p["min"] else NOT_MET), _words(p["key"], v)


def _pain_severity(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    average, interference = v.get("pain_average"), v.get("pain_interference")
    words = _(
        "Average pain: %(average)s. Gets in the way: %(interference)s",
        average=_words("pain_average", v),
        interference=_words("pain_interference", v),
    )
    if (average is not None and average < p["average"]) or (
        interference is not None and interference < p["interference"]
    ):
        return NOT_MET, words
    if average is None or interference is None:
        return UNKNOWN, words
    return MET, words


def _tried(v: Mapping[str, Any]) -> list[str]:
    answer = v.get("treatments_tried") or []
    return [t for t in TREATMENT_KEYS if t in answer]


def _treatment_in_words(t: str, v: Mapping[str, Any]) -> str:
    parts = []
    if t == "steroid_injection" and v.get("steroid_injection_count") is not None:
        n = v["steroid_injection_count"]
        parts.append(ngettext("%(num)s injection", "%(num)s injections", n))
        if v.get("steroid_injection_relief_weeks") is not None:
            parts.append(
                _(
                    "better for %(weeks)s",
                    weeks=_words("steroid_injection_relief_weeks", v),
                )
            )
    elif v.get(f"{t}_weeks") is not None:
        parts.append(_words(f"{t}_weeks", v))
    result = v.get(f"{t}_result")
    parts.append(_words(f"{t}_result", v) if result else _("result not given"))
    return _("%(treatment)s: %(details)s", treatment=_LABELS[t], details=" · ".join(parts))


def _treatments_in_words(v: Mapping[str, Any]) -> str:
    answer = v.get("treatments_tried")
    if not answer:
        return _("Not provided")
    if "none" in answer:
        return _words("treatments_tried", v)
    return "; ".join(_treatment_in_words(t, v) for t in _tried(v))


def _lasting(v: Mapping[str, Any]) -> bool:
    return any(v.get(f"{t}_result") == "lasting_relief" for t in _tried(v))


def _results_missing(v: Mapping[str, Any]) -> bool:
    return any(v.get(f"{t}_result") is None for t in _tried(v))


def _treatments_tried(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    words = _treatments_in_words(v)
    answer = v.get("treatments_tried")
    if not answer:
        return UNKNOWN, words
    tried = _tried(v)
    if _lasting(v):
        return NOT_MET, words
    if len(tried) < p["min_tried"] or not any(t in tried for t in p["one_of"]):
        return NOT_MET, words
    if _results_missing(v):
        return UNKNOWN, words
    return MET, words


def _treatments_required(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    answer = v.get("treatments_tried")
    tried = _tried(v)
    missing = [str(_SHORT[t]) for t in p["required"] if t not in tried]
    if not any(t in tried for t in p["exercise"]):
        either_one = _(" or ").join(str(_SHORT[t]) for t in p["exercise"])
        missing.insert(0, either_one)
    parts = [_treatments_in_words(v)]
    if tried and missing:
        parts.append(_("Not tried: %(treatments)s", treatments="; ".join(missing)))
    months = v.get("treatment_months")
    if tried:
        parts.append(
            _("Since treatment started: %(months)s", months=_months(months))
            if months is not None
            else _("When treatment started: not provided")
        )
    words = ". ".join(parts)
    if not answer:
        return UNKNOWN, words
    if "none" in answer or _lasting(v) or missing:
        return NOT_MET, words
    if months is not None and months < p["months"]:
        return NOT_MET, words
    if months is None or _results_missing(v):
        return UNKNOWN, words
    return MET, words


def _injections_counted(v: Mapping[str, Any]) -> tuple[int, ...]:
    """The injections asked about in detail: the first, and the second when there were two."""
    count = v.get("diagnostic_injection_count")
    if count is None:
        return ()
    return (1,) if count < 2 else (1, 2)


def _injections_in_words(v: Mapping[str, Any]) -> str:
    done = v.get("diagnostic_injection")
    if done != "yes":
        return _words("diagnostic_injection", v)
    count = v.get("diagnostic_injection_count")
    parts = [
        ngettext("%(num)s injection", "%(num)s injections", count)
        if count is not None
        else _("number of injections not given")
    ]
    for n in _injections_counted(v):
        parts.append(
            _(
                "Injection %(n)s: needle guided by: %(guidance)s · %(relief)s · relief "
                "lasted: %(lasted)s",
                n=n,
                guidance=_words(f"injection_{n}_guidance", v),
                relief=_words(f"injection_{n}_relief", v),
                lasted=_words(f"injection_{n}_relief_lasted", v),
            )
        )
    return ". ".join(parts)


def _injection_any(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    words = _injections_in_words(v)
    done = v.get("diagnostic_injection")
    if done == "no":
        return NOT_MET, words
    if done != "yes" or v.get("diagnostic_injection_count") is None:
        return UNKNOWN, words
    reliefs = [v.get(f"injection_{n}_relief") for n in _injections_counted(v)]
    if any(r is not None and r >= p["relief"] for r in reliefs):
        return MET, words
    if any(r is None for r in reliefs):
        return UNKNOWN, words
    return NOT_MET, words


def _injections_each(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    words = _injections_in_words(v)
    done = v.get("diagnostic_injection")
    if done == "no":
        return NOT_MET, words
    count = v.get("diagnostic_injection_count")
    if done != "yes" or count is None:
        return UNKNOWN, words
    if count < p["count"]:
        return NOT_MET, words
    asked = range(1, p["count"] + 1)
    reliefs = [v.get(f"injection_{n}_relief") for n in asked]
    guidance = [v.get(f"injection_{n}_guidance") for n in asked]
    if any(r is not None and r < p["relief"] for r in reliefs):
        return NOT_MET, words
    if any(g is not None and g not in p["guidance"] and not _not_known(g) for g in guidance):
        return NOT_MET, words
    if any(r is None for r in reliefs) or any(_not_known(g) for g in guidance):
        return UNKNOWN, words
    return MET, words


def _exam_in_words(v: Mapping[str, Any]) -> str:
    if v.get("exam_done") != "yes":
        return _words("exam_done", v)
    parts = [_words("exam_result", v)]
    n = v.get("exam_positive_tests")
    if n is not None:
        parts.append(
            ngettext("%(num)s test brought on the pain", "%(num)s tests brought on the pain", n)
        )
    else:
        parts.append(_("number of tests not given"))
    return "; ".join(parts)


def _exam_reproduced(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    done, result = v.get("exam_done"), v.get("exam_result")
    if done == "no" or (done == "yes" and result == "did_not"):
        status: Status = NOT_MET
    elif done == "yes" and result == "reproduced_pain":
        status = MET
    else:
        status = UNKNOWN
    return status, _exam_in_words(v)


def _exam_positive(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    words = _exam_in_words(v)
    done, result, n = v.get("exam_done"), v.get("exam_result"), v.get("exam_positive_tests")
    if done == "no":
        return NOT_MET, words
    if done != "yes":
        return UNKNOWN, words
    if n is None:
        # "The tests did not bring on the pain": no test was positive.
        return (NOT_MET if result == "did_not" else UNKNOWN), words
    if n >= p["min"]:
        # A count of positive tests beside "they did not bring on the pain" contradicts itself.
        return (UNKNOWN if result == "did_not" else MET), words
    return NOT_MET, words


def _imaging_in_words(v: Mapping[str, Any]) -> str:
    parts = [_words("imaging", v)]
    if v.get("imaging_result") is not None:
        result = _words("imaging_result", v)
        if v.get("imaging_other_problem"):
            result = f"{result}: {_words('imaging_other_problem', v)}"
        parts.append(result)
    return ". ".join(parts)


def _imaging_any(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    scans = v.get("imaging")
    if not scans:
        return UNKNOWN, _imaging_in_words(v)
    return (MET if any(s in scans for s in p["any_of"]) else NOT_MET), _imaging_in_words(v)


def _imaging_ct_mri(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    words = _imaging_in_words(v)
    scans, result = v.get("imaging"), v.get("imaging_result")
    if not scans:
        return UNKNOWN, words
    if result == "other_problem" or not any(s in scans for s in p["any_of"]):
        return NOT_MET, words
    if result in p["results"]:
        return MET, words
    return UNKNOWN, words


def _pain_area(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    where = v.get("pain_locations")
    if not where:
        return UNKNOWN, _words("pain_locations", v)
    return (MET if any(x in where for x in p["areas"]) else NOT_MET), _words("pain_locations", v)


def _without_condition(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    conditions = v.get("other_conditions")
    words = _words("other_conditions", v)
    if not conditions:
        return UNKNOWN, words
    if p["condition"] in conditions:
        return NOT_MET, words
    if _not_known(conditions):
        return UNKNOWN, words
    return MET, words


def _answer_is(v: Mapping[str, Any], p: Mapping[str, Any]) -> tuple[Status, str]:
    value = v.get(p["key"])
    status: Status = {p["met"]: MET, p["not_met"]: NOT_MET}.get(value, UNKNOWN)
    return status, _words(p["key"], v)


RULES: dict[str, Rule] = {
    "months_at_least": _months_at_least,
    "number_at_least": _number_at_least,
    "pain_severity": _pain_severity,
    "treatments_tried": _treatments_tried,
    "treatments_required": _treatments_required,
    "injection_any": _injection_any,
    "injections_each": _injections_each,
    "exam_reproduced": _exam_reproduced,
    "exam_positive": _exam_positive,
    "imaging_any": _imaging_any,
    "imaging_ct_mri": _imaging_ct_mri,
    "pain_area": _pain_area,
    "without_condition": _without_condition,
    "answer_is": _answer_is,
}


# --- derived values and flags ----------------------------------------------------------------


def _since(key: str) -> Callable[[Mapping[str, Any], dt.date], int | None]:
    def months(a: Mapping[str, Any], on: dt.date) -> int | None:
        n = months_since(a.get(key), on)
        return None if n is None else max(n, 0)

    return months


DERIVED_VALUES: dict[str, Callable[[Mapping[str, Any], dt.date], Any]] = {
    "bmi": lambda a, on: bmi(a),
    "age": age,
    "pain_months": _since("pain_started"),
    "treatment_months": _since("treatment_started"),
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
    if test.op in ("any_of", "none_of"):
        found = any(v in test.value for v in (value if isinstance(value, list) else [value]))
        return found if test.op == "any_of" else not found
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


def _label(key: str, value: str) -> str:
    return BY_KEY[key].label_of(value)


def _flag_values(flag_id: str, v: Mapping[str, Any]) -> str:
    """The patient's own values that raised a flag, in words."""
    if flag_id == "other_conditions":
        found = [c for c in OTHER_CONDITIONS_FLAGGED if c in (v.get("other_conditions") or [])]
        return "; ".join(_label("other_conditions", c) for c in found)
    if flag_id == "imaging_other_problem":
        found = [p for p in v.get("imaging_other_problem") or [] if p != "not_sure"]
        if not found:
            return _("what it showed is not known")
        return "; ".join(_label("imaging_other_problem", p) for p in found)
    if flag_id == "nerve_symptoms":
        parts = []
        if v.get("leg_numbness") == "yes":
            parts.append(_("numbness, tingling or pins and needles in a leg or foot"))
        if "below_knee" in (v.get("pain_locations") or []):
            parts.append(_("pain below the knee"))
        return "; ".join(parts)
    if flag_id == "risk_factors":
        parts = []
        if v.get("nicotine_use") == "yes":
            parts.append(_("nicotine use"))
        if v.get("bmi") is not None and v["bmi"] >= THRESHOLDS["risk_bmi"]:
            parts.append(_("BMI %(bmi)s", bmi=f"{v['bmi']:.1f}"))
        if v.get("age") is not None and v["age"] >= THRESHOLDS["risk_age"]:
            parts.append(_("age %(age)s", age=v["age"]))
        if v.get("regular_opioids") == "yes":
            parts.append(_("opioid painkillers most days"))
        return "; ".join(parts)
    if flag_id in ("pregnancy", "metal_allergy"):
        return _label(flag_id, v[flag_id])
    return ""


def _asked(key: str, answers: Mapping[str, Any]) -> bool:
    """Whether a question is asked under the answers (a derived value always is)."""
    return key not in BY_KEY or BY_KEY[key].is_asked(answers)


def flag_status(flag: Flag, answers: Mapping[str, Any], values: Mapping[str, Any]) -> str | None:
    """ "raised", "unknown" (an answer it reads is missing or not sure), or None (not raised)."""
    if applies(flag.when, values):
        return "raised"
    if any(_asked(k, answers) and _not_known(values.get(k)) for k in flag.reads):
        return "unknown"
    return None


def flags(answers: Mapping[str, Any], on: dt.date) -> list[str]:
    """The ids of the flags to discuss that the answers raise, in their listed order."""
    values = _values(answers, on)
    return [f.id for f in FLAGS.values() if flag_status(f, answers, values) == "raised"]


def flags_unknown(answers: Mapping[str, Any], on: dt.date) -> list[str]:
    """The ids of the flags that could not be checked (an answer missing or not sure)."""
    values = _values(answers, on)
    return [f.id for f in FLAGS.values() if flag_status(f, answers, values) == "unknown"]


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

    def check_key(owner: str, key: str) -> None:
        if key not in keys:
            raise KeyError(f"{owner}: {key!r} is neither a question nor derived")

    for rule in (*FLAGS.values(), *PROMPTS.values()):
        for tests in rule.when:
            for t in tests:
                check_key(rule.id, t.key)
                if t.op in ("lt", "gte") and isinstance(t.value, str) and t.value not in THRESHOLDS:
                    raise KeyError(f"{rule.id}: no threshold named {t.value!r}")
    for flag in FLAGS.values():
        for key in flag.reads:
            check_key(flag.id, key)
    for profile in PROFILES.values():
        for c in profile.criteria:
            if c.rule not in RULES:
                raise KeyError(f"{profile.key}.{c.id}: no rule named {c.rule!r}")
            for name in ("key", "asked"):
                if name in c.params:
                    check_key(f"{profile.key}.{c.id}", c.params[name])
            for name in c.threshold:
                if name not in THRESHOLDS:
                    raise KeyError(f"{profile.key}.{c.id}: no threshold named {name!r}")
            if not c.sources:
                raise ValueError(f"{profile.key}.{c.id}: no source")
            if not c.threshold and not c.basis:
                raise ValueError(f"{profile.key}.{c.id}: neither a threshold nor a basis")
    # Every safety question has its red flag (a level of advice), and every red flag its question.
    safety = {q.key for q in BY_KEY.values() if q.section == "safety"}
    if safety != set(RED_FLAGS):
        raise KeyError(f"safety questions and red flags differ: {sorted(safety ^ set(RED_FLAGS))}")
    for f in RED_FLAGS.values():
        if "yes" not in BY_KEY[f.id].values or f.level not in LEVELS or not f.sources:
            raise ValueError(f"{f.id}: a yes/no question, a level and a source")


_check_rules()


def red_flags(answers: Mapping[str, Any]) -> list[dict[str, str]]:
    """The safety questions answered "yes", in the order asked: {"id", "level", "text"}."""
    return [
        {"id": f.id, "level": f.level, "text": str(f.text)}
        for f in RED_FLAGS.values()
        if answers.get(f.id) == "yes"
    ]


def red_flag_level(answers: Mapping[str, Any]) -> str | None:
    """The highest level of advice the answers call for: "emergency", "urgent" or None."""
    raised = {f["level"] for f in red_flags(answers)}
    return next((level for level in LEVELS if level in raised), None)


def _evaluate_criterion(c: Criterion, values: Mapping[str, Any]) -> CriterionResult:
    status, words = RULES[c.rule](values, c.values)
    return CriterionResult(
        id=c.id,
        status=status,
        core=c.core,
        title=str(c.title),
        answer=words,
        requirement=c.requirement_text(),
        threshold=c.threshold_dict(),
        sources=tuple(s.as_dict() for s in c.sources),
    )


def _raised(flag: Flag, values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": flag.id,
        "text": flag.text_in_words(_flag_values(flag.id, values)),
        "sources": [s.as_dict() for s in flag.sources],
    }


def evaluate(
    answers: Mapping[str, Any], profile: str = DEFAULT_PROFILE, on: dt.date | None = None
) -> Evaluation:
    """Compare answers with one profile's criteria; `on` is the day months and ages count to."""
    if profile not in PROFILES:
        raise KeyError(profile)
    on = on or dt.date.today()
    values = _values(answers, on)
    results = tuple(_evaluate_criterion(c, values) for c in PROFILES[profile].criteria)
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
    statuses = {f.id: flag_status(f, answers, values) for f in FLAGS.values()}
    raised = tuple(_raised(FLAGS[f], values) for f, s in statuses.items() if s == "raised")
    unknown = tuple(
        {"id": f, "title": str(FLAGS[f].title)} for f, s in statuses.items() if s == "unknown"
    )
    return Evaluation(profile, CRITERIA_VERSION, overall, results, raised, tuple(urgent), unknown)
