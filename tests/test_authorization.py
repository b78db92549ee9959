"""Authorization proven for every route: an explicit table, checked against the URL map.

Access levels:
- public: anyone.
- public_file: anyone; a 404 when the clinic has not provided the file (its logo).
- draft: a patient whose session holds their own draft (nobody else's; without one, the start page).
- submitted: a patient whose session holds their own submitted screening.
- clinician: a signed-in, active clinic account.
- admin: a signed-in administrator.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select
from support.clinic import (
    ADMIN_PASSWORD,
    make_clinician,
    make_draft,
    make_screening,
    sign_in,
)

from screening import drafts
from screening.extensions import db
from screening.models import Clinician, Screening

# Every (endpoint, method) of the application. A new route fails the test until it is added here.
ACCESS: dict[tuple[str, str], str] = {
    ("static", "GET"): "public",
    ("summary_print_css", "GET"): "public",  # words only: the disclaimer, "Page N of M"
    ("patient.start", "GET"): "public",
    ("patient.begin", "POST"): "public",
    ("patient.resume", "GET"): "public",
    ("patient.resume", "POST"): "public",
    ("patient.deleted", "GET"): "public",
    ("patient.finish", "POST"): "public",
    ("patient.finished", "GET"): "public",
    # Start a new screening after sending one: without this browser's sent marker, a plain 400
    # that starts nothing, binds nothing and leaves the session cookie alone.
    ("patient.start_new", "POST"): "draft_post",
    ("patient.step", "GET"): "draft",
    # Without a draft in the session, a step post saves nothing, binds nothing and shows
    # nothing that was posted (it may come from another site).
    ("patient.step", "POST"): "draft_post",
    ("patient.check", "GET"): "draft",
    ("patient.check", "POST"): "draft",
    ("patient.saved", "GET"): "draft",
    # The return email: without a draft in the session it sends nothing and binds nothing.
    ("patient.saved_email", "POST"): "draft_post",
    ("patient.urgent", "GET"): "draft",
    ("patient.delete", "GET"): "draft",
    ("patient.delete", "POST"): "draft",
    ("patient.confirmation", "GET"): "submitted",
    ("patient.summary", "GET"): "submitted",
    ("patient.summary_pdf", "GET"): "submitted",
    # The pages every health service has (screening/pages.py), and the clinic's logo.
    ("pages.privacy", "GET"): "public",
    ("pages.accessibility", "GET"): "public",
    ("pages.cookies", "GET"): "public",
    ("pages.contact", "GET"): "public",
    ("pages.clinic_logo", "GET"): "public_file",
    ("clinician.login", "GET"): "public",
    ("clinician.login", "POST"): "public",
    ("clinician.logout", "POST"): "clinician",
    ("clinician.worklist", "GET"): "clinician",
    ("clinician.screening", "GET"): "clinician",
    ("clinician.summary", "GET"): "clinician",
    ("clinician.summary_pdf", "GET"): "clinician",
    ("clinician.review", "POST"): "clinician",
    ("clinician.record_follow_up", "POST"): "clinician",
    ("clinician.export", "GET"): "clinician",
    ("clinician.export_csv", "GET"): "clinician",
    ("clinician.export_fhir", "GET"): "clinician",
    ("clinician.export_ndjson", "GET"): "clinician",
    ("clinician.accounts_page", "GET"): "admin",
    ("clinician.accounts_page", "POST"): "admin",
    ("clinician.disable_account", "POST"): "admin",
    ("clinician.enable_account", "POST"): "admin",
    ("clinician.audit_page", "GET"): "admin",
}

ALICE = "Alice Submitted"
BOB = "Bob Drafting"


def _routes(app: Flask) -> list[tuple[str, str, Any]]:
    return [
        (rule.endpoint, method, rule)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def test_every_route_is_in_the_access_table(app):
    routes = {(endpoint, method) for endpoint, method, _rule in _routes(app)}
    missing = routes - ACCESS.keys()
    assert not missing, f"routes without an access rule in the table: {sorted(missing)}"
    stale = ACCESS.keys() - routes
    assert not stale, f"access rules for routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def world(app):
    """Alice has submitted; Bob has a draft; a clinician and an admin exist."""
    alice = make_screening(name=ALICE)
    bob = make_draft(name=BOB)
    doctor = make_clinician()
    admin = make_clinician("admin@clinic.example", ADMIN_PASSWORD, admin=True)
    return {"alice": alice, "bob": bob, "doctor": doctor, "admin": admin}


def _url(app: Flask, rule: Any, world: dict) -> str:
    values = {
        "step_key": "about",
        "reference": world["alice"].reference,
        "account_id": world["doctor"].id,
        "filename": "app.css",
    }
    args = {name: values[name] for name in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **args)


def _request(client, method: str, url: str):
    return client.open(url, method=method, data={})


def _as_patient(client, screening: Screening) -> None:
    with client.session_transaction() as session:
        session["screening_token"] = screening.token
        if screening.is_submitted:  # sent from this browser, a moment ago
            session["sent_token"] = screening.token


def _shows_nothing_private(response, *names: str) -> None:
    body = response.get_data(as_text=False)
    for name in names:
        assert name.encode() not in body


def test_anonymous_visitors(app, world):
    for endpoint, method, rule in _routes(app):
        level = ACCESS[(endpoint, method)]
        client = app.test_client()
        response = _request(client, method, _url(app, rule, world))
        label = f"{method} {rule.rule} ({level})"
        _shows_nothing_private(response, ALICE, BOB)
        assert response.status_code < 500, label
        if level in ("clinician", "admin"):
            assert response.status_code == 302, label
            assert response.location.startswith("/clinician/login"), label
        elif level == "draft":
            assert response.status_code == 302 and response.location == "/", label
        elif level == "draft_post":
            assert response.status_code == 400, label
            assert "Set-Cookie" not in response.headers, label
            with client.session_transaction() as session:
                assert "screening_token" not in session, label
        elif level == "submitted":
            assert response.status_code in (302, 404), label
            if response.status_code == 302:
                assert response.location == "/", label
        elif level == "public_file":
            assert response.status_code in (200, 404), label
        else:
            assert response.status_code in (200, 302, 401), label


def test_a_patient_cannot_open_clinician_pages(app, world):
    for endpoint, method, rule in _routes(app):
        if ACCESS[(endpoint, method)] not in ("clinician", "admin"):
            continue
        client = app.test_client()
        _as_patient(client, world["alice"])
        response = _request(client, method, _url(app, rule, world))
        assert response.status_code == 302, rule.rule
        assert response.location.startswith("/clinician/login"), rule.rule
        _shows_nothing_private(response, ALICE, BOB)


def test_a_clinician_who_is_not_an_admin_is_refused_admin_pages(app, world):
    client = app.test_client()
    assert sign_in(client).status_code == 302
    for endpoint, method, rule in _routes(app):
        level = ACCESS[(endpoint, method)]
        if level == "admin":
            response = _request(client, method, _url(app, rule, world))
            assert response.status_code == 403, rule.rule
        elif level == "clinician" and endpoint != "clinician.logout":
            response = _request(client, method, _url(app, rule, world))
            assert response.status_code in (200, 302), rule.rule
            assert not (response.location or "").startswith("/clinician/login"), rule.rule
    db.session.expire_all()
    doctor = db.session.get(Clinician, world["doctor"].id)
    assert doctor.disabled is False  # the refused disable did nothing


def test_an_admin_opens_admin_pages(app, world):
    client = app.test_client()
    assert sign_in(client, "admin@clinic.example", ADMIN_PASSWORD).status_code == 302
    for endpoint, method, rule in _routes(app):
        if ACCESS[(endpoint, method)] == "admin" and method == "GET":
            assert _request(client, method, _url(app, rule, world)).status_code == 200, rule.rule


def test_a_clinician_sees_submitted_screenings_never_drafts(app, world):
    client = app.test_client()
    sign_in(client)
    assert ALICE in client.get(f"/clinician/screenings/{world['alice'].reference}").text
    worklist = client.get("/clinician/?q=Bob").text
    assert BOB not in worklist
    # A draft has no reference; its id or token does not open it either.
    for ident in (world["bob"].id, world["bob"].token, "None", ""):
        response = client.get(f"/clinician/screenings/{ident}")
        assert response.status_code == 404
        _shows_nothing_private(response, BOB)


# --- patients cannot reach each other's answers ---------------------------------------------


def test_patient_pages_show_only_the_sessions_own_draft(app, world):
    client = app.test_client()
    _as_patient(client, world["bob"])
    for step in ("about", "pain"):
        html = client.get(f"/step/{step}").text
        assert ALICE not in html
    assert BOB in client.get("/step/about").text
    # Identifiers in the query string or form are ignored: the session decides.
    alice = world["alice"]
    for query in (
        f"reference={alice.reference}",
        f"id={alice.id}",
        f"token={alice.token}",
        f"screening_token={alice.token}",
    ):
        for path in ("/step/about", "/check", "/confirmation", "/summary", "/summary.pdf"):
            response = client.get(f"{path}?{query}")
            _shows_nothing_private(response, ALICE)
            assert response.status_code in (200, 302, 404), path
    response = client.post("/step/about", data={"name": BOB, "screening_token": alice.token})
    db.session.expire_all()
    assert db.session.get(Screening, alice.id).answers["name"] == ALICE


def test_summary_and_pdf_are_bound_to_the_own_session(app, world):
    alice, bob = world["alice"], world["bob"]
    owner = app.test_client()
    _as_patient(owner, alice)
    assert owner.get("/summary").status_code == 200
    assert ALICE in owner.get("/summary").text
    assert owner.get("/summary.pdf").status_code == 200
    # Bob, with his own draft, gets nothing of Alice's.
    other = app.test_client()
    _as_patient(other, bob)
    for path in ("/summary", "/summary.pdf"):
        response = other.get(path)
        assert response.status_code == 404
        _shows_nothing_private(response, ALICE)
    assert other.get("/confirmation").status_code == 302
    # A client with no session gets nothing either.
    assert app.test_client().get("/summary.pdf").status_code == 404


def test_a_forged_session_cookie_is_ignored(app, world):
    """A cookie naming Alice's token but not signed with the secret key opens nothing."""
    alice = world["alice"]
    forger = Flask("forger")
    forger.secret_key = "not-the-secret"  # noqa: S105 - the attacker's guess, not a secret
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    cookie = serializer.dumps({"screening_token": alice.token})
    client = app.test_client()
    client.set_cookie("session", cookie)
    for path in ("/summary", "/summary.pdf"):
        assert client.get(path).status_code == 404
    assert client.get("/confirmation").location == "/"


