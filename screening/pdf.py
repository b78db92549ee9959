"""The summary as HTML and PDF: one template, a locked-down WeasyPrint, and a cache of the bytes.

WeasyPrint only ever sees HTML built by Jinja with autoescape on, stylesheets passed as local files
or strings, and a URL fetcher that serves nothing but the project's own static files.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import json
import mimetypes
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import (
    Response,
    current_app,
    has_app_context,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import languages, pdf_tags, releases
from .extensions import db
from .follow_up import follow_up_rows
from .models import PdfCache, Screening
from .print_css import page_css
from .questionnaire import long_date
from .summary import Summary, build_summary

# The summary's own structure tree (PDF/UA-1); other WeasyPrint calls keep WeasyPrint's.
pdf_tags.install()

STATIC_DIR = (Path(__file__).resolve().parent / "static").resolve()
STYLESHEET = STATIC_DIR / "summary.css"  # the current release's (each release names its own)
# Bump when the template, the stylesheet or this module change what a PDF looks like:
# it is part of the cache key, so old cached bytes are not served any more.
RENDER_VERSION = "summary-2026.12-2"
# Who reads it: the clinic (everything, with the comparison with criteria) or the patient
# (their answers, what happens next and what the specialist may ask about: no statuses).
AUDIENCES = ("clinician", "patient")
PAPER_SIZES = {"A4": "A4", "LETTER": "Letter"}
# Only these kinds of local file may be fetched (the stylesheet, fonts and small images we ship).
ALLOWED_SUFFIXES = {".css", ".woff", ".woff2", ".ttf", ".otf", ".png", ".jpg", ".jpeg", ".svg"}
DATA_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif"}
MAX_DATA_BYTES = 16 * 1024


class RefusedURL(ValueError):
    """The summary renderer does not fetch this URL."""


class StaticOnlyURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only files under screening/static; refuses the rest."""

    def __init__(self, root: Path = STATIC_DIR, **kwargs: Any) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, **kwargs)
        self.root = root.resolve()
        self.requested: list[str] = []  # every URL WeasyPrint asked for (tests spy on it)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Serve a file under the static folder or a small data: image; raise for anything else."""
        self.requested.append(url)
        scheme = urlsplit(url).scheme.lower()
        if scheme == "file":
            return self._file(url)
        if scheme == "data":
            return self._data(url)
        raise RefusedURL(f"refused URL scheme: {scheme or 'none'}")

    def _file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL("refused remote file URL")
        # Resolve symlinks and '..' before checking the path is inside the static folder.
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.root) or path.suffix.lower() not in ALLOWED_SUFFIXES:
            raise RefusedURL("refused file outside the summary's static files")
        if not path.is_file():
            raise RefusedURL("no such static file")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})

    def _data(self, url: str) -> URLFetcherResponse:
        header, _sep, payload = url[5:].partition(",")
        mime = header.split(";", 1)[0].strip().lower()
        if mime not in DATA_IMAGE_TYPES or not header.endswith(";base64"):
            raise RefusedURL("refused data: URL that is not a small image")
        if len(payload) > MAX_DATA_BYTES * 4 // 3 + 4:
            raise RefusedURL("refused data: image over the size limit")
        try:
            body = base64.b64decode(unquote(payload), validate=True)
        except (binascii.Error, ValueError):
            raise RefusedURL("refused malformed data: URL") from None
        return URLFetcherResponse(url, body, {"Content-Type": mime})


def paper_size(value: str | None = None) -> str:
    """The configured paper size, 'A4' or 'Letter' (A4 when unset or unknown)."""
    if value is None and has_app_context():
        value = current_app.config.get("PDF_PAPER_SIZE")
    return PAPER_SIZES.get((value or "A4").strip().upper(), "A4")


@lru_cache(maxsize=1)
def _font_config() -> FontConfiguration:
    # One font configuration per process: fonts are looked up once, not per render.
    return FontConfiguration()


@lru_cache(maxsize=16)
def _stylesheets(sheet: Path, size: str, page_rules: str) -> tuple[CSS, CSS]:
    # Parsed once per stylesheet, paper size and language; the fetcher only sees our own files.
    fetcher = StaticOnlyURLFetcher()
    return (
        CSS(filename=str(sheet), url_fetcher=fetcher, font_config=_font_config()),
        CSS(string=page_rules, url_fetcher=fetcher, font_config=_font_config()),
    )


def stylesheet_of(summary: Summary) -> Path:
    """The stylesheet of the release a summary was sent under."""
    return STATIC_DIR / releases.of(summary.questionnaire_version).summary_stylesheet


def render_pdf(
    html: str,
    size: str | None = None,
    fetcher: StaticOnlyURLFetcher | None = None,
    stylesheet: Path = STYLESHEET,
) -> bytes:
    """Render summary HTML to a tagged PDF/UA document with the restricted fetcher."""
    size = paper_size(size)
    fetcher = fetcher or StaticOnlyURLFetcher()
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher)
    with pdf_tags.tagging():
        return document.write_pdf(
            stylesheets=list(_stylesheets(stylesheet, size, page_css(size))),
            pdf_variant="pdf/ua-1",
            presentational_hints=False,
            font_config=_font_config(),
        )


