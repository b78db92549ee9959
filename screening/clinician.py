"""Clinician workspace: sign-in, worklist, a screening's summary and PDF, review, exports, admin.

Deny by default: every route of this blueprint needs a signed-in, active account (checked in one
before_request hook), except the sign-in page. Admin pages also need is_admin. Every access to a
patient's screening, every search, export and account change writes an audit row.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select, update

from . import accounts, audit, exports
from .criteria import OVERALL_LABELS
from .extensions import db, limiter, login_manager
from .models import Clinician, Screening, utcnow

bp = Blueprint("clinician", __name__, url_prefix="/clinician")

PER_PAGE = 25
AUDIT_PER_PAGE = 50
# A huge page number would overflow the database's OFFSET (a 500 on SQLite).
MAX_PAGE = 100_000
LAST_SEEN = "clinician_last_seen"
SIGNED_IN_AT = "clinician_signed_in_at"
PUBLIC_ENDPOINTS = {"clinician.login"}


@bp.record_once
def _setup(state: Any) -> None:
    login_manager.login_view = "clinician.login"
    login_manager.login_message = None


def _ip() -> str | None:
    return request.remote_addr


def _record(action: str, reference: str | None = None, detail: str | None = None) -> None:
    """Audit an action of the signed-in account and commit it with the request's work."""
    actor = current_user if current_user.is_authenticated else None
    audit.record(action, actor, reference=reference, detail=detail, ip=_ip())


# --- session guard ---------------------------------------------------------------------------


def is_safe_next(target: str | None) -> bool:
    """Whether a `next` value is a relative path on this site (no scheme, host or backslash)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _expired(now: float) -> bool:
    idle = current_app.config["CLINICIAN_IDLE_MINUTES"] * 60
    absolute = current_app.config["CLINICIAN_ABSOLUTE_HOURS"] * 3600
    last = session.get(LAST_SEEN)
    since = session.get(SIGNED_IN_AT)
    if not isinstance(last, (int, float)) or not isinstance(since, (int, float)):
        return True
    return now - last > idle or now - since > absolute


def _end_session(action: str) -> None:
    """Sign out (by hand or by timeout), and make the session unusable on the server too.

    The cookie is signed, not stored: clearing it here leaves any copy of it valid. A new
    session version makes load_clinician refuse every cookie issued before now. This signs the
    account out on every device it is signed in on, which is acceptable (and safer).
    """
    _record(action)
    accounts.end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()


def _login_redirect() -> Response:
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    if target and is_safe_next(target) and target != url_for(".worklist"):
        return redirect(url_for(".login", next=target))
    return redirect(url_for(".login"))


@bp.before_request
def _guard() -> Response | None:
    """Sign out idle sessions; send anonymous users to the sign-in page."""
    now = time.time()
    if current_user.is_authenticated and (
        not current_user.is_active or session.get("_user_id") != current_user.get_id()
    ):
        # Disabled, or the password changed since this session began.
        logout_user()
        session.clear()
    if current_user.is_authenticated and _expired(now):
        _end_session("sign_out_idle")
        flash(_("You were signed out because you were inactive. Sign in again."), "info")
        if request.endpoint in PUBLIC_ENDPOINTS:
            return redirect(url_for(".login"))
        return _login_redirect()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return _login_redirect()
    session[LAST_SEEN] = now
    return None


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse (403, audited) anyone who is not an administrator."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or not current_user.is_admin:
            _record("forbidden", detail=request.path)
            db.session.commit()
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.app_context_processor
def _clinician_globals() -> dict[str, Any]:
    return {"overall_labels": OVERALL_LABELS}


# --- sign-in and sign-out --------------------------------------------------------------------


def _address_limit() -> str:
    return current_app.config["CLINICIAN_LOGIN_LIMIT"]


def _account_limit() -> str:
    return current_app.config["CLINICIAN_ACCOUNT_LOGIN_LIMIT"]


def _posted_email() -> str:
    """Rate-limit key of the posted account: a keyed hash of the email, never the email itself.

    Limiter keys are kept in the shared storage (Redis) and written to Flask-Limiter's log.
    """
    email = (request.form.get("email") or "").strip().lower()[:254]
    secret = current_app.config["SECRET_KEY"]
    key = secret if isinstance(secret, bytes) else str(secret).encode()
    digest = hmac.new(key, email.encode(), hashlib.sha256).hexdigest()
    return "account:" + digest[:32]


def _limited(limit: Any) -> None:
    """Audit a refused sign-in attempt; the friendly 429 page follows."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    audit.record("sign_in_limited", email or None, detail=f"limit={limit.limit}", ip=_ip())
    db.session.commit()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], on_breach=_limited)
