"""The patient journey in real Chromium: keyboard only, save and resume, axe-core on every page.

Questionnaire 2026.12: one page per treatment tried, Day/Month/Year boxes, either unit for
height and weight, 0-10 radio scales, and numbing injections 1 and 2 (the `journey` fixture in
conftest.py walks the whole journey).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

AXE_OPTIONS = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
_axe = Axe()
# Screenshots to look at by eye (not compared): SCREENSHOT_DIR, else a folder in the temp dir.
SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "shots")
SAFETY_EMERGENCY = (
    "rf_bladder_bowel",
    "rf_saddle_numbness",
    "rf_leg_weakness",
    "rf_sexual_function",
    "rf_major_trauma",
    "rf_minor_trauma",
)
SAFETY_URGENT = ("rf_fever", "rf_weight_loss", "rf_cancer", "rf_night_pain", "rf_immune", "rf_lump")
EMERGENCY_NO = [f"{k}:no" for k in SAFETY_EMERGENCY if k != "rf_saddle_numbness"]
CHECK_TITLE = "Check your answers before you send them – SI joint screening"
SENT_TITLE = "Your answers have been sent – SI joint screening"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def assert_accessible(page: Page) -> None:
    """axe-core finds no WCAG 2.2 A/AA violation on the page as it is now."""
    results = _axe.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


# --- keyboard helpers: they only press keys; reading where the focus is does not click -----------


def _active(page: Page, expression: str):
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {expression}; }})()")


def tab_to(page: Page, condition: str, limit: int = 150) -> None:
    """Press Tab until the focused element meets a JS condition on `el`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _active(page, f"!!el && ({condition})"):
            return
    raise AssertionError(f"Tab never reached: {condition}")


def key_text(page: Page, key: str, text: str) -> None:
    tab_to(page, f"el.id === {key!r}")
    page.keyboard.type(text)


def key_radio(page: Page, name: str, value: str) -> None:
    """Tab into a radio group, move with the arrow keys, select with Space."""
    tab_to(page, f"el.name === {name!r} && el.type === 'radio'")
    for _ in range(12):
        if _active(page, f"el.value === {value!r}"):
            break
        page.keyboard.press("ArrowDown")
    assert _active(page, f"el.value === {value!r}")
    if not _active(page, "el.checked"):
        page.keyboard.press("Space")
    assert _active(page, "el.checked")


def key_checkbox(page: Page, name: str, value: str) -> None:
    tab_to(page, f"el.name === {name!r} && el.value === {value!r}")
    page.keyboard.press("Space")
    assert _active(page, "el.checked")


