"""The PDF summary: content on every page, safety of the renderer, cache, downloads, CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest
from sqlalchemy import func, select
from support import FULL

from screening import drafts, pdf
from screening.criteria import CRITERIA_VERSION
from screening.extensions import db
from screening.models import PdfCache, Screening

SUBMIT_DAY = dt.date(2026, 11, 20)
PAYLOADS = (
    '<img src="file:///etc/passwd">',
    '<link rel=attachment href="file:///etc/passwd">',
    "url(http://127.0.0.1:9/)",
    "<style>@import url(http://127.0.0.1:9/x.css)</style>",
)


def submitted(answers: dict[str, Any] | None = None) -> Screening:
    """A submitted screening with the given answers."""
    screening = drafts.create_draft()
    screening.answers = dict(answers or FULL)
    drafts.submit(screening, today=SUBMIT_DAY)
    db.session.commit()
    return screening


def pages_text(data: bytes) -> list[str]:
    """The text of each page, whitespace collapsed (lines wrap anywhere)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def realistic_pdf(app) -> bytes:
    return pdf.get_or_render_pdf(submitted())


# --- content ---------------------------------------------------------------------------------


def test_realistic_pdf_is_one_to_three_pages_with_disclaimer_on_every_page(realistic_pdf):
    pages = pages_text(realistic_pdf)
    # Page 1 at a glance, then the full comparisons, every answer and the sources.
    assert 1 <= len(pages) <= 6
    for n, text in enumerate(pages, start=1):
        assert "does not diagnose" in text
        assert f"Page {n} of {len(pages)}" in text
        assert "SI joint screening summary" in text


# Every answer of FULL, as the PDF must show it: the label, then the answer in words. Written out
# by hand, so that a wrong word anywhere (a label, a unit, a choice) fails.
FULL_IN_THE_PDF = [
    ("Name", "Alex Example"),
    ("Date of birth", "14 May 1972"),
    ("BMI", "24.9 (170 cm, 72 kg)"),
    ("Appointment", "10 December 2026"),
    ("When did this pain start?", "May 2025"),
    ("Where do you feel the pain?", "Lower back, Buttock"),
    ("Which side is the pain on?", "Left side"),
    ("Do you have numbness, tingling or pins and needles in a leg or foot?", "No"),
    ("Which of these make the pain worse?", "Standing up from a chair, Climbing stairs"),
    (
        "Can you point with one finger to where it hurts most, just below the dimple at the back "
        "of your pelvis?",
        "Yes",
    ),
    ("What do you think started the pain?", "An injury, fall or accident"),
    ("Over the past week, how bad was your pain on average?", "7 out of 10"),
    (
        "Over the past week, how much did the pain get in the way of your daily activities?",
        "6 out of 10",
    ),
    ("Activity 1", "Putting on socks · 3 out of 10"),
    ("Activity 2", "Walking to the shops · 4 out of 10"),
    (
        "Which treatments without surgery have you tried for this pain?",
        "Physical therapy (physiotherapy), An exercise programme at home, Pain medicine, Changing "
        "or resting from activities that make the pain worse, A pelvic or SI joint belt (brace)",
    ),
    (
        "Physical therapy (physiotherapy)",
        "12 weeks · It helped for a while, then the pain came back",
    ),
    ("An exercise programme at home", "20 weeks · It did not help"),
    ("Pain medicine", "30 weeks · It helped for a while, then the pain came back"),
    ("Changing or resting from activities that make the pain worse", "16 weeks · It did not help"),
    ("A pelvic or SI joint belt (brace)", "8 weeks · It did not help"),
    ("When did you first have treatment for this pain?", "August 2025"),
    (
        "Has a doctor or physiotherapist examined you by pressing on or moving your pelvis to test "
        "the SI joint?",
        "Yes",
    ),
    ("Did those tests bring on your usual pain?", "Yes, they brought on my usual pain"),
    ("If you were told, how many of the tests brought on your pain?", "4"),
    ("Which scans or X-rays have you had of your lower back or pelvis?", "X-ray, MRI scan"),
    ("What were you told about the scans?", "They showed changes in the SI joint"),
    (
        "Have you had an injection to numb the SI joint, to find out if it is causing the pain?",
        "Yes",
    ),
    ("How many numbing injections have you had?", "2"),
    ("Numbing injection 1", "An X-ray or CT scan · 80% less pain · A few hours"),
    ("Numbing injection 2", "An X-ray or CT scan · 85% less pain · A few hours"),
    ("Has a doctor told you that you have any of these?", "None of these"),
    ("Have you had an operation to join (fuse) bones in your lower back?", "No"),
    ("Have you had an operation on your SI joint before?", "No"),
    (
        "Are you pregnant, planning a pregnancy, or did you give birth in the last year?",
        "This does not apply to me",
    ),
    ("Are you allergic to any metals, like nickel or titanium?", "No"),
    (
        "Do you take strong painkillers called opioids most days, like codeine, tramadol or "
        "morphine?",
        "No",
    ),
    ("Do you smoke, vape or use any other nicotine?", "No"),
    ("Bladder or bowels", "No"),
    ("Numbness around the genitals or bottom", "No"),
    ("Weakness or numbness in the legs", "No"),
    ("Sexual function", "No"),
    ("A bad fall, crash or injury", "No"),
    ("A small fall with thin bones or steroid tablets", "No"),
    ("High temperature", "No"),
    ("Weight loss without trying", "No"),
    ("Cancer", "No"),
    ("Pain at night", "No"),
    ("Less able to fight infections", "No"),
    ("A lump, or the back changed shape", "No"),
]