@limiter.limit(_account_limit, key_func=_posted_email, methods=["POST"], on_breach=_limited)
def login() -> Any:
    """Sign in with email and password; the same error whatever was wrong."""
    next_url = request.values.get("next")
    if not is_safe_next(next_url):
        next_url = None
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(next_url or url_for(".worklist"))
    error = None
    email = ""
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()[:254]
        password = request.form.get("password") or ""
        clinician = accounts.authenticate(email, password) if email and password else None
        if clinician is None:
            if not email or not password:
                accounts.authenticate("", password)  # same time as a wrong password
            audit.record("sign_in_failed", email.lower() or None, ip=_ip())
            db.session.commit()
            error = _("Enter a correct email address and password")
        else:
            session.clear()  # a new session: nothing from before sign-in survives
            login_user(clinician)
            now = time.time()
            session[SIGNED_IN_AT] = now
            session[LAST_SEEN] = now
            audit.record("sign_in", clinician, ip=_ip())
            db.session.commit()
            return redirect(next_url or url_for(".worklist"))
    page = render_template(
        "clinician/login.html",
        error=error,
        email=email,
        next_url=next_url,
        idle_minutes=current_app.config["CLINICIAN_IDLE_MINUTES"],
    )
    return page, (200 if error is None else 401)


@bp.post("/logout")
def logout() -> Response:
    """Sign out and forget the session."""
    _end_session("sign_out")
    flash(_("You have signed out."), "success")
    return redirect(url_for(".login"))


# --- worklist --------------------------------------------------------------------------------


def _submitted() -> Any:
    return select(Screening).where(Screening.status == "submitted")


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


@bp.get("/")
def worklist() -> str:
    """Submitted screenings, newest first; search by reference or name, filter by outcome."""
    q = (request.args.get("q") or "").strip()[:100]
    outcome = request.args.get("outcome") or ""
    if outcome not in OVERALL_LABELS:
        outcome = ""
    reviewed = request.args.get("reviewed") or ""
    if reviewed not in ("yes", "no"):
        reviewed = ""
    flags = request.args.get("red_flags") == "1"
    page = min(request.args.get("page", 1, type=int) or 1, MAX_PAGE)

    stmt = _submitted()
    if q:
        conditions = [func.lower(Screening.patient_name).contains(q.lower(), autoescape=True)]
        if code := _alnum(q).upper():
            conditions.append(
                func.replace(Screening.reference, "-", "").contains(code, autoescape=True)
            )
        stmt = stmt.where(db.or_(*conditions))
    if outcome:
        stmt = stmt.where(Screening.overall == outcome)
    if reviewed == "yes":
        stmt = stmt.where(Screening.reviewed_at.is_not(None))
    elif reviewed == "no":
        stmt = stmt.where(Screening.reviewed_at.is_(None))
    if flags:
        stmt = stmt.where(Screening.has_red_flags.is_(True))
    stmt = stmt.order_by(Screening.submitted_at.desc(), Screening.id.desc())
    pagination = db.paginate(stmt, page=max(page, 1), per_page=PER_PAGE, error_out=False)

    filtered = bool(q or outcome or reviewed or flags)
    shown = [s.reference or "" for s in pagination.items]
    # The search words may be a patient's name: record that there was one, never the words;
    # and which screenings the page listed (their names are on it).
    detail = (
        f"query={'yes' if q else 'no'} outcome={outcome or 'any'} reviewed={reviewed or 'any'} "
        f"red_flags={'yes' if flags else 'any'} page={pagination.page} "
        f"results={pagination.total} shown={','.join(shown)}"
    )
    # A search for one exact reference is filed under that screening.
    code = _alnum(q).upper()
    exact = next((ref for ref in shown if code and _alnum(ref) == code), None)
    _record("search" if filtered else "worklist", reference=exact, detail=detail)
    db.session.commit()
    args = {"q": q, "outcome": outcome, "reviewed": reviewed, "red_flags": "1" if flags else ""}
    return render_template(
        "clinician/worklist.html",
        pagination=pagination,
        screenings=pagination.items,
        filters=args,
        filtered=filtered,
        page_args={k: v for k, v in args.items() if v},
    )


