"""Patient routes for the summary of their own submitted screening: print-friendly HTML and PDF."""

from __future__ import annotations

from flask import Response, abort, session

from . import drafts
from .models import Screening
from .patient import bp


def _own_submitted_screening() -> Screening:
    """The session's own submitted screening, or 404 (never another patient's)."""
    screening = drafts.by_token(session.get("screening_token"))
    if screening is None or not screening.is_submitted:
        abort(404)
    return screening


@bp.get("/summary")
def summary() -> Response:
    """The print-friendly HTML summary of the patient's own submitted screening."""
    from .pdf import render_summary_html

    response = Response(render_summary_html(_own_submitted_screening()), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/summary.pdf")
def summary_pdf() -> Response:
    """The PDF summary of the patient's own submitted screening, as a download."""
    from .pdf import pdf_response

    response = pdf_response(_own_submitted_screening())
    from .extensions import db

    db.session.commit()  # keep the freshly rendered bytes in the cache
    return response
