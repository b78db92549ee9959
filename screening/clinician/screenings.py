"""The worklist, one screening (its page, printable summary and PDF), review, follow-up, and
exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _

from .. import exports, follow_up, paging, related, worklist
from ..exports import Download
from ..extensions import db
from ..fhir.ndjson import RESOURCE_TYPES
from ..models import Screening
from .auth import confirmed, current_actor
from .blueprint import bp
from .forms import ExportForm, FollowUpForm

EXPORT_DAYS = 30  # the export page proposes the last 30 days


@bp.get("/", endpoint="worklist")
def worklist_page() -> str | tuple[str, int]:
    """Submitted screenings, red flags first (emergency, urgent, then the others, each newest
    first) or newest first; search by reference or name, filter by outcome, review, red flags."""
    filters = worklist.Filters.clean(
        q=request.args.get("q"),
        outcome=request.args.get("outcome"),
        reviewed=request.args.get("reviewed"),
        red_flags=request.args.get("red_flags"),
        sort=request.args.get("sort"),
    )
    args = filters.as_args()
    page_args = {k: v for k, v in args.items() if v}
    # "Next" and "Previous" carry a cursor (paging); one changed by hand gets a friendly 400.
    try:
        pagination = worklist.search(filters, request.args.get("cursor"), actor=current_actor())
    except paging.BadCursor:
        return paging.bad_cursor_page(url_for(".worklist", **page_args))
    # Rendered before the commit (which expires the rows), so that the page's rows and their
    # follow-ups are read once, in the page's queries, never once per row.
    html = render_template(
        "clinician/worklist.html",
        pagination=pagination,
        screenings=pagination.items,
        rows=worklist.rows(pagination.items),
        filters=args,
        filtered=filters.active,
        page_args=page_args,
        count_cap=format_decimal(paging.COUNT_CAP),
    )
    db.session.commit()
    return html


def _open(reference: str, how: worklist.Access) -> Screening:
    """A submitted screening, its opening audited; 404 when there is none (drafts included)."""
    screening = worklist.open_screening(reference, actor=current_actor(), how=how)
    if screening is None:
        abort(404)
    return screening


def _screening_page(s: Screening, form: FollowUpForm) -> str:
    """A screening's page: its red flags by level, the red-flag answers over time, key facts,
    the review and follow-up actions, and the summary itself."""
    from ..pdf import summary_for

    # The same summary context and partial templates as the printable page and the PDF.
    return render_template(
        "clinician/screening.html",
        screening=s,
        summary=summary_for(s),
        red_flags=follow_up.red_flags_of(s),
        history=follow_up.history_of(s),
        follow_up_form=form,
        follow_up_actions=follow_up.ACTIONS,
        follow_up_errors=form.errors_by_id(),
        # The screening it replaces and those replacing it (sent again), and what changed.
        related=related.of(s, actor=current_actor()),
    )


@bp.get("/screenings/<reference>")
def screening(reference: str) -> str:
    """A screening's page (its opening audited)."""
    s = _open(reference, "view")
    page = _screening_page(s, FollowUpForm(formdata=None))
    db.session.commit()
    return page


@bp.post("/screenings/<reference>/follow-up")
def record_follow_up(reference: str) -> Response | str:
    """Record what the clinic did about a screening (any signed-in clinician); back to its page.

    A refused follow-up stores nothing and shows the page again (200, "Error:" in its title) with
    the error beside its field; that showing is audited as an opening, like any other.
    """
    form = FollowUpForm()
    if not form.validate_on_submit():
        abort(400)  # no CSRF token
    s = worklist.submitted(reference)
    if s is None:
        abort(404)
    try:
        follow_up.record(s, form.action.data, form.note.data, actor=current_actor())
    except follow_up.FollowUpError as e:
        db.session.rollback()
        form.reject(e)
        s = _open(reference, "view")
        page = _screening_page(s, form)
        db.session.commit()
        return page
    db.session.commit()
    flash(_("Follow-up recorded."), "success")
    return redirect(url_for(".screening", reference=s.reference, _anchor="follow-up"))


@bp.get("/screenings/<reference>/summary")
def summary(reference: str) -> Response:
    """The printable HTML summary, the same document the PDF is made from."""
    from ..pdf import render_summary_html

    s = _open(reference, "view_summary")
    response = Response(
        render_summary_html(s, back_url=url_for(".screening", reference=s.reference)),
        mimetype="text/html",
    )
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
    """The export page: a date range, how many screenings it holds, then CSV or FHIR."""
    form = ExportForm(request.args)
    valid = form.validate()
    today = dt.date.today()
    start = request.args.get("from") or (today - dt.timedelta(days=EXPORT_DAYS)).isoformat()
    end = request.args.get("to") or today.isoformat()
    count = None
    if valid:
        # The range shown: the one asked for, else the proposed one (one count query).
        count = exports.count_between(
            form.start.data if request.args.get("from") else dt.date.fromisoformat(start),
            form.end.data if request.args.get("to") else dt.date.fromisoformat(end),
        )
    return render_template(
        "clinician/export.html",
        start=start,
        end=end,
        count=count,
        resource_types=RESOURCE_TYPES,
        errors=form.errors_by_name(),
    )


def _streamed(chunks: Iterable[str]) -> Iterator[str]:
    """The chunks, read inside a request context of this same request (the app, its database
    session, the language), pushed when the server starts reading the body and popped when it
    ends or closes it.

    Like `flask.stream_with_context`, except that nothing is held before the body is read:
    stream_with_context pushes the request's context when the view returns, so a response that
    is never read (a test client's) leaves it pushed in that thread until garbage collection.
    The request's own context is torn down as usual when the view returns (the audit rows are
    committed by then); the body has its own session.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    environ = dict(request.environ)

    def read() -> Iterator[str]:
        # Nothing first (servers send no empty chunk): Werkzeug's test client reads one item
        # before returning the response, which must not open the context yet.
        yield ""
        with app.request_context(environ):
            yield from chunks

    return read()


def _download(make: Callable[..., Download], **options: object) -> Response:
    """The file `make` builds for the range asked, streamed as it is read (the audit rows are
    committed before the first byte is sent); back to the form when the range is wrong."""
    form = ExportForm(request.args)
    if not form.validate():
        kept = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
        return redirect(url_for(".export", **kept))
    download = make(form.start.data, form.end.data, actor=current_actor(), **options)
    db.session.commit()
    response = Response(_streamed(download.chunks), mimetype=download.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response.headers["Cache-Control"] = "no-store"
    # Not buffered by a proxy in front (nginx): the file starts at once and never sits whole
    # in the proxy's memory either.
    response.headers["X-Accel-Buffering"] = "no"
    return response


@bp.get("/export.csv")
def export_csv() -> Response:
    """CSV of submitted screenings in the date range."""
    return _download(exports.export_csv)


@bp.get("/export.fhir.json")
def export_fhir() -> Response:
    """A FHIR R4 transaction Bundle: the Questionnaires and terminology, then per screening its
    Patient, QuestionnaireResponse, red flags (Flag) and results (Observation)."""
    return _download(exports.export_fhir)


@bp.get("/export.ndjson")
def export_ndjson() -> Response:
    """The same resources as FHIR Bulk Data NDJSON, one per line; `type` (one resource type)
    gives only those lines, one file per type as Bulk Data servers give them."""
    kind = request.args.get("type") or None
    if kind is not None and kind not in RESOURCE_TYPES:
        abort(400)
    return _download(exports.export_ndjson, resource_type=kind)