def _utc(moment: dt.datetime) -> dt.datetime:
    # SQLite gives naive datetimes back; they were stored in UTC.
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def summary_for(screening: Screening, audience: str = "clinician") -> Summary:
    """The summary context of a submitted screening, from its stored data only, with what the
    clinic recorded since (its follow-ups).

    The stored evaluations keep the clinic's words (drafts.submit); the patient's copy words
    what it shows of them (the criteria the specialist may ask about) in the patient's language,
    and the clinic's copy says which language the patient answered in when not the clinic's.
    """
    if not screening.is_submitted or screening.evaluation is None or not screening.reference:
        raise ValueError("only a submitted screening has a summary")
    summary = build_summary(
        screening.answers or {},
        screening.evaluation,
        _utc(screening.submitted_at or screening.updated_at),
        screening.reference,
        screening.criteria_version or screening.evaluation["criteria_version"],
        others=screening.other_evaluations,
        questionnaire_version=screening.questionnaire_version,
        red_flag_history=screening.red_flag_history or [],
    )
    if audience == "patient":
        summary = dataclasses.replace(summary, not_known=tuple(_(t) for t in summary.not_known))
    else:
        summary = dataclasses.replace(
            summary, answered_in=languages.answered_in(languages.answered_language(screening))
        )
    return dataclasses.replace(
        summary, follow_ups=follow_up_rows(screening), replaces=_replaces(screening)
    )


def _language() -> str:
    """The language the summary is rendered in: the request's, else the clinic's (commands)."""
    return languages.current() if has_app_context() else languages.SOURCE_LANGUAGE


def _replaces(screening: Screening) -> str:
    """ "Replaces SIJ-… (sent 22 November 2026)" when the patient sent answers again."""
    earlier = db.session.get(Screening, screening.replaces_id) if screening.replaces_id else None
    if earlier is None or not earlier.is_submitted or earlier.submitted_at is None:
        return ""
    return _(
        "Replaces %(reference)s (sent %(date)s): the patient sent answers again.",
        reference=earlier.reference,
        date=long_date(_utc(earlier.submitted_at).date()),
    )


def render_html(
    summary: Summary,
    *,
    stylesheet_url: str | None = None,
    audience: str = "clinician",
    back_url: str | None = None,
) -> str:
    """Render the summary template of the summary's release; the PDF passes no stylesheet URL
    (it gets a file) and no Back link."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    return render_template(
        releases.of(summary.questionnaire_version).summary_template,
        s=summary,
        lang=_language(),
        created=_utc(summary.submitted_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        stylesheet_url=stylesheet_url,
        audience=audience,
        back_url=back_url,
    )


def render_summary_html(
    screening: Screening, *, audience: str = "clinician", back_url: str | None = None
) -> str:
    """The print-friendly HTML page of a submitted screening's summary (links its stylesheet)."""
    summary = summary_for(screening, audience)
    sheet = releases.of(summary.questionnaire_version).summary_stylesheet
    return render_html(
        summary,
        stylesheet_url=url_for("static", filename=sheet),
        audience=audience,
        back_url=back_url,
    )


def input_hash(screening: Screening, size: str | None = None, audience: str = "clinician") -> str:
    """A sha256 of everything the PDF shows, so a cached PDF is reused only when identical."""
    payload = {
        "answers": screening.answers,
        "evaluation": screening.evaluation,
        "other_evaluations": screening.other_evaluations,
        "criteria_version": screening.criteria_version,
        "questionnaire_version": screening.questionnaire_version,
        "red_flag_history": screening.red_flag_history or [],
        "reference": screening.reference,
        "replaces_id": screening.replaces_id,
        "submitted_at": _utc(screening.submitted_at).isoformat()
        if screening.submitted_at
        else None,
        "paper_size": paper_size(size),
        "render_version": RENDER_VERSION,
        "audience": audience,
        "locale": _language(),
        # Only the clinic's copy says it; with the audience, the two copies never share a key.
        "answered_in": languages.answered_language(screening) if audience == "clinician" else None,
    }
    clinic = current_app.extensions.get("screening.clinic") if has_app_context() else None
    if clinic is not None and clinic.name:
        # "Prepared for <clinic>" under the colophon: a renamed clinic gets a new PDF.
        payload["clinic"] = clinic.name
    if screening.follow_ups:
        # Added to, after sending: a cached PDF is made again once the clinic records one.
        payload["follow_ups"] = [
            [f.id, f.action, f.note, f.clinician_id, _utc(f.created_at).isoformat()]
            for f in screening.follow_ups
        ]
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def get_or_render_pdf(screening: Screening, audience: str = "clinician") -> bytes:
    """The PDF bytes of a submitted screening: from the cache, or rendered and stored (flush only)."""
    key = input_hash(screening, audience=audience)
    cached = db.session.scalar(
        select(PdfCache.pdf).where(
            PdfCache.screening_id == screening.id, PdfCache.input_hash == key
        )
    )
    if cached is not None:
        return bytes(cached)  # some drivers give a memoryview for binary columns
    summary = summary_for(screening, audience)
    pdf = render_pdf(render_html(summary, audience=audience), stylesheet=stylesheet_of(summary))
    try:
        # A savepoint: when a concurrent request stored the same PDF first, keep theirs.
        with db.session.begin_nested():
            db.session.add(PdfCache(screening_id=screening.id, input_hash=key, pdf=pdf))
    except IntegrityError:
        pass
    return pdf


def pdf_filename(screening: Screening) -> str:
    """The download name, like SIJ-7K3Q-9XMD.pdf (only letters, digits and hyphens)."""
    return re.sub(r"[^A-Za-z0-9-]", "", screening.reference or "SIJ") + ".pdf"


def pdf_response(screening: Screening, audience: str = "clinician") -> Response:
    """A download response of a submitted screening's PDF: attachment, never cached."""
    response = Response(get_or_render_pdf(screening, audience), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{pdf_filename(screening)}"'
    response.headers["Cache-Control"] = "no-store"
    return response
