"""A property of criteria 2026.12-1: leaving out an answer never makes an unknown known.

For any answers the questionnaire accepts, removing one optional answer (and the answers that
are asked only because of it) never turns a criterion's `unknown` into `met` or `not_met`, in
either profile; nor a flag that could not be checked into one raised or cleared.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from screening import questionnaire
from screening.criteria import PROFILES
from screening.engine import evaluate

ON = dt.date(2026, 11, 22)

MONTHS = st.builds(
    lambda year, month: f"{year:04d}-{month:02d}",
    st.integers(2015, 2026),
    st.integers(1, 12),
).filter(lambda m: m <= "2026-11")


def _value(q: questionnaire.Question) -> st.SearchStrategy[Any]:
    """Any value the question accepts (the validation below has the last word)."""
    if q.type == "single":
        return st.sampled_from(q.values)
    if q.type == "multi":
        others = [v for v in q.values if v != q.exclusive]
        subsets = st.lists(st.sampled_from(others), min_size=1, unique=True) if others else None
        choices = [st.just([q.exclusive])] if q.exclusive else []
        if subsets is not None:
            choices.append(subsets)
        return st.one_of(*choices)
    if q.type == "integer":
        return st.integers(q.min if q.min is not None else 0, q.max if q.max is not None else 99)
    if q.type == "month":
        return MONTHS
    if q.type == "date":
        if q.key == "date_of_birth":
            return st.dates(dt.date(1930, 1, 1), dt.date(2005, 12, 31)).map(dt.date.isoformat)
        return st.dates(dt.date(2026, 11, 1), dt.date(2027, 6, 30)).map(dt.date.isoformat)
    return st.text("abcdefgh ", min_size=1, max_size=20).map(lambda t: t.strip() or "a")


@st.composite
def accepted_answers(draw) -> dict[str, Any]:
    """Answers in the questionnaire's order: each asked question answered or (if optional) not."""
    answers: dict[str, Any] = {}
    for q in questionnaire.QUESTIONS:
        if not q.is_asked(answers):
            continue
        if not q.required and draw(st.booleans()):
            continue
        answers[q.key] = draw(_value(q))
    try:
        return questionnaire.validate(answers, ON)
    except questionnaire.AnswerError:
        assume(False)
        raise


def _statuses(answers: dict[str, Any]) -> dict[tuple[str, str], str]:
    out = {}
    for profile in PROFILES:
        evaluation = evaluate(answers, profile, on=ON)
        out.update({(profile, c.id): c.status for c in evaluation.criteria})
        raised = {f["id"] for f in evaluation.flags}
        unknown = {f["id"] for f in evaluation.flags_unknown}
        for flag_id in raised | unknown:
            out[(profile, f"flag:{flag_id}")] = "unknown" if flag_id in unknown else "raised"
    return out


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(answers=accepted_answers(), data=st.data())
def test_removing_an_optional_answer_never_makes_an_unknown_known(answers, data):
    optional = [k for k in answers if not questionnaire.BY_KEY[k].required]
    assume(optional)
    key = data.draw(st.sampled_from(optional))
    fewer = questionnaire.prune({k: v for k, v in answers.items() if k != key})
    fewer = questionnaire.validate(fewer, ON, complete=False)
    before, after = _statuses(answers), _statuses(fewer)
    for what, status in before.items():
        if status == "unknown":
            assert after.get(what) == "unknown", (key, what, after.get(what))