# --- one screening ---------------------------------------------------------------------------


def _screening(reference: str) -> Screening:
    """A submitted screening by reference, or 404. Drafts have no reference and never match."""
    screening = db.session.scalar(_submitted().where(Screening.reference == reference.upper()))
    if screening is None:
        abort(404)
    return screening


def _summary_html(screening: Screening) -> str:
    from .pdf import render_summary_html

    return render_summary_html(screening)


@bp.get("/screenings/<reference>")
def screening(reference: str) -> str:
    """A screening's page: key facts, the review action, the PDF link and the summary itself."""
    from .pdf import summary_for

    s = _screening(reference)
    _record("view", reference=s.reference)
    db.session.commit()
    # The same summary context and partial templates as the printable page and the PDF.
    return render_template("clinician/screening.html", screening=s, summary=summary_for(s))


@bp.get("/screenings/<reference>/summary")
def summary(reference: str) -> Response:
    """The printable HTML summary, the same document the PDF is made from."""
    s = _screening(reference)
    html = _summary_html(s)
    _record("view_summary", reference=s.reference)
    db.session.commit()
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/screenings/<reference>/summary.pdf")
def summary_pdf(reference: str) -> Response:
    """The PDF summary, as a download."""
    from .pdf import pdf_response

    s = _screening(reference)
    response = pdf_response(s)
    _record("pdf_download", reference=s.reference)
    db.session.commit()
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/screenings/<reference>/review")
def review(reference: str) -> Response:
    """Mark a screening as reviewed by the signed-in clinician (once; later clicks keep it)."""
    s = _screening(reference)
    # A conditional UPDATE: of two clinicians clicking at once, exactly one is recorded.
    result = db.session.execute(
        update(Screening)
        .where(Screening.id == s.id, Screening.reviewed_at.is_(None))
        .values(reviewed_at=utcnow(), reviewed_by_id=current_user.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        _record("review", reference=s.reference)
        db.session.commit()
        flash(_("Marked as reviewed."), "success")
    else:
        flash(_("This screening was already marked as reviewed."), "info")
    return redirect(url_for(".screening", reference=s.reference))


# --- exports ---------------------------------------------------------------------------------


def _date_arg(name: str) -> dt.date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    # The calendar's last day has no next day to end a range at (an OverflowError).
    return day if day < dt.date.max else None


def _export_range() -> tuple[dt.date | None, dt.date | None, dict[str, str]]:
    """The date range asked for, and its errors by the field they are about ("from", "to")."""
    errors: dict[str, str] = {}
    start, end = _date_arg("from"), _date_arg("to")
    if request.args.get("from") and start is None:
        errors["from"] = _("Enter the start date as a real date, like 2026-11-01")
    if request.args.get("to") and end is None:
        errors["to"] = _("Enter the end date as a real date, like 2026-11-30")
    if start and end and end < start:
        errors["to"] = _("The end date must be the same as or after the start date")
    return start, end, errors


@bp.get("/export")
def export() -> str:
    """The export page: a date range, then CSV or FHIR."""
    start, end, errors = _export_range()
    today = dt.date.today()
    return render_template(
        "clinician/export.html",
        start=request.args.get("from") or (today - dt.timedelta(days=30)).isoformat(),
        end=request.args.get("to") or today.isoformat(),
        errors=errors,
    )


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _export_screenings(kind: str) -> tuple[list[Screening], str] | Response:
    start, end, errors = _export_range()
    if errors:
        return redirect(
            url_for(
                ".export",
                **{"from": request.args.get("from", ""), "to": request.args.get("to", "")},
            )
        )
    screenings = exports.submitted_between(start, end)
    span = f"from={start or 'any'} to={end or 'any'}"
    refs = ",".join(s.reference or "" for s in screenings)
    _record(kind, detail=f"{span} count={len(screenings)} references={refs}")
    # One row per screening too, so that a screening's trail shows every export of it
    # (the summary row's list is cut when the export is large).
    for s in screenings:
        _record(kind, reference=s.reference, detail=f"{span} (one of {len(screenings)})")
    db.session.commit()
    label = f"{start or 'start'}_{end or dt.date.today()}"
    return screenings, label


@bp.get("/export.csv")
def export_csv() -> Response:
    """CSV of submitted screenings in the date range."""
    result = _export_screenings("export_csv")
    if isinstance(result, Response):
        return result
    screenings, label = result
    # A byte order mark, so that spreadsheets read accented names as UTF-8.
    body = "\ufeff" + exports.to_csv(screenings)
    return _download(body, "text/csv", f"si-joint-screenings_{label}.csv")


@bp.get("/export.fhir.json")
def export_fhir() -> Response:
    """A FHIR R4 Bundle: the Questionnaire and a QuestionnaireResponse per screening."""
    result = _export_screenings("export_fhir")
    if isinstance(result, Response):
        return result
    screenings, label = result
    body = exports.json_text(exports.fhir_bundle(screenings))
    return _download(body, "application/fhir+json", f"si-joint-screenings_{label}.fhir.json")


# --- administration --------------------------------------------------------------------------


@bp.route("/admin/accounts", methods=["GET", "POST"])
@admin_required
def accounts_page() -> Any:
    """List accounts; create one."""
    error = None
    error_field = None
    form = {"email": "", "is_admin": False}
    if request.method == "POST":
        form = {
            "email": (request.form.get("email") or "").strip()[:254],
            "is_admin": request.form.get("is_admin") == "1",
        }
        try:
            created = accounts.create(
                form["email"], request.form.get("password") or "", is_admin=form["is_admin"]
            )
        except accounts.AccountError as e:
            db.session.rollback()
            error = str(e)
            error_field = e.field
        else:
            _record(
                "account_create",
                detail=f"account={created.email} admin={'yes' if created.is_admin else 'no'}",
            )
            db.session.commit()
            flash(_("Account created for %(email)s.", email=created.email), "success")
            return redirect(url_for(".accounts_page"))
    return render_template(
        "clinician/accounts.html",
        accounts=accounts.list_accounts(),
        error=error,
        error_field=error_field,
        form=form,
    ), (200 if error is None else 400)


def _account(account_id: int) -> Clinician:
    # Ids beyond a 32-bit integer exist nowhere, and PostgreSQL refuses to compare with them.
    if not 0 < account_id < 2**31:
        abort(404)
    clinician = db.session.get(Clinician, account_id)
    if clinician is None:
        abort(404)
    return clinician


@bp.post("/admin/accounts/<int:account_id>/disable")
@admin_required
def disable_account(account_id: int) -> Response:
    """Disable an account (not one's own)."""
    clinician = _account(account_id)
    if clinician.id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
        return redirect(url_for(".accounts_page"))
    accounts.disable(clinician)
    _record("account_disable", detail=f"account={clinician.email}")
    db.session.commit()
    flash(_("Account %(email)s disabled.", email=clinician.email), "success")
    return redirect(url_for(".accounts_page"))


@bp.post("/admin/accounts/<int:account_id>/enable")
@admin_required
def enable_account(account_id: int) -> Response:
    """Enable a disabled account."""
    clinician = _account(account_id)
    accounts.enable(clinician)
    _record("account_enable", detail=f"account={clinician.email}")
    db.session.commit()
    flash(_("Account %(email)s enabled.", email=clinician.email), "success")
    return redirect(url_for(".accounts_page"))


@bp.get("/admin/audit")
@admin_required
def audit_page() -> str:
    """The audit trail, newest first, filterable by user and screening reference."""
    user = (request.args.get("user") or "").strip()[:254]
    reference = (request.args.get("reference") or "").strip()[:32]
    page = min(request.args.get("page", 1, type=int) or 1, MAX_PAGE)
    stmt = audit.query(actor_email=user or None, reference=reference or None)
    pagination = db.paginate(stmt, page=max(page, 1), per_page=AUDIT_PER_PAGE, error_out=False)
    _record(
        "audit_view",
        reference=reference.upper() or None,
        detail=f"user={user or 'any'} page={pagination.page}",
    )
    db.session.commit()
    users = [a.email for a in accounts.list_accounts()] + ["cli"]
    return render_template(
        "clinician/audit.html",
        pagination=pagination,
        events=pagination.items,
        user=user,
        reference=reference,
        users=users,
        actions=audit.ACTIONS,
        page_args={k: v for k, v in {"user": user, "reference": reference}.items() if v},
        as_utc=audit.as_utc,
    )
