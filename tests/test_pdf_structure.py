"""PDF/UA-1 in practice: the summary's structure tree, walked with pikepdf.

veraPDF (the reference PDF/UA checker) cannot be installed here (docs/accessibility-pdf.md), so
these tests check the rules a screen-reader user depends on, for the example, red-flag and
maximal screenings on A4 and Letter:

- the first heading is the H1, and heading levels never skip;
- every run of text on every page is either in the structure tree or an artifact (running
  header and footer, page numbers, decorative symbols, a table header repeated on a new page);
- the disclaimer is read once, as content, right after the H1;
- each HTML table is one Table (a table crossing a page is not split in two), with header cells;
- header cells have unique IDs, listed in the IDTree, and data cells point at existing IDs.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from typing import Any

import pikepdf
import pytest
from support import EVERY_TREATMENT, FULL, RED_FLAG_KEYS

from screening import drafts, pdf
from screening.extensions import db

SUBMIT_DAY = dt.date(2026, 11, 20)
# A name with no spaces to wrap at, every safety answer "yes", every point to discuss raised.
LONG_NAME = "Wolfeschlegelsteinhausenbergerdorff" * 2 + "Montgomery"
MAXIMAL: dict[str, Any] = {
    **EVERY_TREATMENT,
    **dict.fromkeys(RED_FLAG_KEYS, "yes"),
    "name": LONG_NAME,
    "pain_side": "both",
    "pain_locations": ["lower_back", "buttock", "groin", "hip", "thigh", "below_knee"],
    "leg_numbness": "yes",
    "other_conditions": ["disc_problem", "spinal_stenosis", "fibromyalgia", "osteoporosis"],
    "imaging_result": "other_problem",
    "imaging_other_problem": ["fracture", "tumour_or_infection"],
    "weight_kg": 140,
    "nicotine_use": "yes",
    "regular_opioids": "yes",
    "previous_lumbar_fusion": "yes",
    "previous_si_fusion": "yes",
    "pregnancy": "planning_pregnancy",
    "metal_allergy": "yes",
}
CASES = {
    "example": FULL,
    "red_flag": {**FULL, "rf_saddle_numbness": "yes", "rf_fever": "yes", "pain_side": "both"},
    "maximal": MAXIMAL,
}


def _render(answers: dict[str, Any], size: str) -> tuple[bytes, str]:
    screening = drafts.create_draft()
    screening.answers = dict(answers)
    drafts.submit(screening, today=SUBMIT_DAY)
    db.session.commit()
    summary = pdf.summary_for(screening)
    html = pdf.render_html(summary)
    return pdf.render_pdf(html, size=size, stylesheet=pdf.stylesheet_of(summary)), html


@pytest.fixture(scope="module")
def rendered(request) -> dict[tuple[str, str], tuple[bytes, str]]:
    """Every case on both paper sizes, rendered once for the module."""
    app = request.getfixturevalue("module_app")
    out = {}
    with app.app_context():
        for name, answers in CASES.items():
            for size in ("A4", "Letter"):
                out[(name, size)] = _render(answers, size)
    return out


def pdf_app(folder):
    """An app on its own SQLite file with its tables: PDFs rendered once for a module, whatever
    database the rest of the suite runs on."""
    from screening import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 's.sqlite'}",
            "INSTANCE_PATH": str(folder),
        }
    )
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture(scope="module")
def module_app(tmp_path_factory):
    return pdf_app(tmp_path_factory.mktemp("structure"))


def _kids(element: pikepdf.Dictionary) -> list[Any]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _elements(pdf_file: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element, in reading (depth-first) order."""
    out: list[pikepdf.Dictionary] = []

    def walk(element: pikepdf.Dictionary) -> None:
        out.append(element)
        for kid in _kids(element):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid)

    for top in _kids(pdf_file.Root.StructTreeRoot):
        walk(top)
    return out


