"""The exported FHIR in a real SDC client: LHC-Forms (NLM's form renderer, the `lforms` npm
package) in Chromium renders the current Questionnaire, and takes each exported
QuestionnaireResponse back with the same answers.

LHC-Forms is served from node_modules (`make install` runs `npm ci`; package-lock.json pins
it), through Playwright's routing on a made-up origin: every request the page makes is answered
from disk or refused, so nothing comes from a CDN or the network. A missing node_modules fails
the test with what to run, never skips it.

How LHC-Forms shows an item (version 40): an element `<lhc-item id="item-<linkId>/1/1">` (the
numbers are the repetitions of the item and of each group around it), radio buttons in
`lhc-item-choice-radio-button`, checkboxes in `lhc-item-choice-check-box`, a help button
`help-button-<linkId>/1/1` for a question with help text (a display item with itemControl
"help"), and no element at all for an item whose enableWhen does not hold.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route
from support import EVERY_TREATMENT, MINIMAL
from support.clinic import make_screening

from screening import drafts, fhir, questionnaire
from screening.extensions import db

ROOT = Path(__file__).resolve().parents[2]
LFORMS = ROOT / "node_modules" / "lforms"
DIST = LFORMS / "dist" / "lforms"
ORIGIN = "http://lforms.test"
# The files the LHC-Forms README says to load (web component, zone.js, the R4 FHIR library).
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LHC-Forms</title>
<link rel="stylesheet" href="/webcomponent/styles.css">
<script src="/webcomponent/assets/lib/zone.min.js"></script>
<script src="/webcomponent/runtime.js" type="module"></script>
<script src="/webcomponent/polyfills.js" type="module"></script>
<script src="/webcomponent/main.js" type="module"></script>
<script src="/fhir/R4/lformsFHIR.min.js" defer></script>
</head><body><div id="form"></div></body></html>"""
LFORMS_VERSION = "40.1.3"  # package.json pins it; the test reads what the page runs


@pytest.fixture(scope="module")
def lforms_dist() -> Path:
    """node_modules/lforms/dist/lforms, after checking it is the pinned version."""
    if not (LFORMS / "package.json").exists():
        pytest.fail("node_modules/lforms is missing: run `make install` (npm ci)")
    installed = json.loads((LFORMS / "package.json").read_text())["version"]
    assert installed == LFORMS_VERSION, f"lforms {installed} installed: run `make install`"
    return DIST


@pytest.fixture
def lforms(browser: Browser, lforms_dist: Path) -> Iterator[Page]:
    """A page with LHC-Forms loaded from node_modules, and its R4 FHIR library."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused: list[str] = []
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def serve(route: Route) -> None:
        url = route.request.url
        if not url.startswith(ORIGIN + "/"):
            refused.append(url)
            route.abort()
            return
        path = url[len(ORIGIN) :].split("?")[0].split("#")[0]
        if path == "/":
            route.fulfill(status=200, content_type="text/html", body=PAGE)
            return
        file = (lforms_dist / path.lstrip("/")).resolve()
        if lforms_dist in file.parents and file.is_file():
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            route.fulfill(status=200, content_type=kind, body=file.read_bytes())
        else:
            route.fulfill(status=404, body="")

    context.route("**/*", serve)
    page.goto(ORIGIN + "/")
    page.wait_for_function("() => window.LForms && LForms.Util && LForms.FHIR && LForms.FHIR.R4")
    assert page.evaluate("() => LForms.lformsVersion") == LFORMS_VERSION
    yield page
    assert refused == [], f"LHC-Forms asked for files from elsewhere: {refused}"
    assert errors == [], f"errors in the page: {errors}"
    context.close()


def show(page: Page, q: dict[str, Any], qr: dict[str, Any] | None = None) -> None:
    """The Questionnaire in the form, with a QuestionnaireResponse's answers merged in if given."""
    page.evaluate(
        """([q, qr]) => {
            let form = LForms.Util.convertFHIRQuestionnaireToLForms(q, 'R4');
            if (qr) form = LForms.Util.mergeFHIRDataIntoLForms('QuestionnaireResponse', qr, form, 'R4');
            return LForms.Util.addFormToPage(form, 'form', {fhirVersion: 'R4'});
        }""",
        [q, qr],
    )
    page.wait_for_selector("#form lhc-item")


def item(page: Page, link_id: str):
    """The rendered item of a linkId (the slash ends the linkId: imaging is not imaging_result)."""
    return page.locator(f'#form lhc-item[id^="item-{link_id}/"]')


def rendered(page: Page) -> set[str]:
    """The linkIds of every item LHC-Forms shows."""
    ids = page.eval_on_selector_all("#form lhc-item[id^='item-']", "els => els.map(e => e.id)")
    return {i.removeprefix("item-").split("/")[0] for i in ids}


