"""The patient journey in real Chromium: keyboard only, save and resume, axe-core on every page."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from support.browser import STEP_ORDER, continue_, fill_step, start

pytestmark = pytest.mark.browser

AXE_OPTIONS = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
_axe = Axe()
# Screenshots to look at by eye (not compared): SCREENSHOT_DIR, else a folder in the temp dir.
SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "shots")


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
    for _ in range(10):
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


def expect_step(page: Page, title: str) -> None:
    expect(page).to_have_title(
        re.compile(rf"^{re.escape(title)} – step \d+ of \d+ – SI joint screening$")
    )


# --- tests ------------------------------------------------------------------------------------------


def test_a_patient_completes_the_whole_journey_with_the_keyboard_alone(live_server, page):
    page.goto(live_server.url + "/")
    key_button(page, "Start now")
    expect_step(page, "About you")

    key_text(page, "name", "Kay Board")
    key_text(page, "date_of_birth", "1975-06-01")
    key_button(page, "Continue")

    expect_step(page, "Your pain")
    key_text(page, "pain_duration_months", "six")  # a mistake first
    key_checkbox(page, "pain_locations", "lower_back")
    key_button(page, "Continue")
    expect(page).to_have_title(re.compile(r"^Error: Your pain"))
    # The error summary has the focus; its link takes the keyboard to the field
    assert _active(page, "el.hasAttribute('data-error-summary')")
    tab_to(page, "el.getAttribute('href') === '#pain_duration_months'")
    page.keyboard.press("Enter")
    assert _active(page, "el.id === 'pain_duration_months'")
    page.keyboard.press("Control+a")
    page.keyboard.type("18")
    key_radio(page, "pain_side", "right")
    key_button(page, "Continue")

    expect_step(page, "More about your pain")
    key_checkbox(page, "pain_triggers", "stairs")
    key_radio(page, "points_to_si_joint", "yes")
    key_button(page, "Continue")

    expect_step(page, "How much the pain affects you")
    key_text(page, "pain_average", "7")
    key_text(page, "pain_interference", "6")
    key_button(page, "Continue")

    expect_step(page, "Treatments you have tried")
    key_radio(page, "physical_therapy_tried", "yes")
    # The follow-ups are revealed under "Yes" and come next in the tab order
    key_text(page, "physical_therapy_weeks", "10")
    key_radio(page, "physical_therapy_result", "no_relief")
    key_radio(page, "home_exercise_tried", "yes")
    key_text(page, "home_exercise_weeks", "20")
    key_radio(page, "home_exercise_result", "temporary_relief")
    key_radio(page, "medication_tried", "no")
    key_radio(page, "activity_modification_tried", "no")
    key_button(page, "Continue")

    expect_step(page, "More treatments you have tried")
    key_radio(page, "si_belt_tried", "no")
    key_radio(page, "manual_therapy_tried", "no")
    key_radio(page, "steroid_injection_tried", "no")
    key_text(page, "conservative_care_months", "8")
    key_button(page, "Continue")

    expect_step(page, "Tests you have had")
    key_radio(page, "exam_done", "yes")
    key_radio(page, "exam_result", "reproduced_pain")
    key_checkbox(page, "imaging", "mri")
    key_radio(page, "imaging_result", "si_joint_changes")
    key_button(page, "Continue")

    expect_step(page, "Numbing injection")
    key_radio(page, "diagnostic_injection", "yes")
    key_text(page, "diagnostic_injection_count", "1")
    key_radio(page, "diagnostic_injection_guided", "yes")
    key_text(page, "diagnostic_injection_relief", "75")
    key_button(page, "Continue")

    expect_step(page, "Other health conditions")
    key_radio(page, "nicotine_use", "no")
    key_button(page, "Continue")

    expect_step(page, "Safety questions")
    key_checkbox(page, "red_flags", "none")
    key_button(page, "Continue")

    expect(page).to_have_title("Check your answers before you send them – SI joint screening")
    assert "Kay Board" in page.content()
    key_button(page, "Submit your answers")

    expect(page).to_have_title("Your answers have been sent – SI joint screening")
    text = page.inner_text("main")
    assert re.search(r"SIJ-[A-Z0-9]{4}-[A-Z0-9]{4}", text)
    assert (
        "Your answer: 18 months. The criteria look for: Pain for at least 3 months. Matches."
        in text
    )


def test_a_patient_saves_closes_the_browser_and_resumes_with_the_code(
    live_server, browser: Browser
):
    first = browser.new_context()
    page = first.new_page()
    start(page, live_server.url)
    fill_step(page, "about")
    continue_(page)
    fill_step(page, "pain")
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
    continue_(page)
    # "More about your pain" has only optional questions: it carries on at the next required one
    expect_step(page, "How much the pain affects you")
    page.goto(live_server.url + "/step/pain")
    assert page.input_value("#pain_duration_months") == "18"
    assert page.is_checked("input[name=pain_locations][value=buttock]")
    page.goto(live_server.url + "/step/pain_more")
    expect(page.locator(".back-link")).to_have_attribute("href", "/step/pain")
    for key in STEP_ORDER[2:]:
        fill_step(page, key)
        continue_(page)
    with page.expect_navigation():
        page.click("text=Submit your answers")
    expect(page).to_have_title("Your answers have been sent – SI joint screening")
    assert "Sam Patient" not in page.inner_text("main")  # the name is not repeated back
    second.close()


def test_axe_finds_no_violations_on_any_page_of_the_journey(live_server, page):
    url = live_server.url
    page.goto(url + "/")
    assert_accessible(page)
    start(page, url)
    for key in STEP_ORDER:
        assert_accessible(page)
        if key == "pain":
            # A page with errors
            page.fill("#pain_duration_months", "-4")
            continue_(page)
            expect(page).to_have_title(re.compile("^Error: "))
            assert page.locator(".error-summary").is_visible()
            assert_accessible(page)
        if key == "tests":
            # Follow-ups revealed
            page.check("input[name=exam_done][value=yes]")
            page.check("input[name=imaging][value=ct]")
            expect(page.locator("#exam_result")).to_be_visible()
            expect(page.locator("#imaging_result")).to_be_visible()
            expect(page.locator("#diagnostic_injection")).to_have_count(0)
            assert_accessible(page)
            continue_(page)  # errors for the revealed questions
            assert_accessible(page)
            fill_step(page, key, {"radios": ["exam_result:did_not", "imaging_result:normal"]})
            continue_(page)
            continue
        if key == "safety":
            fill_step(page, key, {"checks": ["red_flags:saddle_numbness"]})
            continue_(page)
            expect(page).to_have_title("Get urgent medical help now – SI joint screening")
            assert_accessible(page)
            shot(page, "urgent.png")
            with page.expect_navigation():
                page.click("main >> text=Continue")
            continue
        fill_step(page, key)
        continue_(page)
    expect(page).to_have_title("Check your answers before you send them – SI joint screening")
    assert_accessible(page)
    # Save-and-resume pages
    page.goto(url + "/step/health")
    with page.expect_navigation():
        page.click("text=Save and come back later")
    assert_accessible(page)
    page.goto(url + "/resume")
    assert_accessible(page)
    page.fill("#code", "AAAA-BBBB")
    continue_(page)
    assert page.locator("#code-error").is_visible()
    assert_accessible(page)
    shot(page, "resume-error.png")
    page.goto(url + "/delete")
    assert_accessible(page)
    page.goto(url + "/check")
    with page.expect_navigation():
        page.click("text=Submit your answers")
    # Confirmation with red flags: the warning comes first
    assert page.locator("main h1").first.inner_text() == "Get urgent medical help now"
    assert_accessible(page)
    shot(page, "confirmation.png")


def test_delete_pages_have_no_axe_violations(live_server, page):
    start(page, live_server.url)
    with page.expect_navigation():
        page.click("text=Delete my answers")
    assert_accessible(page)
    with page.expect_navigation():
        page.click("text=Yes, delete my answers")
    expect(page).to_have_title("Your answers have been deleted – SI joint screening")
    assert_accessible(page)


def test_works_on_a_320px_wide_screen(live_server, browser: Browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()

    def fits() -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{page.url} is {width}px wide"

    start(page, live_server.url)
    for key in STEP_ORDER:
        if key == "treatments_exercise":
            page.check("input[name=physical_therapy_tried][value=yes]")
            fits()
            shot(page, "step-320.png")
        fill_step(page, key)
        fits()
        continue_(page)
    fits()
    assert_accessible(page)
    with page.expect_navigation():
        page.click("text=Submit your answers")
    fits()
    assert_accessible(page)  # the confirmation without red flags
    shot(page, "confirmation-320.png")
    context.close()


def test_step_screenshot_on_a_laptop(live_server, page):
    start(page, live_server.url)
    fill_step(page, "about")
    continue_(page)
    page.fill("#pain_duration_months", "six")
    continue_(page)
    shot(page, "step-errors.png")
    assert page.evaluate("document.activeElement.className") == "error-summary"


def test_without_javascript_follow_ups_are_shown_and_ignored_when_not_asked(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    start(page, live_server.url)
    page.goto(live_server.url + "/step/tests")
    assert page.locator("#exam_result").is_visible()
    page.check("input[name=exam_done][value=no]")
    page.check("input[name=exam_result][value=did_not]")  # not asked: ignored
    continue_(page)
    expect_step(page, "Numbing injection")
    page.goto(live_server.url + "/step/tests")
    assert not page.is_checked("input[name=exam_result][value=did_not]")
    # The rest of the journey works without JavaScript too
    page.goto(live_server.url + "/step/about")
    for key in STEP_ORDER:
        fill_step(page, key)
        continue_(page)
    with page.expect_navigation():
        page.click("text=Submit your answers")
    expect(page).to_have_title("Your answers have been sent – SI joint screening")
    context.close()


def test_follow_ups_are_hidden_until_their_answer_is_chosen(live_server, page):
    start(page, live_server.url)
    page.goto(live_server.url + "/step/tests")
    expect(page.locator("#exam_result")).to_be_hidden()
    expect(page.locator("#imaging_result")).to_be_hidden()
    page.check("input[name=imaging][value=xray]")
    expect(page.locator("#imaging_result")).to_be_visible()
    page.uncheck("input[name=imaging][value=xray]")
    expect(page.locator("#imaging_result")).to_be_hidden()
    page.check("input[name=exam_done][value=yes]")
    expect(page.locator("#exam_result")).to_be_visible()
    page.check("input[name=exam_done][value=no]")
    expect(page.locator("#exam_result")).to_be_hidden()


def test_none_of_these_clears_the_other_boxes_with_javascript(live_server, page):
    start(page, live_server.url)
    page.goto(live_server.url + "/step/safety")
    page.check("input[name=red_flags][value=cancer_history]")
    page.check("input[name=red_flags][value=none]")
    expect(page.locator("input[name=red_flags][value=cancer_history]")).not_to_be_checked()
    page.check("input[name=red_flags][value=leg_weakness]")
    expect(page.locator("input[name=red_flags][value=none]")).not_to_be_checked()
    expect(page.locator("input[name=red_flags][value=leg_weakness]")).to_be_checked()


def test_check_answers_and_saved_pages_look_right(live_server, page):
    start(page, live_server.url)
    for key in STEP_ORDER:
        fill_step(page, key)
        continue_(page)
    shot(page, "check.png")
    rows = page.locator(".summary-list__row")
    assert rows.count() > 20
    # A Change link goes to the question and comes back here
    with page.expect_navigation():
        page.click("a[href='/step/pain?return=check#pain_duration_months']")
    page.fill("#pain_duration_months", "30")
    continue_(page)
    expect(page).to_have_title("Check your answers before you send them – SI joint screening")
    assert "30 months" in page.inner_text("main")
    page.goto(live_server.url + "/step/health")
    with page.expect_navigation():
        page.click("text=Save and come back later")
    shot(page, "saved.png")
    page.goto(live_server.url + "/")
    shot(page, "start.png")


def test_on_a_shared_device_finish_and_close_leaves_nothing_to_see(live_server, page):
    start(page, live_server.url)
    for key in STEP_ORDER:
        fill_step(page, key)
        continue_(page)
    with page.expect_navigation():
        page.click("text=Submit your answers")
    expect(page).to_have_title("Your answers have been sent – SI joint screening")
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