def test_references_and_ids_do_not_work_as_resume_codes(app, world):
    alice, bob = world["alice"], world["bob"]
    client = app.test_client()
    for guess in (alice.reference, str(alice.id), alice.token, bob.token, str(bob.id)):
        response = client.post("/resume", data={"code": guess})
        assert response.status_code == 200
        assert "does not open any saved answers" in response.text or "must have 12" in response.text
        _shows_nothing_private(response, ALICE, BOB)


def test_a_resume_code_opens_its_own_draft_only_and_stops_at_submission(app, world):
    bob = world["bob"]
    code = drafts.issue_resume_code(bob, app.config["SECRET_KEY"])
    db.session.commit()
    client = app.test_client()
    assert client.post("/resume", data={"code": code}).status_code == 302
    assert BOB in client.get("/step/about").text
    assert client.get("/summary").status_code == 404  # a draft has no summary yet
    client.post("/check")
    db.session.expire_all()
    assert db.session.get(Screening, bob.id).is_submitted
    assert client.get("/summary").status_code == 200
    # After submission the code no longer opens anything, from any browser.
    stranger = app.test_client()
    html = stranger.post("/resume", data={"code": code}).text
    assert "does not open any saved answers" in html
    assert stranger.get("/summary").status_code == 404


def test_deleting_deletes_only_the_sessions_own_draft(app, world):
    other = make_draft(name="Carol Draft")
    client = app.test_client()
    _as_patient(client, world["bob"])
    assert client.post("/delete", data={"id": other.id, "token": other.token}).status_code == 302
    db.session.expire_all()
    names = {s.answers.get("name") for s in db.session.scalars(select(Screening))}
    assert names == {ALICE, "Carol Draft"}


def test_clinician_pages_need_a_real_reference(app, world):
    client = app.test_client()
    sign_in(client)
    ref = world["alice"].reference
    for bad in (ref + "X", ref.replace("-", ""), "../" + ref, "%00", "' OR 1=1 --"):
        response = client.get(f"/clinician/screenings/{bad}")
        assert response.status_code == (400 if bad == "%00" else 404), bad  # 400: a NUL character
        _shows_nothing_private(response, ALICE)
    assert re.search(re.escape(ALICE), client.get(f"/clinician/screenings/{ref.lower()}").text)
