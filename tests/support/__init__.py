"""Shared test data and helpers: realistic valid answers, and reading CSRF tokens from pages.

`FULL` is the one set of realistic answers every test uses (changed with `full(...)`),
`MINIMAL` the least a patient must answer. Helpers for the clinician side are in
`support.clinic`, the real SMTP server of the mail tests in `support.mail`; the Chromium tests'
journey and clinician sign-in helpers are in tests/browser/conftest.py. Test modules import from here,
never from each other.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from benchmarks import harness
from screening.questionnaire import TREATMENT_KEYS

TREATMENTS = TREATMENT_KEYS

# Matches every core criterion of both profiles; the README's example for the CLI too.
EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "docs" / "example-answers.json"
FULL: dict[str, Any] = json.loads(EXAMPLE_FILE.read_text())

# The twelve safety questions, asked first (emergency, then urgent), in the order asked.
RED_FLAG_KEYS = (
    "rf_bladder_bowel",
    "rf_saddle_numbness",
    "rf_leg_weakness",
    "rf_sexual_function",
    "rf_major_trauma",
    "rf_minor_trauma",
    "rf_fever",
    "rf_weight_loss",
    "rf_cancer",
    "rf_night_pain",
    "rf_immune",
    "rf_lump",
)

EMERGENCY_KEYS = RED_FLAG_KEYS[:6]  # the first safety page
URGENT_KEYS = RED_FLAG_KEYS[6:]  # the second

# Only what is required, with no treatments tried.
MINIMAL: dict[str, Any] = {
    "pain_started": "2026-10",
    "pain_locations": ["hip"],
    "pain_average": 3,
    "pain_interference": 2,
    "treatments_tried": ["none"],
    "diagnostic_injection": "no",
    **dict.fromkeys(RED_FLAG_KEYS, "no"),
}


# FULL with every treatment tried, each with its own answers: every page is shown.
EVERY_TREATMENT: dict[str, Any] = {
    **FULL,
    "treatments_tried": [
        "physical_therapy",
        "home_exercise",
        "medication",
        "activity_modification",
        "si_belt",
        "manual_therapy",
        "steroid_injection",
        "radiofrequency_ablation",
    ],
    "manual_therapy_weeks": 6,
    "manual_therapy_result": "temporary_relief",
    "steroid_injection_count": 2,
    "steroid_injection_relief_weeks": 3,
    "steroid_injection_result": "temporary_relief",
    "radiofrequency_ablation_result": "no_relief",
}


def full(**changes: Any) -> dict[str, Any]:
    """FULL with some answers changed; None removes a key, and so does an empty list."""
    answers = copy.deepcopy(FULL)
    for key, value in changes.items():
        if value is None or value == []:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


def form_data(step: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """A step's form body as a browser sends it: strings, one value per checked box, dates
    as Day/Month/Year boxes (the load benchmark posts the same way)."""
    return harness.step_post(step, answers)


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = CSRF_RE.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


def sent_from(client: Any, answers: dict[str, Any] | None = None, *, close: bool = False) -> Any:
    """A complete draft (FULL, or `answers`) bound to `client` by Start now, then sent from it
    with the check page's button, as a patient does; the sent Screening, read again.

    With `close`, the response to the submit is closed as a WSGI server closes it once it is sent
    (the test client leaves it open): that is when the app's on-close work, such as pre-rendering
    the clinic's PDF, starts."""
    from sqlalchemy import select, update

    from screening.extensions import db
    from screening.models import Screening

    assert client.post("/start").status_code == 302
    screening = db.session.scalar(select(Screening).order_by(Screening.id.desc()))
    db.session.execute(
        update(Screening)
        .values(answers=dict(FULL if answers is None else answers))
        .where(Screening.id == screening.id)
    )
    db.session.commit()
    response = client.post("/check")
    assert response.status_code == 302 and response.location == "/confirmation"
    if close:
        response.close()
    db.session.expire_all()
    return db.session.get(Screening, screening.id)
