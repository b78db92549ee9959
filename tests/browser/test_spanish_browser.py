"""A Spanish patient in Chromium, from the first page to their PDF, with axe on every page; the
clinic reads the same screening, and downloads its PDF, in English (its language), though the
clinician's browser asks for Spanish too. The patient's pages are driven by name and value
attributes, which do not change with the language; the clinic's sign-in page, in English, by its
labels (conftest.py's clinician_sign_in)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from support.clinic import make_clinician
from test_patient_journey import assert_accessible

from screening.extensions import db
from screening.models import Screening
from screening.summary import DISCLAIMER

pytestmark = pytest.mark.browser

BROWSER_IN_SPANISH = {"locale": "es-ES", "viewport": {"width": 1024, "height": 800}}


def _words(app, locale: str, text) -> str:
    """A string of the catalogue in a language, as the app words it."""
    with app.test_request_context("/"), force_locale(locale):
        return gettext(text) if isinstance(text, str) else str(text)


def _pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [" ".join(p.split()) for p in text.split("\f") if p.strip()]


def _html_lang(page: Page) -> str:
    return page.evaluate("document.documentElement.lang")


def _download(page: Page, selector: str, folder: Path, name: str) -> Path:
    with page.expect_download() as info:
        page.locator(selector).click()
    target = folder / name
    info.value.save_as(str(target))
    return target


def test_a_spanish_patient_answers_and_downloads_a_spanish_pdf_the_clinic_reads_english(
    live_app, live_server, browser: Browser, journey, tmp_path, clinician_sign_in
):
    url = live_server.url
    with live_app.app_context():
        make_clinician()
    spanish_disclaimer = _words(live_app, "es", DISCLAIMER)
    english_disclaimer = _words(live_app, "en", DISCLAIMER)
    assert "diagnóstico" in spanish_disclaimer

    # The patient's browser asks for Spanish: the first page is in Spanish, with the switch.
    patient = browser.new_context(**BROWSER_IN_SPANISH, accept_downloads=True)
    page = patient.new_page()
    page.goto(url + "/")
    assert _html_lang(page) == "es"
    switch = page.locator("nav.language-switch")
    expect(switch.locator("[aria-current=true]")).to_have_text("Español")
    expect(switch.locator("a[hreflang=en]")).to_have_attribute("lang", "en")
    assert_accessible(page)
    # English, then back to Spanish with the switch: the session keeps the choice.
    with page.expect_navigation():
        switch.locator("a[hreflang=en]").click()
    assert _html_lang(page) == "en"
    with page.expect_navigation():
        page.locator("nav.language-switch a[hreflang=es]").click()
    assert _html_lang(page) == "es"

    with page.expect_navigation():
        page.locator("button.button--start").click()

    def spanish_page(key: str) -> None:
        assert _html_lang(page) == "es", key
        expect(page.locator("nav.language-switch [aria-current=true]")).to_have_text("Español")
        assert_accessible(page)

    journey.walk(page, check=spanish_page)
    assert page.url.endswith("/check")
    spanish_page("check")
    with page.expect_navigation():
        page.locator("button[data-prevent-double-click]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        _words(live_app, "es", "Your answers have been sent")
    )
    spanish_page("confirmation")

    pdf = _download(page, "a[href$='/summary.pdf']", tmp_path, "patient.pdf")
    pages = _pdf_pages(pdf)
    assert len(pages) >= 2
    for n, text in enumerate(pages, start=1):
        assert spanish_disclaimer in text, (n, text[:300])
        assert f"Página {n} de {len(pages)}" in text, n

    with live_app.app_context():
        reference = db.session.scalar(
            select(Screening.reference).where(Screening.reference.is_not(None))
        )
    assert reference and reference in pages[0]
    patient.close()

    # The clinician's browser asks for Spanish too: the clinic's pages and PDF stay in English.
    clinic = browser.new_context(**BROWSER_IN_SPANISH, accept_downloads=True)
    page = clinic.new_page()
    page.goto(url + "/clinician/login")
    assert _html_lang(page) == "en"
    assert page.locator("nav.language-switch").count() == 0
    clinician_sign_in(page)
    page.goto(f"{url}/clinician/screenings/{reference}")
    assert _html_lang(page) == "en"
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    assert re.search(r"\bSubmitted\b", page.inner_text("main"))
    assert_accessible(page)
    english = _pdf_pages(_download(page, "a[href$='/summary.pdf']", tmp_path, "clinic.pdf"))
    for n, text in enumerate(english, start=1):
        assert english_disclaimer in text, n
        assert f"Page {n} of {len(english)}" in text, n
    assert spanish_disclaimer not in " ".join(english)
    clinic.close()
