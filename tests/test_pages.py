"""The clinic's identity and the pages every health service has (privacy, accessibility,
cookies, contact): read from configuration, with neutral words when unset, replaceable from the
instance folder, and a warning at start in production when the clinic is not named."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from support import sent_from

from screening import create_app, questionnaire
from screening.pages import Topic, asked_topics

RIVERSIDE = {
    "CLINIC_NAME": "Riverside Spine Clinic",
    "CLINIC_PHONE": "0113 496 0000",
    "CLINIC_EMAIL": "spine@riverside.example",
    "CLINIC_ADDRESS": "1 River Road, Leeds, LS1 4AP",
    "DRAFT_RETENTION_DAYS": 21,
    "SUBMITTED_RETENTION_DAYS": 400,
    "PERMANENT_SESSION_LIFETIME": 7200,
}
NEUTRAL = "the clinic that sent you the link"
FOOTER_LINKS = ["/privacy", "/accessibility", "/cookies", "/contact"]
# The smallest valid PNG (1 x 1 pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _main(html: str) -> str:
    match = re.search(r"<main.*?</main>", html, re.S)
    assert match, "no <main>"
    return match.group(0)


def _footer_hrefs(html: str) -> list[str]:
    footer = re.search(r'<ul class="footer-links">(.*?)</ul>', html, re.S)
    assert footer, "no footer links"
    return re.findall(r'href="([^"]+)"', footer.group(1))


@pytest.fixture
def riverside(make_app):
    app = make_app(**RIVERSIDE)
    with app.app_context():
        yield app


# --- the footer's pages, with the clinic configured ------------------------------------------


def test_every_page_links_the_four_pages_from_its_footer_and_each_answers(riverside):
    client = riverside.test_client()
    for path in ["/", "/resume", "/clinician/login", *FOOTER_LINKS]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert _footer_hrefs(_text(response)) == FOOTER_LINKS, path
        assert "This service is run by Riverside Spine Clinic." in _text(response), path
    for path in FOOTER_LINKS:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype == "text/html"
        assert "Riverside Spine Clinic" in _main(_text(response)), path


def test_the_header_of_every_page_names_the_clinic(riverside):
    client = riverside.test_client()
    for path in ["/", "/privacy", "/clinician/login"]:
        header = re.search(r"<header.*?</header>", _text(client.get(path)), re.S).group(0)
        assert '<span class="site-header__clinic">Riverside Spine Clinic</span>' in header


def test_the_privacy_notice_states_the_configured_facts(riverside):
    page = _main(_text(riverside.test_client().get("/privacy")))
    assert "Riverside Spine Clinic is responsible for your information" in page
    assert "1 River Road<br>Leeds<br>LS1 4AP" in page
    assert "Answers you have not sent are deleted 21 days after you last changed them." in page
    assert (
        "Answers you have sent are deleted from this service 400 days after you sent them." in page
    )
    assert "A code to come back to your answers works for 30 days." in page
    # How to delete a draft: the existing delete page.
    assert 'href="/delete"' in page
    # What is asked, from the questionnaire's sections (written out here by hand).
    for words in (
        "Signs that need help now",
        "Numbness around the genitals or bottom",
        "About you",
        "Date of birth",
        "Your pain",
        "Treatments you have tried",
        "Physical therapy (physiotherapy)",
        "Tests and other health conditions",
        "Numbing injections",
    ):
        assert words in page, words


def test_the_privacy_notice_lists_every_section_of_the_questionnaire(riverside):
    page = _main(_text(riverside.test_client().get("/privacy")))
    asked = page.split('id="what-we-ask">', 1)[1].split("<h2", 1)[0]
    items = re.findall(r"<strong>(.*?)</strong>", asked)
    assert items == [str(section.title) for section in questionnaire.SECTIONS]


def test_what_is_asked_follows_the_tree():
    topics = asked_topics()
    assert [t.title for t in topics] == [
        "Signs that need help now",
        "About you",
        "Your pain",
        "Treatments you have tried",
        "Tests and other health conditions",
    ]
    about = topics[1]
    assert about == Topic("About you", ("Name", "Date of birth", "Height", "Weight", "Appointment"))
    # A section's own title is not repeated among what it covers.
    assert "Your pain" not in topics[2].covers
    assert "More about your pain" in topics[2].covers


def test_submitted_answers_kept_until_the_clinic_deletes_them_when_no_period_is_set(make_app):
    app = make_app(SUBMITTED_RETENTION_DAYS=None, DRAFT_RETENTION_DAYS=1)
    page = _main(_text(app.test_client().get("/privacy")))
    assert "Answers you have sent are kept until the clinic deletes them" in page
    assert "Answers you have not sent are deleted 1 day after you last changed them." in page


def test_the_cookies_page_names_the_one_cookie_and_its_lifetime(riverside):
    page = _main(_text(riverside.test_client().get("/cookies")))
    assert "<code>session</code>" in page
    assert "After 2 hours" in page
    assert "This service uses one cookie." in page
    assert "No cookies that track you or count visits (analytics)." in page


def test_the_contact_page_gives_phone_email_and_address(riverside):
    page = _main(_text(riverside.test_client().get("/contact")))
    assert '<a href="tel:01134960000">0113 496 0000</a>' in page
    assert '<a href="mailto:spine@riverside.example">spine@riverside.example</a>' in page
    assert "1 River Road<br>Leeds<br>LS1 4AP" in page


def test_the_accessibility_statement(riverside):
    page = _main(_text(riverside.test_client().get("/accessibility")))
    assert "WCAG) version 2.2 at level AA" in page
    assert "axe-core" in page and "320 pixels" in page and "keyboard" in page
    assert "Known problems" in page
    assert "Riverside Spine Clinic runs this service." in page
    assert '<a href="tel:01134960000">0113 496 0000</a>' in page
    assert "4 December 2026" in page


def test_a_controller_other_than_the_clinic(make_app):
    app = make_app(**RIVERSIDE, CLINIC_CONTROLLER="Riverside Health NHS Trust")
    page = _main(_text(app.test_client().get("/privacy")))
    assert "Riverside Health NHS Trust is responsible for your information" in page


# --- the start, confirmation and sent-before pages -------------------------------------------


def test_the_start_page_says_who_is_asking_and_how_to_reach_them(riverside):
    page = _main(_text(riverside.test_client().get("/")))
    assert "Riverside Spine Clinic asks you these questions before your appointment." in page
    assert "Your answers go to the clinic" in page and "s specialist." in page
    assert "Your answers are kept by Riverside Spine Clinic." in page
    assert (
        'If you have questions, call <a href="tel:01134960000">0113 496 0000</a> or email '
        '<a href="mailto:spine@riverside.example">spine@riverside.example</a>.'
    ) in page
    assert 'href="/privacy"' in page


def test_the_confirmation_and_sent_before_pages_give_the_contact(riverside):
    client = riverside.test_client()
    sent_from(client)
    changed = (
        'If something has changed, call <a href="tel:01134960000">0113 496 0000</a> or email '
        '<a href="mailto:spine@riverside.example">spine@riverside.example</a>. '
        "Give them your reference."
    )
    assert changed in _main(_text(client.get("/confirmation")))
    again = client.post("/start")
    assert again.status_code == 200
    assert "You have already sent your answers" in _text(again)
    assert changed in _main(_text(again))


@pytest.mark.parametrize(
    ("settings", "sentence"),
    [
        ({"CLINIC_PHONE": "999 000"}, 'call <a href="tel:999000">999 000</a>. Give them'),
        (
            {"CLINIC_EMAIL": "a@b.example"},
            'email <a href="mailto:a@b.example">a@b.example</a>. Give them',
        ),
    ],
)
def test_the_contact_sentence_with_one_way_to_reach_the_clinic(make_app, settings, sentence):
    app = make_app(**settings)
    with app.app_context():
        client = app.test_client()
        sent_from(client)
        assert sentence in _text(client.get("/confirmation"))


# --- nothing configured: neutral words ---------------------------------------------------------


def test_neutral_words_when_the_clinic_is_not_configured(app):
    client = app.test_client()
    start = _text(client.get("/"))
    assert "site-header__clinic" not in start and "site-header__logo" not in start
    assert "This service is run by" not in start
    assert (
        "The clinic that sent you the link asks you these questions before your appointment."
        in start
    )
    assert "If you have questions, contact the clinic that sent you the link." in start
    privacy = _main(_text(client.get("/privacy")))
    assert "The clinic that sent you the link is responsible for your information." in privacy
    assert "Answers you have not sent are deleted 30 days after you last changed them." in privacy
    assert "Answers you have sent are kept until the clinic deletes them" in privacy
    contact = _main(_text(client.get("/contact")))
    assert "Contact the clinic that sent you the link." in contact
    assert "tel:" not in contact and "mailto:" not in contact
    assert "The clinic that sent you the link runs this service." in _text(
        client.get("/accessibility")
    )
    for path in FOOTER_LINKS:
        assert client.get(path).status_code == 200, path


def test_neutral_contact_after_sending(app):
    client = app.test_client()
    sent_from(client)
    words = (
        "If something has changed, tell the clinic. Contact the clinic that sent you the link, "
        "and give them your reference."
    )
    assert words in _text(client.get("/confirmation"))
    assert words in _text(client.post("/start"))


# --- a clinic's own pages, from the instance folder -------------------------------------------


def test_a_template_in_the_instance_folder_replaces_the_packaged_one(make_app, tmp_path):
    own = tmp_path / "own-instance"
    (own / "templates" / "pages").mkdir(parents=True)
    (own / "templates" / "pages" / "privacy.html").write_text(
        '{% extends "base.html" %}{% block page_title %}Our privacy notice{% endblock %}'
        "{% block content %}<h1>Our privacy notice</h1><p>Written by {{ clinic.name }}.</p>"
        "{% endblock %}",
        encoding="utf-8",
    )
    app = make_app(INSTANCE_PATH=str(own), CLINIC_NAME="Riverside Spine Clinic")
    client = app.test_client()
    page = _text(client.get("/privacy"))
    assert "<p>Written by Riverside Spine Clinic.</p>" in page
    assert "What we ask you" not in page
    # Still the service's layout around it, and the other pages are the packaged ones.
    assert _footer_hrefs(page) == FOOTER_LINKS
    assert "Cookies are small files" in _text(client.get("/cookies"))


def test_without_an_override_the_packaged_template_is_used(riverside):
    assert "What we ask you" in _text(riverside.test_client().get("/privacy"))


# --- the logo ------------------------------------------------------------------------------


def test_the_logo_is_served_from_the_instance_folder_and_shown_with_the_clinic_name(
    make_app, tmp_path
):
    instance = tmp_path / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "clinic-logo.png").write_bytes(PNG)
    app = make_app(CLINIC_NAME="Riverside Spine Clinic")
    client = app.test_client()
    response = client.get("/clinic-logo")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data == PNG
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("ETag")
    start = _text(client.get("/"))
    assert (
        '<img src="/clinic-logo" alt="Riverside Spine Clinic" class="site-header__logo">' in start
    )
    # The logo carries the name: it is not written out again beside it.
    assert "site-header__clinic" not in start


def test_an_svg_logo_runs_nothing(make_app, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    (instance / "clinic-logo.svg").write_bytes(svg)
    response = make_app().test_client().get("/clinic-logo")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data == svg
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_no_logo_file_is_a_404_and_no_image_in_the_header(riverside):
    client = riverside.test_client()
    assert client.get("/clinic-logo").status_code == 404
    assert "/clinic-logo" not in _text(client.get("/"))


# --- the PDF ------------------------------------------------------------------------------


def test_the_summary_names_the_clinic_under_the_colophon_once(riverside):
    from support.clinic import make_screening

    from screening import pdf

    screening = make_screening()
    html = pdf.render_html(pdf.summary_for(screening))
    assert html.count("Prepared for Riverside Spine Clinic") == 1
    main = re.search(r'<main class="summary__main">(.*)</main>', html, re.S).group(1)
    colophons = re.findall(r'<p class="colophon[^"]*">(.*?)</p>', main)
    assert colophons[1] == "Prepared for Riverside Spine Clinic"
    running = html.split('<main class="summary__main">')[0]
    assert "Riverside" not in running


def test_the_pdf_names_the_clinic_once_on_page_1(riverside, tmp_path):
    import subprocess

    from support.clinic import make_screening

    from screening import pdf

    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf.get_or_render_pdf(make_screening(), "patient"))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages = text.split("\f")
    assert "Prepared for Riverside Spine Clinic" in pages[0]
    # Once: not in the running header or footer of every page.
    assert text.count("Riverside Spine Clinic") == 1


def test_the_summary_without_a_clinic_name_has_no_prepared_for_line(app):
    from support.clinic import make_screening

    from screening import pdf

    screening = make_screening()
    assert "Prepared for" not in pdf.render_html(pdf.summary_for(screening))


def test_a_cached_pdf_is_made_again_when_the_clinic_is_renamed(app):
    import dataclasses

    from support.clinic import make_screening

    from screening import clinic, pdf

    screening = make_screening()
    unnamed = pdf.input_hash(screening)
    named = dataclasses.replace(clinic.current(), name="Riverside Spine Clinic")
    app.extensions[clinic.EXTENSION_KEY] = named
    riverside = pdf.input_hash(screening)
    app.extensions[clinic.EXTENSION_KEY] = dataclasses.replace(named, name="Hillside Clinic")
    assert len({unnamed, riverside, pdf.input_hash(screening)}) == 3


# --- the warning at start in production -------------------------------------------------------


def _production(tmp_path: Path, **settings):
    return create_app(
        {
            "CONFIG_NAME": "production",
            "SECRET_KEY": "k" * 32,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            **settings,
        }
    )


def test_production_warns_when_the_clinic_is_not_named_or_reachable(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="screening"):
        app = _production(tmp_path)
    assert "CLINIC_NAME and CLINIC_PHONE or CLINIC_EMAIL not set" in caplog.text
    assert app is not None  # a warning, not a refusal


def test_production_warns_when_only_the_contact_is_missing(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="screening"):
        _production(tmp_path, CLINIC_NAME="Riverside Spine Clinic")
    assert "CLINIC_PHONE or CLINIC_EMAIL not set" in caplog.text
    assert "CLINIC_NAME" not in caplog.text


def test_production_does_not_warn_when_the_clinic_is_set(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="screening"):
        _production(tmp_path, CLINIC_NAME="Riverside Spine Clinic", CLINIC_PHONE="0113 496 0000")
    assert "CLINIC_" not in caplog.text


def test_no_warning_outside_production(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="screening"):
        make_app()
    assert "CLINIC_" not in caplog.text


def test_the_clinic_is_read_from_the_environment():
    import config as settings

    env = {
        "CLINIC_NAME": "  Riverside Spine Clinic ",
        "CLINIC_PHONE": "0113 496 0000",
        "CLINIC_EMAIL": "",
        "CLINIC_ADDRESS": "1 River Road\nLeeds",
    }
    chosen = settings.load("development", env)
    assert chosen.CLINIC_NAME == "Riverside Spine Clinic"
    assert chosen.CLINIC_PHONE == "0113 496 0000"
    assert chosen.CLINIC_EMAIL is None
    assert chosen.CLINIC_CONTROLLER is None
    assert chosen.CLINIC_ADDRESS == "1 River Road\nLeeds"
