"""Admin pages: accounts and the audit trail; non-admins are refused (and that is audited)."""

from __future__ import annotations

import pytest
from support.clinic import (
    ADMIN_PASSWORD,
    audit_rows,
    form_group,
    make_clinician,
    make_screening,
    sign_in,
)

from screening import accounts
from screening.extensions import db

ADMIN_ROUTES = [
    ("GET", "/clinician/admin/accounts"),
    ("POST", "/clinician/admin/accounts"),
    ("POST", "/clinician/admin/accounts/{id}/disable"),
    ("POST", "/clinician/admin/accounts/{id}/enable"),
    ("GET", "/clinician/admin/audit"),
]


@pytest.fixture
def admin_client(app, client):
    """A client signed in as an administrator."""
    make_clinician("admin@clinic.example", ADMIN_PASSWORD, admin=True)
    assert sign_in(client, "admin@clinic.example", ADMIN_PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_non_admin_is_refused(app, client, method, path):
    doctor = make_clinician()
    other = make_clinician("nurse@clinic.example")
    sign_in(client)
    response = client.open(
        path.format(id=other.id),
        method=method,
        data={"email": "new@clinic.example", "password": "long enough password"},
    )
    assert response.status_code == 403
    assert "You cannot open this page" in response.text
    db.session.expire_all()
    assert accounts.find("new@clinic.example") is None
    assert not accounts.find("nurse@clinic.example").disabled
    [row] = audit_rows("forbidden")
    assert row.actor_id == doctor.id
    assert row.detail == path.format(id=other.id)


def test_non_admin_does_not_see_admin_links(app, client):
    make_clinician()
    sign_in(client)
    page = client.get("/clinician/").text
    assert "/clinician/admin/" not in page


def test_admin_sees_accounts_and_creates_one(admin_client):
    page = admin_client.get("/clinician/admin/accounts")
    assert page.status_code == 200 and "admin@clinic.example" in page.text
    response = admin_client.post(
        "/clinician/admin/accounts",
        data={"email": "New.Doctor@clinic.example", "password": "a fine long password"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    created = accounts.find("new.doctor@clinic.example")
    assert created is not None and not created.is_admin
    [row] = audit_rows("account_create")
    assert row.actor_email == "admin@clinic.example"
    assert row.detail == "account=new.doctor@clinic.example admin=no"
    assert "a fine long password" not in str(row.detail)


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("x@clinic.example", "short", "at least 12 characters"),
        ("nonsense", "long enough password", "valid email"),
        ("admin@clinic.example", "long enough password", "already exists"),
    ],
)
def test_create_account_errors_are_shown(admin_client, email, password, message):
    response = admin_client.post(
        "/clinician/admin/accounts", data={"email": email, "password": password}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text and message in response.text
    assert "<title>Error:" in response.text
    assert audit_rows("account_create") == []


def _in_app(app, fn):
    """Run fn in its own app context (requests below run without a shared one, each with its
    own `g`, as in production: several clients must not share a cached user)."""
    with app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


def test_admin_disables_and_enables_an_account(make_app):
    app = make_app()

    def setup():
        make_clinician("admin@clinic.example", ADMIN_PASSWORD, admin=True)
        return make_clinician("nurse@clinic.example").id

    nurse_id = _in_app(app, setup)
    admin_client, nurse_client = app.test_client(), app.test_client()
    sign_in(admin_client, "admin@clinic.example", ADMIN_PASSWORD)
    sign_in(nurse_client, "nurse@clinic.example")
    assert nurse_client.get("/clinician/").status_code == 200
    response = admin_client.post(f"/clinician/admin/accounts/{nurse_id}/disable")
    assert response.status_code == 302
    assert _in_app(app, lambda: accounts.find("nurse@clinic.example").disabled)
    assert nurse_client.get("/clinician/").status_code == 302  # signed out
    assert sign_in(app.test_client(), "nurse@clinic.example").status_code == 401
    admin_client.post(f"/clinician/admin/accounts/{nurse_id}/enable")
    assert not _in_app(app, lambda: accounts.find("nurse@clinic.example").disabled)
    assert sign_in(app.test_client(), "nurse@clinic.example").status_code == 302
    details = _in_app(
        app,
        lambda: [
            (r.actor_email, r.detail) for r in audit_rows() if r.action.startswith("account_")
        ],
    )
    assert details == [("admin@clinic.example", "account=nurse@clinic.example")] * 2


def test_admin_cannot_disable_themselves(admin_client):
    me = accounts.find("admin@clinic.example")
    admin_client.post(f"/clinician/admin/accounts/{me.id}/disable")
    db.session.expire_all()
    assert not accounts.find("admin@clinic.example").disabled
    assert admin_client.get("/clinician/").status_code == 200


def test_unknown_account_is_404(admin_client):
    assert admin_client.post("/clinician/admin/accounts/9999/disable").status_code == 404


def test_audit_page_filters_by_user_and_reference(make_app):
    app = make_app()

    def setup():
        make_clinician("admin@clinic.example", ADMIN_PASSWORD, admin=True)
        make_clinician()
        return make_screening().reference, make_screening().reference

    ref, other = _in_app(app, setup)
    admin_client, doctor = app.test_client(), app.test_client()
    sign_in(admin_client, "admin@clinic.example", ADMIN_PASSWORD)
    sign_in(doctor)
    doctor.get(f"/clinician/screenings/{ref}")
    doctor.get(f"/clinician/screenings/{other}")

    page = admin_client.get("/clinician/admin/audit").text
    assert "Opened a screening" in page and ref in page and other in page

    by_ref = admin_client.get(f"/clinician/admin/audit?reference={ref.lower()}").text
    table = by_ref[by_ref.index("<tbody>") :]
    assert ref in table and other not in table

    by_user = admin_client.get("/clinician/admin/audit?user=doctor@clinic.example").text
    table = by_user[by_user.index("<tbody>") :]
    assert "doctor@clinic.example" in table and "admin@clinic.example" not in table
    assert _in_app(app, lambda: len(audit_rows("audit_view"))) == 3


def test_a_short_password_error_is_shown_at_the_password_field(admin_client):
    response = admin_client.post(
        "/clinician/admin/accounts", data={"email": "x@clinic.example", "password": "short"}
    )
    assert response.status_code == 400
    page = response.text
    assert "<title>Error:" in page
    summary = page.split('class="error-summary__list"', 1)[1].split("</ul>", 1)[0]
    assert 'href="#new-password"' in summary and "#new-email" not in summary
    assert "The password must be at least 12 characters" in summary
    password = form_group(page, "new-password")
    assert "form-group--error" in password and "input--error" in password
    assert 'class="error-message" id="new-password-error"' in password
    assert '<span class="visually-hidden">Error:</span> The password must be at least' in password
    assert 'aria-describedby="new-password-hint new-password-error"' in password
    email = form_group(page, "new-email")
    assert "error" not in email.replace('autocomplete="off"', "")
    assert 'value="x@clinic.example"' in email


@pytest.mark.parametrize(
    ("email", "message"),
    [("nonsense", "Enter a valid email address"), ("admin@clinic.example", "already exists")],
)
def test_an_email_error_is_shown_at_the_email_field(admin_client, email, message):
    response = admin_client.post(
        "/clinician/admin/accounts", data={"email": email, "password": "long enough password"}
    )
    page = response.text
    summary = page.split('class="error-summary__list"', 1)[1].split("</ul>", 1)[0]
    assert 'href="#new-email"' in summary and message in summary
    email_group = form_group(page, "new-email")
    assert "form-group--error" in email_group and "input--error" in email_group
    assert 'aria-describedby="new-email-error"' in email_group and message in email_group
    assert "form-group--error" not in form_group(page, "new-password")


def test_account_errors_name_their_field():
    with pytest.raises(accounts.AccountError) as short:
        accounts.check_password("short")
    assert short.value.field == "password"
    with pytest.raises(accounts.AccountError) as bad:
        accounts.normalise_email("nonsense")
    assert bad.value.field == "email"