def key_button(page: Page, text: str) -> None:
    tab_to(
        page,
        f"(el.tagName === 'BUTTON' || el.tagName === 'A') && el.textContent.trim() === {text!r}",
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")


def expect_step(page: Page, title: str, number: int | None = None, total: int | None = None):
    """The page's title: "<title> – step N of M – SI joint screening"."""
    n = r"\d+" if number is None else str(number)
    m = r"\d+" if total is None else str(total)
    expect(page).to_have_title(
        re.compile(rf"^{re.escape(title)} – step {n} of {m} – SI joint screening$")
    )


def back(page: Page) -> None:
    with page.expect_navigation():
        page.click(".back-link")


# --- tests ------------------------------------------------------------------------------------------


def test_a_patient_completes_the_whole_journey_with_the_keyboard_alone(live_server, page):
    page.goto(live_server.url + "/")
    key_button(page, "Start now")
    expect_step(page, "Before you start: check for signs that need help now", 1, 11)
    for key in SAFETY_EMERGENCY:
        key_radio(page, key, "no")
    key_button(page, "Continue")
    expect_step(page, "More signs to check", 2, 11)
    for key in SAFETY_URGENT:
        key_radio(page, key, "no")
    key_button(page, "Continue")

    expect_step(page, "About you", 3, 11)

    key_text(page, "name", "Kay Board")
    key_text(page, "date_of_birth-day", "1")
    key_text(page, "date_of_birth-month", "6")
    key_text(page, "date_of_birth-year", "1975")
    key_text(page, "height_cm", "168")
    key_text(page, "weight_kg-st", "10")
    key_text(page, "weight_kg-lb", "7")
    key_button(page, "Continue")

    expect_step(page, "Your pain", 4, 11)
    key_text(page, "pain_started-month", "13")  # a mistake first
    key_text(page, "pain_started-year", "2025")
    key_checkbox(page, "pain_locations", "lower_back")
    key_button(page, "Continue")
    expect(page).to_have_title(re.compile(r"^Error: Your pain"))
    # The error summary has the focus; its link takes the keyboard to the box with the problem
    assert _active(page, "el.hasAttribute('data-error-summary')")
    tab_to(page, "el.getAttribute('href') === '#pain_started-month'")
    page.keyboard.press("Enter")
    assert _active(page, "el.id === 'pain_started-month'")
    assert page.input_value("#pain_started-year") == "2025"  # what was typed is kept
    page.keyboard.press("Control+a")
    page.keyboard.type("3")
    key_radio(page, "pain_side", "right")
    key_radio(page, "leg_numbness", "no")
    key_button(page, "Continue")

    expect_step(page, "More about your pain", 5, 11)
    key_checkbox(page, "pain_triggers", "stairs")
    key_radio(page, "points_to_si_joint", "yes")
    key_button(page, "Continue")

    expect_step(page, "How much the pain affects you", 6, 11)
    key_radio(page, "pain_average", "7")
    key_radio(page, "pain_interference", "6")
    key_button(page, "Continue")

    expect_step(page, "Activities the pain makes hard", 7, 11)
    key_text(page, "activity_1", "Tying shoelaces")
    key_radio(page, "activity_1_score", "2")
    key_button(page, "Continue")

    expect_step(page, "Treatments you have tried", 8, 11)
    key_checkbox(page, "treatments_tried", "physical_therapy")
    key_checkbox(page, "treatments_tried", "steroid_injection")
    key_button(page, "Continue")

    # One short page per treatment ticked; the count now includes them
    expect_step(page, "Physical therapy (physiotherapy)", 9, 14)
    key_text(page, "physical_therapy_weeks", "10")
    key_radio(page, "physical_therapy_result", "no_relief")
    key_button(page, "Continue")

    expect_step(page, "A steroid injection into the SI joint to treat the pain", 10, 14)
    key_text(page, "steroid_injection_count", "1")
    key_radio(page, "steroid_injection_result", "temporary_relief")
    key_button(page, "Continue")

    expect_step(page, "When treatment started", 11, 14)
    key_text(page, "treatment_started-month", "9")
    key_text(page, "treatment_started-year", "2025")
    key_button(page, "Continue")

    expect_step(page, "Tests you have had", 12, 14)
    key_radio(page, "exam_done", "yes")
    # The follow-ups are revealed under "Yes" and come next in the tab order
    key_radio(page, "exam_result", "reproduced_pain")
    key_checkbox(page, "imaging", "mri")
    key_radio(page, "imaging_result", "si_joint_changes")
    key_button(page, "Continue")

    expect_step(page, "Numbing injections", 13, 14)
    key_radio(page, "diagnostic_injection", "yes")
    key_text(page, "diagnostic_injection_count", "1")
    key_button(page, "Continue")

    expect_step(page, "Your numbing injections", 14, 15)
    key_radio(page, "injection_1_guidance", "xray_or_ct")
    key_text(page, "injection_1_relief", "75%")
    key_radio(page, "injection_1_relief_lasted", "a_few_hours")
    key_button(page, "Continue")

    expect_step(page, "Other health conditions", 15, 15)
    key_checkbox(page, "other_conditions", "none")
    key_radio(page, "nicotine_use", "no")
    key_button(page, "Continue")

    expect(page).to_have_title(CHECK_TITLE)
    main = page.inner_text("main")
    assert "Kay Board" in main
    assert "March 2025" in main and "September 2025" in main
    assert "10 weeks" in main and "75% less pain" in main
    key_button(page, "Submit your answers")

    expect(page).to_have_title(SENT_TITLE)
    assert re.search(r"SIJ-[A-Z0-9]{4}-[A-Z0-9]{4}", page.inner_text("main"))
    main = page.inner_text("main")
    # What happens next and what the specialist may ask about; never a verdict.
    assert "Things your specialist may ask about" in main
    for verdict in ("Matches", "Does not match", "main criteria", "criteria met"):
        assert verdict not in main, verdict


def test_a_patient_saves_closes_the_browser_and_resumes_with_the_code(
    live_server, browser: Browser, journey
):
    first = browser.new_context()
    page = first.new_page()
    journey.start(page, live_server.url)
    journey.walk(page, ["safety_emergency", "safety_urgent", "about"])
    journey.fill(page, "pain")
    with page.expect_navigation():
        page.click("text=Save and come back later")
    expect(page).to_have_title("Your answers are saved – SI joint screening")
    code = page.inner_text("#resume-code").strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    first.close()

    second = browser.new_context()
    page = second.new_page()
    page.goto(live_server.url + "/step/pain_more")
    assert page.url.rstrip("/") == live_server.url  # no session: back to the start
    with page.expect_navigation():
        page.click("text=Go back to saved answers")
    page.fill("#code", code.lower().replace("-", " "))
    journey.continue_(page)
    # "More about your pain" has only optional questions: it carries on at the next required one
    expect_step(page, "How much the pain affects you", 6, 11)
    page.goto(live_server.url + "/step/pain")
    assert page.input_value("#pain_started-month") == "3"
    assert page.input_value("#pain_started-year") == "2025"
    assert page.is_checked("input[name=pain_locations][value=buttock]")
    page.goto(live_server.url + "/step/about")
    assert page.input_value("#date_of_birth-day") == "29"
    assert page.input_value("#height_cm") == "175"  # 5 ft 9 in, kept in centimetres
    assert page.input_value("#weight_kg") == "72"  # 11 st 4 lb
    page.goto(live_server.url + "/step/pain_more")
    expect(page.locator(".back-link")).to_have_attribute("href", "/step/pain")
    journey.walk(page, journey.order[4:])
    with page.expect_navigation():
        page.click("text=Submit your answers")
    expect(page).to_have_title(SENT_TITLE)
    assert "Sam Patient" not in page.inner_text("main")  # the name is not repeated back
    second.close()


def test_axe_finds_no_violations_on_any_page_of_the_journey(live_server, page, journey):
    url = live_server.url
    page.goto(url + "/")
    assert_accessible(page)
    journey.start(page, url)
    for key in journey.order:
        assert page.url.endswith(f"/step/{key}"), (key, page.url)
        assert_accessible(page)
        if key == "about":
            # Errors beside the boxes of a date and of feet and inches
            journey.fill(
                page,
                key,
                {
                    "text": {
                        "date_of_birth-day": "31",
                        "date_of_birth-month": "2",
                        "date_of_birth-year": "1980",
                        "height_cm-ft": "5",
                        "height_cm-in": "14",
                    }
                },
            )
            journey.continue_(page)
            expect(page).to_have_title(re.compile("^Error: "))
            assert_accessible(page)
            page.fill("#height_cm-in", "")
        if key == "pain":
            # A page with errors
            page.fill("#pain_started-month", "13")
            journey.continue_(page)
            expect(page).to_have_title(re.compile("^Error: "))
            assert page.locator(".error-summary").is_visible()
            assert_accessible(page)
        if key == "tests":
            # Follow-ups revealed
            page.check("input[name=exam_done][value=yes]")
            page.check("input[name=imaging][value=ct]")
            expect(page.locator("#exam_result")).to_be_visible()
            expect(page.locator("input[name=imaging_result]:visible")).to_have_count(4)
            expect(page.locator("#diagnostic_injection")).to_have_count(0)
            assert_accessible(page)
            journey.continue_(page)  # errors for the revealed questions
            assert_accessible(page)
            page.check("input[name=exam_result][value=did_not]")
            page.locator("input[name=imaging_result][value=normal]:visible").check()
            journey.continue_(page)
            continue
        if key == "safety_emergency":
            journey.fill(page, key, {"radios": [*EMERGENCY_NO, "rf_saddle_numbness:yes"]})
            journey.continue_(page)
            expect(page).to_have_title(
                "Call your emergency number or go to an emergency department now – SI joint "
                "screening"
            )
            assert_accessible(page)
            shot(page, "urgent.png")
            with page.expect_navigation():
                page.click("main >> text=Carry on with the questions")
            continue
        journey.fill(page, key)
        journey.continue_(page)
    expect(page).to_have_title(CHECK_TITLE)
    assert_accessible(page)
    # Save-and-resume pages
    page.goto(url + "/step/health")
    with page.expect_navigation():
        page.click("text=Save and come back later")
    assert_accessible(page)
    page.goto(url + "/resume")
    assert_accessible(page)
    page.fill("#code", "AAAA-BBBB")
    journey.continue_(page)
    assert page.locator("#code-error").is_visible()
    assert_accessible(page)
    shot(page, "resume-error.png")
    page.goto(url + "/delete")
    assert_accessible(page)
    page.goto(url + "/check")
    with page.expect_navigation():
        page.click("text=Submit your answers")
    # Confirmation with red flags: the warning comes first
    assert page.locator("main h1").first.inner_text() == (
        "Call your emergency number or go to an emergency department now"
    )
    assert_accessible(page)
    shot(page, "confirmation.png")


def test_delete_pages_have_no_axe_violations(live_server, page, journey):
    journey.start(page, live_server.url)
    with page.expect_navigation():
        page.click("text=Delete my answers")
    assert_accessible(page)
    with page.expect_navigation():
        page.click("text=Yes, delete my answers")
    expect(page).to_have_title("Your answers have been deleted – SI joint screening")
    assert_accessible(page)


def test_works_on_a_320px_wide_screen(live_server, browser: Browser, journey):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()

    def fits(key: str = "") -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{page.url} is {width}px wide"
        if key in ("about", "pain_scores", "treatments", "treatment_physical_therapy"):
            shot(page, f"{key}-320.png")

    journey.start(page, live_server.url)
    journey.walk(page, check=fits)
    fits()
    assert_accessible(page)
    with page.expect_navigation():
        page.click("text=Submit your answers")
    expect(page).to_have_title(SENT_TITLE)
    fits()
    assert_accessible(page)  # the confirmation without red flags
    shot(page, "confirmation-320.png")
    context.close()


def test_date_and_month_boxes_show_errors_beside_the_right_box_on_a_phone(
    live_server, browser: Browser, journey
):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    journey.start(page, live_server.url)
    journey.walk(page, journey.order[:2])
    page.fill("#date_of_birth-day", "14")
    page.fill("#date_of_birth-year", "1972")
    journey.continue_(page)
    expect(page).to_have_title(re.compile("^Error: About you"))
    link = page.locator(".error-summary a")
    expect(link).to_have_count(1)
    expect(link).to_have_text("Your date of birth must include a month")
    expect(link).to_have_attribute("href", "#date_of_birth-month")
    expect(page.locator("#date_of_birth-error")).to_contain_text(
        "Your date of birth must include a month"
    )
    error = re.compile(r"\binput--error\b")
    expect(page.locator("#date_of_birth-month")).to_have_class(error)
    expect(page.locator("#date_of_birth-day")).not_to_have_class(error)
    expect(page.locator("#date_of_birth-year")).not_to_have_class(error)
    assert page.input_value("#date_of_birth-day") == "14"
    assert page.input_value("#date_of_birth-year") == "1972"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_accessible(page)
    shot(page, "date-error-320.png")
    link.click()
    expect(page.locator("#date_of_birth-month")).to_be_focused()
    page.keyboard.type("5")
    journey.continue_(page)

    expect_step(page, "Your pain", 4, 11)
    journey.fill(page, "pain", {"text": {"pain_started-month": "3", "pain_started-year": "25"}})
    journey.continue_(page)
    links = page.locator(".error-summary a")
    expect(links.first).to_have_attribute("href", "#pain_started-year")
    expect(links.first).to_have_text("When the pain started must include a year with 4 numbers")
    expect(page.locator("#pain_started-year")).to_have_class(error)
    expect(page.locator("#pain_started-month")).not_to_have_class(error)
    assert page.input_value("#pain_started-month") == "3"
    assert page.input_value("#pain_started-year") == "25"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_accessible(page)
    context.close()


def test_step_screenshot_on_a_laptop(live_server, page, journey):
    journey.start(page, live_server.url)
    journey.walk(page, ["safety_emergency", "safety_urgent", "about"])
    page.fill("#pain_started-month", "May")
    page.fill("#pain_started-year", "2025")
    journey.continue_(page)
    shot(page, "step-errors.png")
    assert page.evaluate("document.activeElement.className") == "error-summary"
    expect(page.locator(".error-summary a")).to_have_text(
        [
            "When the pain started must be a real date",
            "Select at least one option for where you feel the pain",
        ]
    )
    assert page.input_value("#pain_started-month") == "May"


def test_each_treatment_ticked_gets_its_own_page_and_back_skips_the_others(
    live_server, page, journey
):
    url = live_server.url
    journey.start(page, url)
    journey.walk(page, journey.order[:7])
    expect_step(page, "Treatments you have tried", 8, 11)
    journey.fill(
        page,
        "treatments",
        {"checks": ["treatments_tried:medication", "treatments_tried:radiofrequency_ablation"]},
    )
    journey.continue_(page)
    expect_step(page, "Pain medicine", 9, 14)
    page.fill("#medication_weeks", "30")
    page.check("input[name=medication_result][value=worse]")
    journey.continue_(page)

    expect_step(page, "A nerve treatment with heat (radiofrequency ablation)", 10, 14)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "How did the nerve treatment work for you?"
    )
    expect(page.locator("input[name=radiofrequency_ablation_weeks]")).to_have_count(0)
    # Back goes to the page before among those shown, with its answers kept
    back(page)
    expect_step(page, "Pain medicine", 9, 14)
    assert page.input_value("#medication_weeks") == "30"
    back(page)
    expect_step(page, "Treatments you have tried", 8, 14)
    journey.continue_(page)
    expect_step(page, "Pain medicine", 9, 14)
    journey.continue_(page)
    page.check("input[name=radiofrequency_ablation_result][value=no_relief]")
    journey.continue_(page)
    expect_step(page, "When treatment started", 11, 14)
    back(page)
    expect_step(page, "A nerve treatment with heat (radiofrequency ablation)", 10, 14)
    # A treatment not ticked has no page: a link to it leads to where the patient carries on
    page.goto(url + "/step/treatment_si_belt")
    assert page.url == url + "/step/treatment_started"
    journey.fill(page, "treatment_started")
    journey.continue_(page)
    expect_step(page, "Tests you have had", 12, 14)
    back(page)
    expect_step(page, "When treatment started", 11, 14)


