"""Screenings sent under questionnaire 2026.11 render exactly as they did when they were sent.

tests/fixtures/legacy_2026_11/ holds two screenings as the 2026.11 release stored them (answers,
evaluations, reference, time), with the summary HTML and the PDF's text that release rendered.
They were captured by running the 2026.11 code, before questionnaire 2026.12 existed; nothing in
them is produced by the code under test.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest
from support.clinic import make_clinician, sign_in, stored_2026_11

from screening import pdf

FIXTURES = Path(__file__).parent / "fixtures" / "legacy_2026_11"
CASES = ("example", "red_flag_unguided")


_stored = stored_2026_11


@pytest.mark.parametrize("name", CASES)
def test_the_summary_html_is_the_one_sent(app, name):
    screening = _stored(name)
    with app.test_request_context("/"):
        html = pdf.render_html(pdf.summary_for(screening))
    assert html == (FIXTURES / f"{name}.html").read_text()


@pytest.mark.parametrize("name", CASES)
def test_the_pdf_text_is_the_one_sent(app, name):
    screening = _stored(name)
    with app.test_request_context("/"):
        data = pdf.get_or_render_pdf(screening)
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages]
    assert "\n".join(pages) + "\n" == (FIXTURES / f"{name}.pdf.txt").read_text()


def test_the_clinician_reads_a_2026_11_screening_with_its_own_questions(app, client):
    screening = _stored("red_flag_unguided")
    make_clinician()
    sign_in(client)
    page = client.get(f"/clinician/screenings/{screening.reference}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Questions only 2026.11 asked, worded as 2026.11 worded them.
    assert "How many months have you had this pain?" in html
    assert re.search(r"Was a scan or X-ray used to guide the needle\?</th>\s*<td>No<", html)
    assert "Numbness or tingling around your genitals or bottom" in html
