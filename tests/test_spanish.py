"""The service in Spanish: a complete catalogue, the patient's choice of language, and the clinic's
pages and copy of the PDF in the clinic's language whatever the browser asks for."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations
from flask_babel import force_locale, ngettext
from pypdf import PdfReader
from support import sent_from
from support.clinic import make_clinician, make_screening, sign_in

from screening import ROOT, ConfigError, create_app, languages, pdf, questionnaire
from screening.summary import DISCLAIMER

CATALOGUE = ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"
COMPILED = CATALOGUE.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
HTML_LANG = re.compile(r'<html lang="([^"]+)"')
SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}


def _catalogue():
    with CATALOGUE.open("rb") as f:
        return read_po(f, locale="es")


@pytest.fixture(scope="module")
def fresh_extraction(tmp_path_factory: pytest.TempPathFactory):
    """Every msgid in the code and templates now (what `make messages` collects)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext"]
        + ["-o", str(pot), "."],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        return read_po(f)


def _names(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_every_msgid_has_a_spanish_translation_with_the_same_placeholders(fresh_extraction):
    catalogue = _catalogue()
    problems = []
    for message in fresh_extraction:
        if not message.id:
            continue
        found = catalogue.get(message.id)
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if found is None:
            problems.append(f"missing: {key!r}")
        elif found.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        elif isinstance(message.id, tuple):
            singular, plural = found.string
            if not (singular.strip() and plural.strip()):
                problems.append(f"empty plural form: {key!r}")
            elif _names(plural) != _names(message.id[1]) or not _names(singular) <= _names(
                message.id[1]
            ):
                problems.append(f"placeholders differ: {key!r}")
        elif not found.string.strip():
            problems.append(f"empty: {key!r}")
        elif _names(found.string) != _names(message.id):
            problems.append(f"placeholders differ: {key!r}")
    assert not problems, (
        f"{len(problems)} msgid(s) without a proper Spanish translation (make messages, then "
        "translate them, e.g. with scripts/merge_translations.py):\n" + "\n".join(problems)
    )


def test_the_catalogue_is_complete_clean_and_has_spanish_plurals():
    catalogue = _catalogue()
    assert not catalogue.fuzzy
    assert catalogue.plural_forms == "nplurals=2; plural=(n != 1);"
    assert catalogue.num_plurals == 2
    # What `pybabel compile` checks (python-format placeholders compatible, plural counts).
    errors = [(m.id, e) for m, e in catalogue.check() if e]
    assert not errors, errors
    for message in catalogue:
        if message.id:
            assert not message.fuzzy, message.id
            strings = message.string if isinstance(message.string, tuple) else [message.string]
            assert all(s.strip() for s in strings), message.id


def test_the_compiled_catalogue_is_the_committed_one():
    assert COMPILED.is_file(), f"{COMPILED} is missing: run `make install`"
    with COMPILED.open("rb") as f:
        compiled = Translations(f)
    stale = [
        m.id
        for m in _catalogue()
        if m.id and not isinstance(m.id, tuple) and compiled.gettext(m.id) != m.string  # type: ignore[arg-type]
    ]
    assert not stale, f"{COMPILED} is older than its .po: run `make install` ({stale[:3]})"


# --- choosing the language --------------------------------------------------------------------


def _lang(response) -> str:
    return HTML_LANG.search(response.get_data(as_text=True)).group(1)


def test_lang_in_the_query_picks_spanish_and_the_session_keeps_it(client):
    response = client.get("/?lang=es")
    page = response.get_data(as_text=True)
    assert _lang(response) == "es"
    assert "Empezar ahora" in page and "Start now" not in page
    with client.session_transaction() as session:
        assert session[languages.SESSION_KEY] == "es"
    # The next pages, with nothing in the query, stay in Spanish.
    assert _lang(client.get("/resume")) == "es"
    assert _lang(client.get("/?lang=en")) == "en"
    assert _lang(client.get("/")) == "en"


def test_the_switch_is_on_patient_pages_with_lang_and_hreflang(client):
    page = client.get("/resume").get_data(as_text=True)
    switch = re.search(r'<nav class="language-switch".*?</nav>', page, re.S).group(0)
    assert '<span aria-current="true" lang="en">English</span>' in switch
    assert 'href="/resume?lang=es" hreflang="es" lang="es"' in switch
    assert ">Español</a>" in switch
    # Following it sets the session, and the page says which language is current.
    spanish = client.get("/resume?lang=es").get_data(as_text=True)
    assert '<span aria-current="true" lang="es">Español</span>' in spanish
    assert 'href="/resume?lang=en" hreflang="en" lang="en"' in spanish
    with client.session_transaction() as session:
        assert session[languages.SESSION_KEY] == "es"


def test_accept_language_is_honoured_on_the_first_visit_without_setting_anything(client):
    response = client.get("/", headers=SPANISH)
    assert _lang(response) == "es"
    with client.session_transaction() as session:
        assert languages.SESSION_KEY not in session
    assert _lang(client.get("/", headers={"Accept-Language": "fr-FR,fr"})) == "en"
    # A choice made with the switch wins over the browser's.
    client.get("/?lang=en", headers=SPANISH)
    assert _lang(client.get("/", headers=SPANISH)) == "en"


def test_an_unknown_language_in_the_query_is_ignored(client):
    response = client.get("/?lang=xx")
    assert response.status_code == 200 and _lang(response) == "en"
    with client.session_transaction() as session:
        assert languages.SESSION_KEY not in session


def test_error_pages_follow_the_patient_language(client):
    response = client.get("/no-such-page?lang=es")
    assert response.status_code == 404 and _lang(response) == "es"


def test_clinician_pages_stay_in_the_clinic_language_for_a_spanish_browser(app, client):
    make_clinician()
    client.get("/?lang=es")  # the same browser chose Spanish as a patient
    login = client.get("/clinician/login", headers=SPANISH)
    assert _lang(login) == "en"
    page = login.get_data(as_text=True)
    assert "Sign in" in page and "language-switch" not in page
    assert _lang(client.get("/clinician/login?lang=es", headers=SPANISH)) == "en"
    assert sign_in(client).status_code == 302
    worklist = client.get("/clinician/", headers=SPANISH, follow_redirects=True)
    assert _lang(worklist) == "en"
    assert "Submitted screenings" in worklist.get_data(as_text=True)


def test_a_clinic_in_spanish_reads_its_pages_in_spanish(make_app):
    app = make_app(CLINIC_LANGUAGE="es")
    client = app.test_client()
    assert _lang(client.get("/clinician/login", headers={"Accept-Language": "en"})) == "es"
    # Patients whose browser asks for nothing the service has start in the clinic's language.
    assert _lang(client.get("/", headers={"Accept-Language": "de"})) == "es"


def test_an_unknown_clinic_language_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="CLINIC_LANGUAGE"):
        create_app(
            {
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "INSTANCE_PATH": str(tmp_path),
                "CLINIC_LANGUAGE": "fr",
            }
        )