def _items(resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for i in resource.get("item", []):
        yield i
        yield from _items(i)
        for a in i.get("answer", []):
            yield from _items(a)


def _help_items(q: dict[str, Any]) -> dict[str, str]:
    """{question linkId: help text} of the display items with itemControl "help"."""
    out = {}

    def walk(items: list[dict[str, Any]]) -> None:
        for i in items:
            for child in i.get("item", []):
                controls = [
                    c.get("code")
                    for e in child.get("extension", [])
                    if e["url"].endswith("questionnaire-itemControl")
                    for c in e["valueCodeableConcept"]["coding"]
                ]
                if child["type"] == "display" and "help" in controls:
                    out[i["linkId"]] = child["text"]
            walk(i.get("item", []))

    walk(q.get("item", []))
    return out


def answers_by_path(qr: dict[str, Any]) -> dict[tuple[str, ...], list[tuple]]:
    """The answers of a QuestionnaireResponse, by the linkIds from the top group down to the
    question, each answer as (kind, value): a Coding as its system, code and display; other
    values as they are. Compared as sorted lists: the order of a multi-choice's answers, like
    everything outside `item[].answer[].value[x]` and the linkIds (ids, authored, status,
    subject, extensions, item text), is left out of the comparison."""
    out: dict[tuple[str, ...], list[tuple]] = {}

    def walk(items: list[dict[str, Any]], path: tuple[str, ...]) -> None:
        for i in items:
            here = (*path, i["linkId"])
            values = []
            for a in i.get("answer", []):
                [(kind, value)] = [(k, v) for k, v in a.items() if k.startswith("value")]
                if kind == "valueCoding":
                    value = (value.get("system"), value.get("code"), value.get("display"))
                values.append((kind, value))
                walk(a.get("item", []), here)
            if values:
                out[here] = sorted(values, key=repr)
            walk(i.get("item", []), here)

    walk(qr.get("item", []), ())
    return out


# --- the Questionnaire ---------------------------------------------------------------------------


def test_lforms_renders_every_item_with_its_control_and_help_text(app, lforms):
    q = fhir.fhir_questionnaire()
    # With the answers of a patient who tried every treatment and had two injections, every
    # question but the few that the answers rule out is asked: the Questionnaire in full.
    answers = {**EVERY_TREATMENT, "imaging_result": "other_problem"}
    answers.setdefault("imaging_other_problem", ["disc_problem"])
    show(lforms, q, _response_of(answers))
    shown = rendered(lforms)
    helps = _help_items(q)
    groups = {i["linkId"] for i in _items(q) if i["type"] == "group"}
    expected = {q_.key for q_ in questionnaire.QUESTIONS if q_.is_asked(answers)}
    assert len(expected) > 50
    assert groups <= shown, sorted(groups - shown)
    assert expected <= shown, sorted(expected - shown)
    # Help items are not items of their own: their text is the question's help.
    assert not (shown & {f"{k}-help" for k in helps})
    assert shown <= expected | groups, sorted(shown - expected - groups)
    wrong = []
    for q_ in questionnaire.QUESTIONS:
        if q_.key not in expected:
            continue
        box = item(lforms, q_.key)
        radios = box.locator("lhc-item-choice-radio-button").count()
        checks = box.locator("lhc-item-choice-check-box").count()
        if q_.type == "single" and not radios:
            wrong.append(f"{q_.key}: single choice without radio buttons")
        if q_.type == "multi" and not checks:
            wrong.append(f"{q_.key}: multiple choice without checkboxes")
        if q_.type not in ("single", "multi") and (radios or checks):
            wrong.append(f"{q_.key}: {q_.type} shown as a choice")
        if q_.choices and (radios or checks):
            labels = box.locator("label.ant-radio-wrapper, label.ant-checkbox-wrapper")
            if labels.count() != len(q_.choices):
                wrong.append(f"{q_.key}: {labels.count()} options, not {len(q_.choices)}")
        has_help = lforms.locator(f'[id^="help-button-{q_.key}/"]').count() > 0
        if bool(q_.hint) != has_help:
            wrong.append(f"{q_.key}: {'no ' if q_.hint else ''}help button")
    assert wrong == [], "\n".join(wrong)
    # Every question with a hint has it as help text, and LHC-Forms shows it on request.
    hinted = [q_ for q_ in questionnaire.QUESTIONS if q_.hint and q_.key in expected]
    assert {q_.key for q_ in hinted} == set(helps) & expected
    for q_ in hinted[:3]:
        assert helps[q_.key] == str(q_.hint)
        button = lforms.locator(f'[id^="help-button-{q_.key}/"]').first
        button.click()
        popover = lforms.locator(".lhc-popover-help").filter(has_text=str(q_.hint))
        popover.wait_for(state="visible")


def choose(page: Page, link_id: str, code: str) -> None:
    """Select (or clear) an option of a choice item, by its code: LHC-Forms gives each option's
    label the id "<linkId>/1/1|<system>|<code>"."""
    item(page, link_id).locator(f'label[id$="|{code}"]').first.click()


def test_lforms_enable_when_shows_and_hides_dependents(app, lforms):
    show(lforms, fhir.fhir_questionnaire())
    shown = rendered(lforms)
    # Before any answer only the questions without conditions are there.
    assert shown >= {q.key for q in questionnaire.QUESTIONS if not q.when}
    assert not shown & {q.key for q in questionnaire.QUESTIONS if q.when}
    result = item(lforms, "imaging_result")
    assert result.count() == 0
    choose(lforms, "imaging", "xray")  # imaging_result: when imaging contains an X-ray, CT or MRI
    result.wait_for(state="visible")
    # Its own dependent, in turn.
    assert item(lforms, "imaging_other_problem").count() == 0
    choose(lforms, "imaging_result", "other_problem")
    item(lforms, "imaging_other_problem").wait_for(state="visible")
    # And hidden again when the answer that showed them is taken back.
    choose(lforms, "imaging", "xray")
    result.wait_for(state="detached")
    assert item(lforms, "imaging_other_problem").count() == 0
    # A number: injection 2's questions once two injections are said (">=" on an integer).
    choose(lforms, "diagnostic_injection", "yes")
    count = item(lforms, "diagnostic_injection_count").locator("input").first
    count.fill("1")
    count.press("Tab")
    item(lforms, "injection_1_guidance").wait_for(state="visible")
    assert item(lforms, "injection_2_guidance").count() == 0
    count.fill("2")
    count.press("Tab")
    item(lforms, "injection_2_guidance").wait_for(state="visible")
    count.fill("1")
    count.press("Tab")
    item(lforms, "injection_2_guidance").wait_for(state="detached")


# --- the responses --------------------------------------------------------------------------------


def _response_of(answers: dict[str, Any]) -> dict[str, Any]:
    screening = drafts.create_draft()
    screening.answers = dict(answers)
    drafts.submit(screening)
    db.session.commit()
    return fhir.fhir_questionnaire_response(screening)


def _minimal() -> dict[str, Any]:
    return _response_of(MINIMAL)


def _example() -> dict[str, Any]:
    return fhir.fhir_questionnaire_response(make_screening())


def _red_flags() -> dict[str, Any]:
    s = make_screening(rf_saddle_numbness="yes", rf_fever="yes", rf_cancer="yes")
    assert s.has_red_flags
    return fhir.fhir_questionnaire_response(s)


def _to_month(link_id: str, answer: tuple) -> tuple:
    """A month answer ("2025-05", a partial FHIR date) read back at the exported precision.
    LHC-Forms takes only complete dates (its r4-support.md: "The date in 'date' 'dateTime' must
    be complete dates") and gives "2025-05" back as "2025-05-01"; that exact form, and only it,
    is read as the month. Any other change of a date still differs."""
    q = questionnaire.BY_KEY.get(link_id)
    kind, value = answer
    if (
        q is not None
        and q.type == "month"
        and kind == "valueDate"
        and len(value) == 10
        and value.endswith("-01")
    ):
        return kind, value.removesuffix("-01")
    return answer


@pytest.mark.parametrize("exported", [_example, _minimal, _red_flags], ids=lambda f: f.__name__[1:])
def test_an_exported_response_merges_into_lforms_and_reads_back_the_same(app, lforms, exported):
    qr = exported()
    q = fhir.fhir_questionnaire()
    show(lforms, q, qr)
    back = lforms.evaluate(
        "() => LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4', '#form')"
    )
    assert back["resourceType"] == "QuestionnaireResponse"
    expected = answers_by_path(qr)
    got = {k: [_to_month(k[-1], a) for a in v] for k, v in answers_by_path(back).items()}
    assert len(expected) >= len(MINIMAL)
    missing = {k: v for k, v in expected.items() if got.get(k) != v}
    extra = {k: v for k, v in got.items() if k not in expected}
    assert (missing, extra) == ({}, {}), (
        "answers that LHC-Forms read back differently (exported, then read back):\n"
        + "\n".join(f"{'/'.join(k)}: {v} -> {got.get(k)}" for k, v in missing.items())
        + "\nanswers it added:\n"
        + "\n".join(f"{'/'.join(k)}: {v}" for k, v in extra.items())
    )