def test_every_answer_is_present(realistic_pdf):
    # Lines wrap anywhere: compare without whitespace, each label directly followed by its answer.
    text = squash(" ".join(pages_text(realistic_pdf)))
    for label, answer in FULL_IN_THE_PDF:
        assert squash(label + answer) in text, (label, answer)


def test_statuses_as_words_both_profiles_and_criteria_version(app):
    answers = dict(FULL, nicotine_use="yes", points_to_si_joint="not_sure")
    text = " ".join(pages_text(pdf.get_or_render_pdf(submitted(answers))))
    for word in ("Met", "Not met", "Not known"):
        assert word in text
    for verdict in ("Matches", "Does not match", "Overall:"):
        assert verdict not in text
    assert "What the patient articles mention" in text
    assert "Published policies (a composite)" in text
    # Page 1 counts the stricter profile first; the full comparisons follow, stored one first.
    assert text.index("Published policies (a composite):") < text.index(
        "What the patient articles mention:"
    )
    assert text.index("Comparison 1 of 2: What the patient articles mention") < text.index(
        "Comparison 2 of 2: Published policies (a composite)"
    )
    assert CRITERIA_VERSION in text
    assert "Questions you may want to ask the specialist" in text


def test_name_date_of_birth_and_reference_in_the_header_of_every_page(app):
    screening = submitted()
    pages = pages_text(pdf.get_or_render_pdf(screening))
    submitted_on = pdf._utc(screening.submitted_at).strftime("%-d %B %Y")
    for text in pages:
        assert f"Alex Example · born 14 May 1972 · {screening.reference}" in text
    assert f"Submitted {submitted_on}" in pages[0]


def test_red_flag_box_comes_first_on_page_one(app):
    answers = dict(FULL, rf_saddle_numbness="yes", rf_leg_weakness="yes", pain_side="both")
    pages = pages_text(pdf.get_or_render_pdf(submitted(answers)))
    first = pages[0]
    reported = "Numbness or tingling around the genitals or anus (saddle area)"
    assert reported in first
    assert first.index(reported) < first.index("At a glance")
    assert "Comparison 1 of 2" not in first  # page 1 is the glance
    assert "Emergency" in first[: first.index("At a glance")]
    assert 1 <= len(pages) <= 6


def test_no_red_flag_box_without_red_flags(realistic_pdf):
    text = " ".join(pages_text(realistic_pdf))
    assert "Red flags:" not in text and "Patient reported:" not in text


def test_metadata_and_deterministic_creation_date(app):
    screening = submitted()
    data = pdf.get_or_render_pdf(screening)
    reader = pypdf.PdfReader(io.BytesIO(data))
    meta = reader.metadata
    assert meta.title == f"SI joint screening summary – {screening.reference}"
    assert "criteria" in meta.subject
    created = pdf._utc(screening.submitted_at).strftime("D:%Y%m%d%H%M%S")
    assert meta["/CreationDate"].startswith(created)
    # Tagged PDF (PDF/UA-1).
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
    # The same inputs give the same bytes.
    html = pdf.render_html(pdf.summary_for(screening))
    assert pdf.render_pdf(html) == pdf.render_pdf(html)