# --- dates and plurals ------------------------------------------------------------------------


def test_dates_and_plurals_in_spanish(app):
    with app.test_request_context("/?lang=es"):
        assert questionnaire.long_date(dt.date(1972, 5, 14)) == "14 de mayo de 1972"
        assert questionnaire.BY_KEY["pain_started"].in_words("2025-03") == "marzo de 2025"
        assert ngettext("%(num)s month", "%(num)s months", 1) == "1 mes"
        assert ngettext("%(num)s month", "%(num)s months", 18) == "18 meses"
        assert ngettext("%(num)s week", "%(num)s weeks", 0) == "0 semanas"
    with app.test_request_context("/"):
        assert questionnaire.long_date(dt.date(1972, 5, 14)) == "14 May 1972"
        assert questionnaire.BY_KEY["pain_started"].in_words("2025-03") == "March 2025"


# --- a Spanish patient, an English clinic ------------------------------------------------------


def _spanish_patient(client):
    client.get("/?lang=es")
    return sent_from(client)


def test_a_spanish_patient_sends_and_the_clinic_keeps_its_own_words(app, client):
    screening = _spanish_patient(client)
    # The stored evaluation is worded for the clinic, whatever language the patient used.
    titles = [c["title"] for c in screening.evaluation["criteria"]]
    with force_locale("en"):
        english = [c.title for c in pdf.summary_for(screening).profiles[0].rows]
    assert titles == english
    confirmation = client.get("/confirmation").get_data(as_text=True)
    assert 'lang="es"' in confirmation and "Sus respuestas se han enviado" in confirmation
    summary = client.get("/summary").get_data(as_text=True)
    assert '<html lang="es">' in summary
    assert "summary-print.css?lang=es" in summary


