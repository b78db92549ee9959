"""The page rules that depend on settings and language, for the PDF and for printing from a browser.

No WeasyPrint here: the browser's print stylesheet (`/summary-print.css`) is served from this
module too, so a summary printed from the browser carries the disclaimer and "Page N of M" on
every page, like the PDF.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from .summary import DISCLAIMER


def css_string(text: str) -> str:
    """A CSS string literal of `text`."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_number_content() -> str:
    """ "Page N of M" as a CSS content value: one sentence for translators, counters inside."""
    words = _("Page %(page)s of %(pages)s", page="\x00page\x00", pages="\x00pages\x00")
    parts = []
    for piece in re.split(r"\x00(pages?)\x00", words):
        if piece in ("page", "pages"):
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


def page_css(size: str) -> str:
    """The PDF's @page rules that depend on settings and language: paper size, page numbers."""
    return f"@page {{ size: {size}; @bottom-right {{ content: {page_number_content()}; }} }}"


def browser_print_css() -> str:
    """Printing the summary page from a browser: the disclaimer and the page number on every
    page (margin boxes), instead of the footer once at the end."""
    return (
        "@page { margin: 15mm 13mm 20mm 13mm;"
        f" @bottom-left {{ content: {css_string(str(DISCLAIMER))}; font-size: 8pt;"
        " vertical-align: top; width: 75%; }"
        f" @bottom-right {{ content: {page_number_content()}; font-size: 8pt;"
        " vertical-align: top; } }\n"
        ".running-footer { display: none; }\n"
    )
