"""The worklist, one screening (its page, printable summary and PDF), review, and exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import exports, worklist
from ..exports import Download
from ..extensions import db
from ..models import Screening
from .auth import confirmed, current_actor
from .blueprint import bp
from .forms import ExportForm

EXPORT_DAYS = 30  # the export page proposes the last 30 days


@bp.get("/", endpoint="worklist")
def worklist_page() -> str:
    """Submitted screenings, newest first; search by reference or name, filter by outcome."""
    filters = worklist.Filters.clean(
        q=request.args.get("q"),
        outcome=request.args.get("outcome"),
        reviewed=request.args.get("reviewed"),
        red_flags=request.args.get("red_flags") == "1",
    )
    page = request.args.get("page", 1, type=int)
    pagination = worklist.search(filters, page, actor=current_actor())
    db.session.commit()
    args = filters.as_args()
    return render_template(
        "clinician/worklist.html",
        pagination=pagination,
        screenings=pagination.items,
        filters=args,
        filtered=filters.active,
        page_args={k: v for k, v in args.items() if v},
    )


def _open(reference: str, how: worklist.Access) -> Screening:
    """A submitted screening, its opening audited; 404 when there is none (drafts included)."""
    screening = worklist.open_screening(reference, actor=current_actor(), how=how)
    if screening is None:
        abort(404)
    return screening


@bp.get("/screenings/<reference>")
def screening(reference: str) -> str:
    """A screening's page: key facts, the review action, the PDF link and the summary itself."""
    from ..pdf import summary_for

    s = _open(reference, "view")
    db.session.commit()
    # The same summary context and partial templates as the printable page and the PDF.
    return render_template("clinician/screening.html", screening=s, summary=summary_for(s))


@bp.get("/screenings/<reference>/summary")
def summary(reference: str) -> Response:
    """The printable HTML summary, the same document the PDF is made from."""
    from ..pdf import render_summary_html

    s = _open(reference, "view_summary")
    response = Response(render_summary_html(s), mimetype="text/html")
    db.session.commit()
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/screenings/<reference>/summary.pdf")
def summary_pdf(reference: str) -> Response:
    """The PDF summary, as a download."""
    from ..pdf import pdf_response

    response = pdf_response(_open(reference, "pdf_download"))
    db.session.commit()
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/screenings/<reference>/review")
def review(reference: str) -> Response:
    """Mark a screening as reviewed by the signed-in clinician (once; later clicks keep it)."""
    confirmed()
    s = worklist.submitted(reference)
    if s is None:
        abort(404)
    if worklist.mark_reviewed(s, actor=current_actor()):
        flash(_("Marked as reviewed."), "success")
    else:
        flash(_("This screening was already marked as reviewed."), "info")
    db.session.commit()
    return redirect(url_for(".screening", reference=s.reference))


# --- exports ---------------------------------------------------------------------------------


@bp.get("/export")
def export() -> str:
    """The export page: a date range, then CSV or FHIR."""
    form = ExportForm(request.args)
    form.validate()
    today = dt.date.today()
    return render_template(
        "clinician/export.html",
        start=request.args.get("from") or (today - dt.timedelta(days=EXPORT_DAYS)).isoformat(),
        end=request.args.get("to") or today.isoformat(),
        errors=form.errors_by_name(),
    )


def _download(make: Callable[..., Download]) -> Response:
    """The file `make` builds for the range asked; back to the form when the range is wrong."""
    form = ExportForm(request.args)
    if not form.validate():
        kept = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
        return redirect(url_for(".export", **kept))
    download = make(form.start.data, form.end.data, actor=current_actor())
    db.session.commit()
    response = Response(download.body, mimetype=download.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export.csv")
def export_csv() -> Response:
    """CSV of submitted screenings in the date range."""
    return _download(exports.export_csv)


@bp.get("/export.fhir.json")
def export_fhir() -> Response:
    """A FHIR R4 Bundle: the Questionnaire and a QuestionnaireResponse per screening."""
    return _download(exports.export_fhir)