def test_injection_2_is_asked_only_after_2_or_more_injections(live_server, page, journey):
    url = live_server.url
    journey.start(page, url)
    page.goto(url + "/step/injection")
    expect(page.locator("#diagnostic_injection_count")).to_be_hidden()
    page.check("input[name=diagnostic_injection][value=yes]")
    expect(page.locator("#diagnostic_injection_count")).to_be_visible()
    page.fill("#diagnostic_injection_count", "1")
    journey.continue_(page)
    expect_step(page, "Your numbing injections")
    expect(page.get_by_text("Injection 1: what was used to guide the needle?")).to_be_visible()
    expect(page.locator("[name=injection_2_guidance]")).to_have_count(0)
    expect(page.get_by_text("Injection 2", exact=False)).to_have_count(0)

    back(page)
    page.fill("#diagnostic_injection_count", "2")
    journey.continue_(page)
    expect(page.get_by_text("Injection 2: what was used to guide the needle?")).to_be_visible()
    page.check("input[name=injection_1_guidance][value=xray_or_ct]")
    page.fill("#injection_1_relief", "80%")
    page.check("input[name=injection_1_relief_lasted][value=a_day_or_more]")
    journey.continue_(page)
    expect(page.locator(".error-summary a")).to_have_text(
        [
            "Select what guided the needle for injection 2",
            "Enter how much less pain you had after injection 2",
            "Select how long the relief from injection 2 lasted",
        ]
    )
    assert page.input_value("#injection_1_relief") == "80%"
    assert page.is_checked("input[name=injection_1_guidance][value=xray_or_ct]")
    journey.fill(page, "injection_details")
    journey.continue_(page)
    expect_step(page, "Other health conditions")


