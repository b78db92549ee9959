"""Helpers for the Chromium tests: what a patient types on each step, and moving through it."""

from __future__ import annotations

from playwright.sync_api import Page

# What the browser tests fill in on each step, a complete journey with no red flag: radios and
# checkboxes as "name:value", text fields by id. (The web and unit tests use support.FULL.)
STEP_FILLS = {
    "about": {"text": {"name": "Sam Patient", "date_of_birth": "1980-02-29"}},
    "pain": {
        "text": {"pain_duration_months": "18"},
        "checks": ["pain_locations:lower_back", "pain_locations:buttock"],
        "radios": ["pain_side:left"],
    },
    "pain_more": {"radios": ["points_to_si_joint:yes"], "checks": ["pain_triggers:stairs"]},
    "pain_scores": {"text": {"pain_average": "7", "pain_interference": "6"}},
    "treatments_exercise": {
        "radios": [
            "physical_therapy_tried:yes",
            "physical_therapy_result:temporary_relief",
            "home_exercise_tried:no",
            "medication_tried:no",
            "activity_modification_tried:no",
        ],
        "text": {"physical_therapy_weeks": "12"},
    },
    "treatments_other": {
        "radios": ["si_belt_tried:no", "manual_therapy_tried:no", "steroid_injection_tried:no"],
        "text": {"conservative_care_months": "6"},
    },
    "tests": {"radios": ["exam_done:no"]},
    "injection": {"radios": ["diagnostic_injection:no"]},
    "health": {"radios": ["nicotine_use:no"]},
    "safety": {"checks": ["red_flags:none"]},
}
STEP_ORDER = list(STEP_FILLS)


def fill_step(page: Page, key: str, answers: dict | None = None) -> None:
    """Fill one step with STEP_FILLS (or the given spec), without submitting it."""
    spec = STEP_FILLS[key] if answers is None else answers
    # Radios first: they reveal follow-up questions.
    for item in spec.get("radios", []):
        name, value = item.split(":")
        page.check(f"input[name={name}][value={value}]")
    for item in spec.get("checks", []):
        name, value = item.split(":")
        page.check(f"input[name={name}][value={value}]")
    for name, text in spec.get("text", {}).items():
        page.fill(f"#{name}", text)


def continue_(page: Page) -> None:
    """Select Continue and wait for the next page."""
    with page.expect_navigation():
        page.click("button[value=continue]")


def start(page: Page, url: str) -> None:
    """Open the start page and select Start now."""
    page.goto(url + "/")
    with page.expect_navigation():
        page.click("text=Start now")