@pytest.mark.parametrize(
    ("size", "width", "height"), [("A4", 595.28, 841.89), ("Letter", 612, 792)]
)
def test_paper_size_setting(make_app, size, width, height):
    app = make_app(PDF_PAPER_SIZE=size)
    with app.app_context():
        data = pdf.get_or_render_pdf(submitted())
        box = pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox
        assert float(box.width) == pytest.approx(width, abs=0.5)
        assert float(box.height) == pytest.approx(height, abs=0.5)
        db.session.remove()


# --- safety of the renderer ---------------------------------------------------------------------


@pytest.fixture
def fetch_spy(monkeypatch) -> list[str]:
    """Every URL any summary fetcher is asked for, in any render."""
    asked: list[str] = []
    original = pdf.StaticOnlyURLFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.StaticOnlyURLFetcher, "fetch", spy)
    return asked


@pytest.mark.parametrize("payload", PAYLOADS)
def test_patient_text_renders_as_literal_text_and_fetches_nothing(app, fetch_spy, payload):
    screening = submitted(dict(FULL, name=payload))
    html = pdf.render_html(pdf.summary_for(screening))
    if "<" in payload:
        assert payload not in html  # escaped: never markup
        assert "&lt;" in html
    # Nowhere a stylesheet could read it: no <style> element and no style attribute.
    assert "<style" not in html and " style=" not in html
    data = pdf.get_or_render_pdf(screening)
    text = squash(" ".join(pages_text(data)))
    assert squash(payload) in text
    assert fetch_spy == []
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.attachments == {}
    assert b"/EmbeddedFile" not in data


def test_patient_page_escapes_and_links_the_stylesheet(app, client):
    screening = submitted(dict(FULL, name=PAYLOADS[0]))
    with client.session_transaction() as sess:
        sess["screening_token"] = screening.token
        sess["sent_token"] = screening.token  # sent from this browser a moment ago
    page = client.get("/summary").get_data(as_text=True)
    assert PAYLOADS[0] not in page
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in page
    assert 'rel="stylesheet" href="/static/summary.css"' in page
    # The site CSP forbids inline style and script: only files (the Print button's script).
    assert " style=" not in page and "<style" not in page
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/summary.js" defer>']


def test_fetcher_serves_only_static_files():
    fetcher = pdf.StaticOnlyURLFetcher()
    css = fetcher.fetch(pdf.STYLESHEET.as_uri())
    assert b"@page" in css.read()
    outside = (pdf.STATIC_DIR / ".." / "pdf.py").as_uri()
    for url in (
        "file:///etc/passwd",
        outside,
        "file://evil.example/share/x.css",
        (pdf.STATIC_DIR / "missing.css").as_uri(),
        "http://127.0.0.1:9/",
        "https://example.org/x.css",
        "ftp://example.org/x",
        "data:text/html,<b>x</b>",
        "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
        "data:image/png;base64," + "A" * 40_000,
        "javascript:alert(1)",
    ):
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)


def test_fetcher_refuses_symlinks_out_of_static(tmp_path, monkeypatch):
    root = tmp_path / "static"
    root.mkdir()
    (root / "evil.css").symlink_to("/etc/passwd")
    fetcher = pdf.StaticOnlyURLFetcher(root=root)
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch((root / "evil.css").as_uri())


def test_fetcher_allows_a_small_data_image():
    png = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
        "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    )
    assert pdf.StaticOnlyURLFetcher().fetch(png).read().startswith(b"\x89PNG")


def test_a_refused_url_in_markup_is_not_fetched_from_the_network(app):
    # Even if markup ever reached the renderer, the fetcher would refuse (no exception escapes).
    fetcher = pdf.StaticOnlyURLFetcher()
    data = pdf.render_pdf(
        '<html lang="en"><title>t</title><img src="http://127.0.0.1:9/x.png">'
        '<link rel=attachment href="file:///etc/passwd"><p>ok</p></html>',
        fetcher=fetcher,
    )
    assert "http://127.0.0.1:9/x.png" in fetcher.requested
    assert b"root:" not in data
    assert pypdf.PdfReader(io.BytesIO(data)).attachments == {}


# --- cache and download -----------------------------------------------------------------------


def test_second_download_is_served_from_the_cache(app, monkeypatch):
    screening = submitted()
    calls: list[int] = []
    original = pdf.render_pdf

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(pdf, "render_pdf", spy)
    first = pdf.get_or_render_pdf(screening)
    db.session.commit()
    second = pdf.get_or_render_pdf(screening)
    assert first == second and len(calls) == 1
    assert db.session.scalar(select(func.count()).select_from(PdfCache)) == 1


