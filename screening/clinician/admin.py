"""Administration: accounts (list, create, disable, enable) and the audit trail."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import accounts, audit, audit_trail, paging
from ..extensions import db
from ..models import Clinician
from .auth import admin_required, confirmed, current_actor
from .blueprint import bp
from .forms import AccountForm


@bp.route("/admin/accounts", methods=["GET", "POST"])
@admin_required
def accounts_page() -> Any:
    """List accounts; create one."""
    form = AccountForm()
    if form.validate_on_submit():
        try:
            created = accounts.create_account(
                form.email.data,
                form.password.data,
                is_admin=form.is_admin.data,
                actor=current_actor(),
            )
        except accounts.AccountError as e:
            form.reject(e)
        else:
            db.session.commit()
            flash(_("Account created for %(email)s.", email=created.email), "success")
            return redirect(url_for(".accounts_page"))
    page = render_template("clinician/accounts.html", accounts=accounts.list_accounts(), form=form)
    return page, (400 if form.errors else 200)


def _account(account_id: int) -> Clinician:
    clinician = accounts.get(account_id)
    if clinician is None:
        abort(404)
    return clinician


@bp.post("/admin/accounts/<int:account_id>/disable")
@admin_required
def disable_account(account_id: int) -> Response:
    """Disable an account (not one's own)."""
    confirmed()
    clinician = _account(account_id)
    try:
        accounts.disable_account(clinician, actor=current_actor())
    except accounts.AccountError as e:
        flash(str(e), "error")
    else:
        db.session.commit()
        flash(_("Account %(email)s disabled.", email=clinician.email), "success")
    return redirect(url_for(".accounts_page"))


@bp.post("/admin/accounts/<int:account_id>/enable")
@admin_required
def enable_account(account_id: int) -> Response:
    """Enable a disabled account."""
    confirmed()
    clinician = _account(account_id)
    accounts.enable_account(clinician, actor=current_actor())
    db.session.commit()
    flash(_("Account %(email)s enabled.", email=clinician.email), "success")
    return redirect(url_for(".accounts_page"))


@bp.get("/admin/audit")
@admin_required
def audit_page() -> str | tuple[str, int]:
    """The audit trail, newest first, filterable by user and screening reference."""
    user = (request.args.get("user") or "").strip()[:254]
    reference = (request.args.get("reference") or "").strip()[:32]
    page_args = {k: v for k, v in {"user": user, "reference": reference}.items() if v}
    try:
        pagination = audit_trail.read(
            user, reference, request.args.get("cursor"), actor=current_actor()
        )
    except paging.BadCursor:
        return paging.bad_cursor_page(url_for(".audit_page", **page_args))
    users = [a.email for a in accounts.list_accounts()] + [accounts.CLI.email]
    # Rendered before the commit (which expires the events), so that no row is read again.
    html = render_template(
        "clinician/audit.html",
        pagination=pagination,
        events=pagination.items,
        user=user,
        reference=reference,
        users=users,
        actions=audit.ACTIONS,
        page_args=page_args,
        as_utc=audit.as_utc,
    )
    db.session.commit()
    return html
