"""Shared test data and helpers: realistic valid answers, and reading CSRF tokens from pages."""

from __future__ import annotations

import copy
import re
from typing import Any

from screening.questionnaire import TREATMENT_KEYS

TREATMENTS = TREATMENT_KEYS

# Matches every core criterion of both profiles.
FULL: dict[str, Any] = {
    "name": "Alex Example",
    "date_of_birth": "1972-05-14",
    "height_cm": 170,
    "weight_kg": 72,
    "appointment_date": "2026-12-10",
    "pain_duration_months": 18,
    "pain_locations": ["lower_back", "buttock"],
    "pain_side": "left",
    "pain_triggers": ["sit_to_stand", "stairs"],
    "points_to_si_joint": "yes",
    "pain_average": 7,
    "pain_interference": 6,
    "pain_causes": ["injury"],
    "physical_therapy_tried": "yes",
    "physical_therapy_weeks": 12,
    "physical_therapy_result": "temporary_relief",
    "home_exercise_tried": "yes",
    "home_exercise_weeks": 20,
    "home_exercise_result": "no_relief",
    "medication_tried": "yes",
    "medication_weeks": 30,
    "medication_result": "temporary_relief",
    "activity_modification_tried": "no",
    "si_belt_tried": "no",
    "manual_therapy_tried": "no",
    "steroid_injection_tried": "no",
    "conservative_care_months": 9,
    "exam_done": "yes",
    "exam_result": "reproduced_pain",
    "exam_positive_tests": 4,
    "imaging": ["xray", "mri"],
    "imaging_result": "si_joint_changes",
    "diagnostic_injection": "yes",
    "diagnostic_injection_count": 2,
    "diagnostic_injection_guided": "yes",
    "diagnostic_injection_relief": 80,
    "previous_lumbar_fusion": "no",
    "nicotine_use": "no",
    "red_flags": ["none"],
}

# Only what is required, with no treatments tried.
MINIMAL: dict[str, Any] = {
    "pain_duration_months": 2,
    "pain_locations": ["hip"],
    "pain_average": 3,
    "pain_interference": 2,
    **{f"{t}_tried": "no" for t in TREATMENTS},
    "diagnostic_injection": "no",
    "red_flags": ["none"],
}


def full(**changes: Any) -> dict[str, Any]:
    """FULL with some answers changed; a value of None removes the key."""
    answers = copy.deepcopy(FULL)
    for key, value in changes.items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = CSRF_RE.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)