def test_cache_key_covers_inputs(make_app):
    app = make_app()
    with app.app_context():
        screening = submitted()
        a4 = pdf.input_hash(screening, "A4")
        assert a4 == pdf.input_hash(screening, "A4")
        assert a4 != pdf.input_hash(screening, "Letter")
        screening.criteria_version = "other"
        assert a4 != pdf.input_hash(screening, "A4")
        db.session.remove()


def test_pdf_response_headers(app):
    screening = submitted()
    response = pdf.pdf_response(screening)
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{screening.reference}.pdf"'
    )
    assert screening.reference.startswith("SIJ-")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data().startswith(b"%PDF")


def test_draft_has_no_summary(app):
    draft = drafts.create_draft()
    with pytest.raises(ValueError):
        pdf.summary_for(draft)


# --- patient routes ---------------------------------------------------------------------------


def test_patient_gets_own_summary_and_pdf(app, client):
    screening = submitted()
    with client.session_transaction() as sess:
        sess["screening_token"] = screening.token
        sess["sent_token"] = screening.token  # sent from this browser a moment ago
    page = client.get("/summary")
    assert page.status_code == 200
    assert screening.reference in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    download = client.get("/summary.pdf")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "no-store"
    assert "does not diagnose" in pages_text(download.get_data())[0]
    # Kept for the next download.
    assert db.session.scalar(select(func.count()).select_from(PdfCache)) == 1


def test_other_sessions_get_404(app):
    screening = submitted()
    draft = drafts.create_draft()
    db.session.commit()
    assert screening.token != draft.token
    stranger = app.test_client()
    assert stranger.get("/summary").status_code == 404
    assert stranger.get("/summary.pdf").status_code == 404
    with stranger.session_transaction() as sess:
        sess["screening_token"] = draft.token  # their own, but not submitted
    assert stranger.get("/summary").status_code == 404
    assert stranger.get("/summary.pdf").status_code == 404
    with stranger.session_transaction() as sess:
        sess["screening_token"] = "guessed-" + screening.token[:10]
    assert stranger.get("/summary.pdf").status_code == 404


# --- command line -----------------------------------------------------------------------------


def test_cli_renders_pdf_and_html(app, tmp_path: Path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(dict(FULL, name=PAYLOADS[0])))
    out, html = tmp_path / "out.pdf", tmp_path / "out.html"
    result = app.test_cli_runner().invoke(
        args=["summary-pdf", str(answers), str(out), "--profile", "published", "--html", str(html)]
    )
    assert result.exit_code == 0, result.output
    pages = pages_text(out.read_bytes())
    assert "SIJ-PREVIEW" in pages[0] and "Preview" in pages[0]
    assert all("does not diagnose" in p for p in pages)
    text = " ".join(pages)
    # The chosen profile comes first.
    assert text.index("Published policies (a composite)") < text.index(
        "What the patient articles mention"
    )
    page = html.read_text()
    assert "&lt;img" in page and PAYLOADS[0] not in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"nope": 1}', "nope"),
        (json.dumps(dict(FULL, pain_average=11)), "pain_average"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(app, tmp_path: Path, content, message):
    answers = tmp_path / "answers.json"
    answers.write_text(content)
    out = tmp_path / "out.pdf"
    result = app.test_cli_runner().invoke(args=["summary-pdf", str(answers), str(out)])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_cli_missing_file_exits_2(app, tmp_path: Path):
    result = app.test_cli_runner().invoke(
        args=["summary-pdf", str(tmp_path / "missing.json"), str(tmp_path / "o.pdf")]
    )
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_the_patients_own_pdf_and_page_carry_no_statuses_or_counts(app, client):
    # The patient's version: their answers, what the specialist may ask about; the clinic's
    # comparison (statuses, counts, points to discuss with risk notes) is not in it.
    screening = submitted(dict(FULL, nicotine_use="yes", points_to_si_joint="not_sure"))
    with client.session_transaction() as sess:
        sess["screening_token"] = screening.token
        sess["sent_token"] = screening.token
    text = " ".join(pages_text(client.get("/summary.pdf").data))
    page = client.get("/summary").get_data(as_text=True)
    for words in (text, page):
        assert "At a glance" in words and "All answers" in words
        assert "Things your specialist may ask about" in words
        for clinic_only in ("Met", "Not met", "main criteria", "Points to discuss", "Comparison"):
            assert clinic_only not in words, clinic_only
    # The clinic's PDF of the same screening has them.
    clinic = " ".join(pages_text(pdf.get_or_render_pdf(screening)))
    assert "Not met" in clinic and "Points to discuss" in clinic