def test_the_two_copies_of_the_pdf_never_share_a_cache_key(app, client):
    screening = _spanish_patient(client)
    with app.test_request_context("/summary.pdf?lang=es"):
        patient_key = pdf.input_hash(screening, audience="patient")
    with app.test_request_context("/clinician/screenings/x/pdf", headers=SPANISH):
        clinician_key = pdf.input_hash(screening, audience="clinician")
        assert languages.current() == "en"
    with app.test_request_context("/summary.pdf?lang=en"):
        english_patient_key = pdf.input_hash(screening, audience="patient")
    assert len({patient_key, clinician_key, english_patient_key}) == 3


def test_answered_in_spanish_for_the_clinic_when_the_language_is_known(app, client):
    screening = _spanish_patient(client)
    with app.test_request_context("/clinician/"):
        assert languages.answered_in(None) == ""
        assert languages.answered_in("en") == ""
        assert languages.answered_in("es") == "Answered in Spanish"
        summary = pdf.summary_for(screening)
        assert summary.answered_in == "Answered in Spanish"
        assert "Answered in Spanish" in pdf.render_html(summary)
        clinician_key = pdf.input_hash(screening)
        screening.language = None
        assert pdf.input_hash(screening) != clinician_key
        assert pdf.summary_for(screening, "patient").answered_in == ""


def test_the_patient_pdf_in_spanish_says_it_does_not_diagnose_on_every_page(app, client):
    screening = _spanish_patient(client)
    with force_locale("es"):
        disclaimer = str(DISCLAIMER)
    with force_locale("en"):
        english = str(DISCLAIMER)
    assert "diagnóstico" in disclaimer and disclaimer != english
    response = client.get("/summary.pdf")
    assert response.status_code == 200
    pages = [
        " ".join((p.extract_text() or "").split()) for p in PdfReader(BytesIO(response.data)).pages
    ]
    assert len(pages) >= 2
    for n, text in enumerate(pages, start=1):
        assert disclaimer in text, n
    assert "Resumen" in pages[0] or "resumen" in pages[0]
    # The clinician's copy of the same screening is in English.
    make_clinician()
    clinician = app.test_client()
    assert sign_in(clinician).status_code == 302
    copy = clinician.get(
        f"/clinician/screenings/{screening.reference}/summary.pdf", headers=SPANISH
    )
    assert copy.status_code == 200
    first = " ".join((PdfReader(BytesIO(copy.data)).pages[0].extract_text() or "").split())
    assert english in first


def test_a_screening_made_without_a_request_is_worded_in_the_clinic_language(app):
    screening = make_screening()
    assert screening.evaluation["criteria"][0]["title"] == str(
        pdf.summary_for(screening).profiles[0].rows[0].title
    )


def test_the_language_answered_in_is_kept_and_told_to_the_clinic(app, client):
    screening = _spanish_patient(client)
    assert screening.language == "es"
    assert languages.answered_language(screening) == "es"
    with app.test_request_context("/clinician/"):
        assert pdf.summary_for(screening).answered_in == "Answered in Spanish"


def test_a_screening_sent_before_the_language_was_kept_says_nothing(app):
    screening = make_screening()
    screening.language = None
    assert languages.answered_language(screening) is None
    with app.test_request_context("/clinician/"):
        assert pdf.summary_for(screening).answered_in == ""
