"""Sign-in and sign-out, and the guard every clinician page goes through.

A session ends after CLINICIAN_IDLE_MINUTES without activity or CLINICIAN_ABSOLUTE_HOURS after
sign-in, when the account is disabled, and when its password changes (a new session version,
see accounts.end_sessions). Sign-in is rate-limited by address and by account.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
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

from .. import accounts
from ..accounts import Actor
from ..extensions import db, limiter
from ..models import Clinician
from .blueprint import bp
from .forms import ActionForm, SignInForm

LAST_SEEN = "clinician_last_seen"
SIGNED_IN_AT = "clinician_signed_in_at"
PUBLIC_ENDPOINTS = {"clinician.login"}


def current_actor() -> Actor:
    """The signed-in account and the request's address, as the services take them."""
    if current_user.is_authenticated:
        return Actor.of(current_user, request.remote_addr)
    return Actor(None, None, request.remote_addr)


def confirmed() -> None:
    """Refuse (400) a post of a button without its CSRF token."""
    if not ActionForm().validate_on_submit():
        abort(400)


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


def _start_session(clinician: Clinician) -> None:
    session.clear()  # a new session: nothing from before sign-in survives
    login_user(clinician)
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now


def _end_session(*, idle: bool) -> None:
    """Sign out (by hand or by timeout), and make the session unusable on the server too.

    The cookie is signed, not stored: clearing it here leaves any copy of it valid. A new
    session version makes load_clinician refuse every cookie issued before now. This signs the
    account out on every device it is signed in on, which is acceptable (and safer).
    """
    accounts.sign_out(current_user._get_current_object(), ip=request.remote_addr, idle=idle)
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
        _end_session(idle=True)
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
            current_actor().record("forbidden", detail=request.path)
            db.session.commit()
            abort(403)
        return view(*args, **kwargs)

    return wrapped


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
    accounts.sign_in_limited(request.form.get("email"), limit.limit, ip=request.remote_addr)
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
    form = SignInForm()
    if form.validate_on_submit():
        clinician = accounts.sign_in(form.email.data, form.password.data, ip=request.remote_addr)
        db.session.commit()
        if clinician is not None:
            _start_session(clinician)
            return redirect(next_url or url_for(".worklist"))
        form.refuse()
    page = render_template(
        "clinician/login.html",
        form=form,
        next_url=next_url,
        idle_minutes=current_app.config["CLINICIAN_IDLE_MINUTES"],
    )
    return page, (401 if form.form_errors else 200)


@bp.post("/logout")
def logout() -> Response:
    """Sign out and forget the session."""
    confirmed()
    _end_session(idle=False)
    flash(_("You have signed out."), "success")
    return redirect(url_for(".login"))
