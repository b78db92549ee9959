"""The codes of answers: one code system per choice question (for now)."""

from __future__ import annotations

from ..questionnaire import Question
from .common import QUESTIONNAIRE_ID, canonical_base


def code_system(key: str) -> str:
    """The code system of a choice question's values."""
    return f"{canonical_base()}/CodeSystem/{QUESTIONNAIRE_ID}-{key.replace('_', '-')}"


def _coding(q: Question, value: str) -> dict[str, str]:
    return {"system": code_system(q.key), "code": value, "display": q.label_of(value)}
