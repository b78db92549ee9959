"""Page 1 at a glance, and nothing printed outside its place, read back with poppler's pdftotext.

The words a specialist looks for are on page 1 (A4 and Letter); every page carries the patient's
name, date of birth, the reference and the disclaimer; and in the long-name and maximal cases no
word runs past the page margins or over another word (bounding boxes from `pdftotext -bbox`).
"""

from __future__ import annotations

import html as html_lib
import re
import subprocess
from itertools import combinations

import pytest
from support import FULL
from test_pdf_structure import LONG_NAME, MAXIMAL, _render, pdf_app

MM = 72 / 25.4
MARGIN_X = 13 * MM  # summary.css: @page margin left and right


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layout")
    app = pdf_app(folder)
    out = {}
    with app.app_context():
        for name, answers in {"example": FULL, "maximal": MAXIMAL}.items():
            for size in ("A4", "Letter"):
                path = folder / f"{name}-{size}.pdf"
                path.write_bytes(_render(answers, size)[0])
                out[(name, size)] = path
    return out


def page_texts(path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def words(path) -> list[tuple[float, float, list[tuple[float, float, float, float, str]]]]:
    """Each page's width, height and words with their boxes (xMin, yMin, xMax, yMax, word)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S):
        boxes = [
            (float(a), float(b), float(c), float(d), html_lib.unescape(w))
            for a, b, c, d, w in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                page.group(3),
            )
        ]
        pages.append((float(page.group(1)), float(page.group(2)), boxes))
    return pages


# The example answers' at-a-glance facts, written out by hand.
GLANCE = [
    "Urgent symptoms No urgent symptoms reported.",
    "Name Alex Example",
    "Date of birth 14 May 1972 (age 54)",
    "BMI 24.9 (170 cm, 72 kg)",
    "Appointment 10 December 2026",
    "How long 19 months (since May 2025)",
    "Side Left side",
    "Where Lower back, Buttock",
    "average pain 7 out of 10; gets in the way 6 out of 10",
    "SI joint exam Yes, they brought on my usual pain · 4 tests positive",
    "An X-ray or CT scan · 80% less pain · A few hours",
    "An X-ray or CT scan · 85% less pain · A few hours",
    "X-ray, MRI scan · They showed changes in the SI joint",
    "12 weeks",
    "It did not help",
    "First treatment: August 2025 (16 months ago).",
    "Published policies (a composite): 9 of 9 main criteria met, 0 not met, 0 not known.",
    "What the patient articles mention: 4 of 4 main criteria met, 0 not met, 0 not known.",
]


@pytest.mark.parametrize("size", ["A4", "Letter"])
def test_page_one_holds_the_facts_at_a_glance(pdfs, size):
    pages = page_texts(pdfs[("example", size)])
    first = pages[0]
    squashed = "".join(first.split())
    for fact in GLANCE:
        assert "".join(fact.split()) in squashed, fact
    for treatment in ("Physical therapy (physiotherapy)", "Pain medicine", "(brace)"):
        assert treatment in first
    # Stricter first, and the full comparison only from page 2.
    assert first.index("Published policies (a composite):") < first.index(
        "What the patient articles mention:"
    )
    assert "Comparison 1 of 2" not in first and "Comparison 1 of 2" in pages[1]


@pytest.mark.parametrize("case", ["example", "maximal"])
@pytest.mark.parametrize("size", ["A4", "Letter"])
def test_every_page_names_the_patient_and_carries_the_disclaimer(pdfs, case, size):
    pages = page_texts(pdfs[(case, size)])
    name = "Alex Example" if case == "example" else LONG_NAME
    for n, text in enumerate(pages, start=1):
        squashed = "".join(text.split())
        assert "".join(name.split()) in squashed, n
        assert "born14May1972" in squashed, n
        assert re.search(r"SIJ-[0-9A-Z]{4}-[0-9A-Z]{4}", squashed), n
        assert "It does not diagnose and does not decide about surgery." in text, n
        assert f"Page {n} of {len(pages)}" in text


@pytest.mark.parametrize("case", ["example", "maximal"])
@pytest.mark.parametrize("size", ["A4", "Letter"])
def test_no_word_leaves_the_page_or_overlaps_another(pdfs, case, size):
    for width, _height, boxes in words(pdfs[(case, size)]):
        assert boxes
        for x0, _y0, x1, _y1, word in boxes:
            assert x0 >= MARGIN_X - 1 and x1 <= width - MARGIN_X + 1, word
        for a, b in combinations(boxes, 2):
            dx = min(a[2], b[2]) - max(a[0], b[0])
            dy = min(a[3], b[3]) - max(a[1], b[1])
            assert dx <= 0.5 or dy <= 0.5, (a[4], b[4])


def test_the_long_name_wraps_inside_its_column(pdfs):
    width, _height, boxes = words(pdfs[("maximal", "A4")])[0]
    # Page 1's glance: the name cell is in the left half; its pieces never reach the right one.
    pieces = [b for b in boxes if "Wolfeschlegel" in b[4] or "Montgomery" in b[4]]
    in_glance = [b for b in pieces if b[1] > 150]  # below the running header
    assert len(in_glance) >= 2  # wrapped onto more than one line
    assert all(b[2] < width / 2 for b in in_glance)