def _reachable_mcids(elements: list[pikepdf.Dictionary]) -> set[tuple[int, int]]:
    """(page object number, MCID) of every marked run that a structure element owns."""
    owned = set()
    for element in elements:
        page = element.get("/Pg")
        for kid in _kids(element):
            if isinstance(kid, int):
                owned.add((page.objgen[0], int(kid)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                owned.add((kid.Pg.objgen[0], int(kid.MCID)))
    return owned


def _runs(page: pikepdf.Page) -> list[tuple[str, Any]]:
    """Each text-showing operator of a page with the marked content around it."""
    stack: list[Any] = []
    runs = []
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op in ("BDC", "BMC"):
            tag = str(operands[0])
            mcid = operands[1].get("/MCID") if op == "BDC" and len(operands) > 1 else None
            kind = operands[1].get("/Type") if op == "BDC" and len(operands) > 1 else None
            stack.append((tag, None if mcid is None else int(mcid), kind))
        elif op == "EMC":
            stack.pop()
        elif op in ("Tj", "TJ", "'", '"'):
            runs.append((op, list(stack)))
    return runs


@pytest.mark.parametrize("size", ["A4", "Letter"])
@pytest.mark.parametrize("case", list(CASES))
def test_structure_tree(rendered, case, size):
    data, html = rendered[(case, size)]
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert doc.Root.MarkInfo.Marked is True
        assert str(doc.Root.Lang) == "en"
        assert doc.Root.ViewerPreferences.DisplayDocTitle is True
        elements = _elements(doc)
        tags = [str(e.S) for e in elements]

        # Headings: the H1 first, no level skipped.
        headings = [int(t[2]) for t in tags if re.fullmatch(r"/H[1-6]", t)]
        assert headings[0] == 1 and headings.count(1) == 1
        for before, after in zip(headings, headings[1:], strict=False):
            assert after <= before + 1, headings
        # The disclaimer is content, read once, right after the H1.
        first_h1 = tags.index("/H1")
        assert tags[first_h1 + 1 :].index("/P") <= 2

        # Every text run is owned by the tree or is an artifact; the margin boxes of every page
        # (running header, footer, page number) are pagination artifacts.
        owned = _reachable_mcids(elements)
        for page in doc.pages:
            runs = _runs(page)
            assert runs
            pagination = 0
            for _op, stack in runs:
                assert stack, "text outside any marked content"
                tag, mcid, kind = stack[-1]
                if tag == "/Artifact":
                    pagination += kind == "/Pagination"
                    continue
                assert mcid is not None
                assert (page.obj.objgen[0], mcid) in owned, "text out of the structure tree"
            assert pagination >= 3  # header, footer, "Page N of M"

        # One Table per HTML table, never split by a page break; each with header cells and
        # at most one header row group.
        tables = [e for e in elements if str(e.S) == "/Table"]
        assert len(tables) == html.count("<table")
        for table in tables:
            inside = _elements_under(table)
            assert "/TH" in inside
            assert inside.count("/THead") <= 1

        # Header IDs: unique, in the IDTree; data cells point at them.
        ids = [bytes(e.ID) for e in elements if "/ID" in e]
        assert ids and len(ids) == len(set(ids))
        names = doc.Root.StructTreeRoot.IDTree.Names
        in_tree = {bytes(names[i]) for i in range(0, len(names), 2)}
        assert set(ids) == in_tree
        headers = [
            bytes(h)
            for e in elements
            if str(e.S) == "/TD" and "/A" in e and "/Headers" in e.A
            for h in e.A.Headers
        ]
        assert headers and set(headers) <= in_tree


def _elements_under(element: pikepdf.Dictionary) -> list[str]:
    out = []
    for kid in _kids(element):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            out.append(str(kid.S))
            out += _elements_under(kid)
    return out


def test_status_symbols_and_the_warning_sign_are_artifacts(rendered):
    # Each criterion row has a symbol beside its status word (aria-hidden in the HTML): all of
    # them, and the warning sign of the red-flag box, are layout artifacts, not read aloud.
    data, html = rendered[("red_flag", "A4")]
    hidden = html.count('aria-hidden="true"')
    assert hidden >= 10
    with pikepdf.open(io.BytesIO(data)) as doc:
        layout = Counter()
        for page in doc.pages:
            for _op, stack in _runs(page):
                if stack and stack[-1][0] == "/Artifact" and stack[-1][2] == "/Layout":
                    layout["runs"] += 1
        assert layout["runs"] >= hidden


def test_a_table_crossing_a_page_is_one_table_with_its_header_repeated_as_artifact(rendered):
    data, html = rendered[("maximal", "A4")]
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert len(doc.pages) >= 4
        # The comparison tables are long enough to cross a page in the maximal case: their
        # header row is printed again on the next page, as a pagination artifact only.
        header_words = 0
        for page in doc.pages[1:]:
            for _op, stack in _runs(page):
                if stack and stack[-1][0] == "/Artifact" and stack[-1][2] == "/Pagination":
                    header_words += 1
        pages = len(doc.pages) - 1
        assert header_words > 3 * pages  # more than the running header, footer and number
        tables = [e for e in _elements(doc) if str(e.S) == "/Table"]
        assert len(tables) == html.count("<table")