def test_without_javascript_follow_ups_are_shown_and_ignored_when_not_asked(
    live_server, browser, journey
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    journey.start(page, live_server.url)
    page.goto(live_server.url + "/step/tests")
    assert page.locator("#exam_result").is_visible()
    page.check("input[name=exam_done][value=no]")
    page.check("input[name=exam_result][value=did_not]")  # not asked: ignored
    journey.continue_(page)
    expect_step(page, "Numbing injections")
    page.goto(live_server.url + "/step/tests")
    assert not page.is_checked("input[name=exam_result][value=did_not]")
    # The rest of the journey works without JavaScript too
    page.goto(live_server.url + "/step/safety_emergency")
    journey.walk(page)
    with page.expect_navigation():
        page.click("text=Submit your answers")
    expect(page).to_have_title(SENT_TITLE)
    context.close()


def test_follow_ups_are_hidden_until_their_answer_is_chosen(live_server, page, journey):
    journey.start(page, live_server.url)
    page.goto(live_server.url + "/step/tests")
    expect(page.locator("#exam_result")).to_be_hidden()
    scans_told = page.get_by_text("What were you told about the scans?")
    expect(scans_told.locator("visible=true")).to_have_count(0)
    page.check("input[name=imaging][value=xray]")
    expect(scans_told.locator("visible=true")).to_have_count(1)
    page.uncheck("input[name=imaging][value=xray]")
    expect(scans_told.locator("visible=true")).to_have_count(0)
    page.check("input[name=exam_done][value=yes]")
    expect(page.locator("#exam_result")).to_be_visible()
    page.check("input[name=exam_done][value=no]")
    expect(page.locator("#exam_result")).to_be_hidden()


def test_what_a_different_problem_was_is_revealed_whichever_scan_was_ticked(
    live_server, page, journey
):
    journey.start(page, live_server.url)
    page.goto(live_server.url + "/step/tests")
    page.check("input[name=imaging][value=mri]")
    page.locator("input[name=imaging_result][value=other_problem]:visible").check()
    problem = page.get_by_text("What problem did the scans show?")
    expect(problem.locator("visible=true")).to_have_count(1)
    page.locator("input[name=imaging_other_problem][value=disc_problem]:visible").check()
    journey.continue_(page)
    expect_step(page, "Numbing injections")
    page.goto(live_server.url + "/step/tests")
    expect(
        page.locator("input[name=imaging_other_problem][value=disc_problem]:checked")
    ).to_have_count(1)


def test_none_of_these_clears_the_other_boxes_with_javascript(live_server, page, journey):
    journey.start(page, live_server.url)
    page.goto(live_server.url + "/step/health")
    page.check("input[name=other_conditions][value=fibromyalgia]")
    page.check("input[name=other_conditions][value=none]")
    expect(page.locator("input[name=other_conditions][value=fibromyalgia]")).not_to_be_checked()
    page.check("input[name=other_conditions][value=osteoporosis]")
    expect(page.locator("input[name=other_conditions][value=none]")).not_to_be_checked()
    expect(page.locator("input[name=other_conditions][value=osteoporosis]")).to_be_checked()
    page.goto(live_server.url + "/step/treatments")
    page.check("input[name=treatments_tried][value=si_belt]")
    page.check("input[name=treatments_tried][value=medication]")
    page.check("input[name=treatments_tried][value=none]")
    expect(page.locator("input[name=treatments_tried]:checked")).to_have_count(1)
    expect(page.locator("input[name=treatments_tried][value=none]")).to_be_checked()


def test_check_answers_change_links_and_treatments_changed_from_there(live_server, page, journey):
    journey.start(page, live_server.url)
    journey.walk(page)
    expect(page).to_have_title(CHECK_TITLE)
    shot(page, "check.png")
    rows = page.locator(".summary-list__row")
    assert rows.count() > 30
    main = page.inner_text("main")
    assert "29 February 1980" in main and "175 cm" in main and "72 kg" in main
    assert "A steroid injection into the SI joint to treat the pain" in main
    # A Change link goes to the question and comes back here
    with page.expect_navigation():
        page.click("a[href='/step/pain?return=check#pain_started']")
    page.fill("#pain_started-month", "11")
    page.fill("#pain_started-year", "2024")
    journey.continue_(page)
    expect(page).to_have_title(CHECK_TITLE)
    assert "November 2024" in page.inner_text("main")

    # Untick one treatment and tick another: the new one's page is asked, then back here
    with page.expect_navigation():
        page.click("a[href='/step/treatments?return=check#treatments_tried']")
    page.uncheck("input[name=treatments_tried][value=steroid_injection]")
    page.check("input[name=treatments_tried][value=si_belt]")
    journey.continue_(page)
    expect_step(page, "A pelvic or SI joint belt (brace)")
    assert page.url.endswith("/step/treatment_si_belt?return=check")
    expect(page.locator(".back-link")).to_have_attribute("href", "/check")
    page.fill("#si_belt_weeks", "8")
    page.check("input[name=si_belt_result][value=no_relief]")
    journey.continue_(page)
    expect(page).to_have_title(CHECK_TITLE)
    belt = page.locator(
        "xpath=//dt[normalize-space()='A pelvic or SI joint belt (brace)']/following-sibling::dd[1]"
    )
    expect(belt).to_have_text("8 weeks · It did not help")
    main = page.inner_text("main")
    assert "A steroid injection into the SI joint to treat the pain" not in main
    expect(page.locator("a[href^='/step/treatment_steroid_injection']")).to_have_count(0)

    page.goto(live_server.url + "/step/health")
    with page.expect_navigation():
        page.click("text=Save and come back later")
    shot(page, "saved.png")
    page.goto(live_server.url + "/")
    shot(page, "start.png")


def test_on_a_shared_device_finish_and_close_leaves_nothing_to_see(live_server, page, journey):
    journey.start(page, live_server.url)
    journey.walk(page)
    with page.expect_navigation():
        page.click("text=Submit your answers")
    expect(page).to_have_title(SENT_TITLE)
    reference = re.search(r"SIJ-[A-Z0-9]{4}-[A-Z0-9]{4}", page.inner_text("main")).group(0)

    with page.expect_navigation():
        page.get_by_role("button", name="Finish and close").click()
    expect(page).to_have_title("You have finished – SI joint screening")
    assert_accessible(page)
    # The next person on this device: Back, the confirmation and the summary show nothing.
    page.go_back()
    assert reference not in page.content() and "Sam Patient" not in page.content()
    for path in ("/confirmation", "/summary"):
        page.goto(live_server.url + path)
        assert reference not in page.content() and "Sam Patient" not in page.content()
    assert page.context.request.get(live_server.url + "/summary.pdf").status == 404
