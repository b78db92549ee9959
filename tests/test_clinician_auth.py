"""Sign-in, sign-out, deny-by-default, idle timeout, safe next and rate limits."""

from __future__ import annotations

import hashlib
import hmac
import re
import time

import pytest
from sqlalchemy import text
from support import csrf_token
from support.clinic import (
    PASSWORD,
    audit_rows,
    make_clinician,
    make_screening,
    sign_in,
)

from screening import accounts, clinician
from screening.extensions import db, limiter

PLACEHOLDERS = {"reference": "SIJ-AAAA-AAAA", "account_id": "1"}


def unknown_label(typed: str, app=None) -> str:
    """How the audit trail names an email of no account: HMAC-SHA256 keyed with SECRET_KEY.

    Written out here from the rule, independently of screening.audit.
    """
    from flask import current_app

    secret = (app or current_app).config["SECRET_KEY"]
    key = secret if isinstance(secret, bytes) else secret.encode()
    message = b"sign-in email\x00" + typed.strip().lower().encode()
    return "unknown:" + hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def _url(rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: PLACEHOLDERS[m.group(1)], rule.rule)


def _refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code in (301, 302, 303) and response.headers["Location"].startswith(
        "/clinician/login"
    )


def test_every_clinician_route_refuses_an_anonymous_user(app, client):
    make_screening()  # a real screening exists, so a leak would have something to show
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/clinician")]
    assert len(rules) >= 10, "the clinician blueprint is not registered"
    checked = 0
    for rule in rules:
        if rule.endpoint in clinician.PUBLIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_url(rule), method=method)
            assert _refused(response), f"{method} {rule.rule} answered {response.status_code}"
            checked += 1
    assert checked >= 12
    assert {"clinician.login"} == clinician.PUBLIC_ENDPOINTS


def test_sign_in_page_has_the_fields(client):
    page = client.get("/clinician/login")
    assert page.status_code == 200
    assert 'name="email"' in page.text and 'name="password"' in page.text
    assert 'autocomplete="current-password"' in page.text


def test_sign_in_and_out_write_audit_rows(app, client):
    make_clinician()
    response = sign_in(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/clinician/"
    assert client.get("/clinician/").status_code == 200
    [row] = audit_rows("sign_in")
    assert row.actor_email == "doctor@clinic.example"
    assert row.ip == "127.0.0.1"

    response = client.post("/clinician/logout")
    assert response.status_code == 302
    assert audit_rows("sign_out")[0].actor_email == "doctor@clinic.example"
    assert client.get("/clinician/").status_code == 302


def test_email_is_case_insensitive(client):
    make_clinician()
    assert sign_in(client, email="  Doctor@Clinic.EXAMPLE ").status_code == 302


def test_unknown_email_and_wrong_password_get_the_same_answer(client):
    make_clinician()
    unknown = sign_in(client, email="nobody@clinic.example")
    wrong = sign_in(client, password="wrong password here")
    assert unknown.status_code == wrong.status_code == 401
    message = "Enter a correct email address and password"
    assert message in unknown.text and message in wrong.text
    # Apart from the email typed back into the field, the pages are the same.
    assert unknown.text.replace("nobody@clinic.example", "X") == wrong.text.replace(
        "doctor@clinic.example", "X"
    )
    failures = audit_rows("sign_in_failed")
    # An email of no account is kept only as a keyed hash (see test_audit.py).
    assert [f.actor_email for f in failures] == [
        unknown_label("nobody@clinic.example"),
        "doctor@clinic.example",
    ]
    assert all(f.actor_id is None for f in failures)


def test_unknown_email_still_runs_a_password_hash(client, monkeypatch):
    calls = []
    original = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda h, p: calls.append(h) or original(h, p))
    sign_in(client, email="nobody@clinic.example")
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_disabled_account_cannot_sign_in(client):
    doctor = make_clinician()
    accounts.disable(doctor)
    db.session.commit()
    response = sign_in(client)
    assert response.status_code == 401
    assert "Enter a correct email address and password" in response.text
    assert client.get("/clinician/").status_code == 302


def test_disabling_an_account_ends_its_session(client):
    doctor = make_clinician()
    sign_in(client)
    assert client.get("/clinician/").status_code == 200
    accounts.disable(doctor)
    db.session.commit()
    response = client.get("/clinician/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/clinician/login")


def test_password_change_ends_existing_sessions(client):
    doctor = make_clinician()
    sign_in(client)
    accounts.set_password(doctor, "a brand new passphrase")
    db.session.commit()
    assert client.get("/clinician/").status_code == 302
    assert sign_in(client, password="a brand new passphrase").status_code == 302


def test_sign_in_starts_a_new_session(client):
    make_clinician()
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    sign_in(client)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess.get("_user_id")


def test_idle_session_is_signed_out(make_app):
    app = make_app(CLINICIAN_IDLE_MINUTES=15)
    with app.app_context():
        make_clinician()
        client = app.test_client()
        sign_in(client)
        assert client.get("/clinician/").status_code == 200
        with client.session_transaction() as sess:
            sess[clinician.LAST_SEEN] = time.time() - 14 * 60
        assert client.get("/clinician/").status_code == 200  # activity renews it
        with client.session_transaction() as sess:
            sess[clinician.LAST_SEEN] = time.time() - 16 * 60
        response = client.get("/clinician/?q=x")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/clinician/login")
        assert len(audit_rows("sign_out_idle")) == 1
        with client.session_transaction() as sess:
            assert "_user_id" not in sess
        page = client.get(response.headers["Location"])
        assert "inactive" in page.text
        db.session.remove()


def test_session_has_an_absolute_limit(make_app):
    app = make_app(CLINICIAN_ABSOLUTE_HOURS=8)
    with app.app_context():
        make_clinician()
        client = app.test_client()
        sign_in(client)
        with client.session_transaction() as sess:
            sess[clinician.SIGNED_IN_AT] = time.time() - 9 * 3600
        assert client.get("/clinician/").status_code == 302
        db.session.remove()


def test_next_goes_back_to_the_page_asked_for(client):
    make_clinician()
    screening = make_screening()
    target = f"/clinician/screenings/{screening.reference}"
    response = client.get(target)
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert "next=" in login_url
    page = client.get(login_url)
    assert f'name="next" value="{target}"' in page.text
    response = sign_in(client, next=target)
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/clinician/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/clinician/\r\nSet-Cookie: x=1",
        "",
    ],
)
def test_unsafe_next_is_ignored(client, target):
    make_clinician()
    response = sign_in(client, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/clinician/"


def test_is_safe_next():
    assert clinician.is_safe_next("/clinician/?q=SIJ")
    assert not clinician.is_safe_next("//evil.example")
    assert not clinician.is_safe_next("https://evil.example/clinician/")
    assert not clinician.is_safe_next(None)


def test_sign_in_and_sign_out_need_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_clinician()
        db.session.remove()
    # Requests outside a shared app context, as in production (a fresh `g` each time).
    client = app.test_client()
    assert sign_in(client).status_code == 400
    token = csrf_token(client.get("/clinician/login").text)
    response = sign_in(client, csrf_token=token)
    assert response.status_code == 302
    assert client.post("/clinician/logout").status_code == 400  # no token: still signed in
    assert client.get("/clinician/").status_code == 200
    token = csrf_token(client.get("/clinician/").text)
    assert client.post("/clinician/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/clinician/").status_code == 302


def test_sign_in_is_rate_limited_per_account(make_app):
    app = make_app(RATELIMIT_ENABLED=True, CLINICIAN_ACCOUNT_LOGIN_LIMIT="3/minute")
    with app.app_context():
        make_clinician()
        client = app.test_client()
        for _ in range(3):
            assert sign_in(client, password="wrong password here").status_code == 401
        limited = sign_in(client, password=PASSWORD)
        assert limited.status_code == 429
        assert "Too many tries" in limited.text
        [row] = audit_rows("sign_in_limited")
        assert row.actor_email == "doctor@clinic.example"
        # Another account from the same address is not locked out by this one.
        make_clinician("nurse@clinic.example")
        assert sign_in(client, email="nurse@clinic.example").status_code == 302
        db.session.remove()


def test_a_refused_sign_in_stores_an_unknown_email_only_as_a_keyed_hash(make_app):
    app = make_app(RATELIMIT_ENABLED=True, CLINICIAN_ACCOUNT_LOGIN_LIMIT="2/minute")
    with app.app_context():
        make_clinician()
        client = app.test_client()
        for _ in range(2):
            assert sign_in(client, email="my-password-123").status_code == 401
        assert sign_in(client, email="my-password-123").status_code == 429
        [row] = audit_rows("sign_in_limited")
        assert row.actor_email == unknown_label("my-password-123", app)
        for row in audit_rows():
            for value in (row.actor_email, row.detail, row.screening_reference, row.action):
                assert "my-password" not in str(value)
        db.session.remove()


def test_sign_in_is_rate_limited_per_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, CLINICIAN_LOGIN_LIMIT="4/minute")
    with app.app_context():
        client = app.test_client()
        for i in range(4):
            assert sign_in(client, email=f"user{i}@clinic.example").status_code == 401
        assert sign_in(client, email="user9@clinic.example").status_code == 429
        assert client.get("/clinician/login").status_code == 200  # the page itself still shows
        db.session.remove()


def test_password_hashes_are_argon2(app):
    doctor = make_clinician()
    assert doctor.password_hash.startswith("$argon2id$")
    assert PASSWORD not in doctor.password_hash


def _old_cookie_opens_the_worklist(app, cookie: str) -> int:
    """The status of /clinician/ for a fresh client holding a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get("/clinician/")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/clinician/login")
    return response.status_code


def test_sign_out_ends_the_session_on_the_server(make_app):
    app = make_app()
    with app.app_context():
        make_clinician()
        db.session.remove()
    # Requests outside a shared app context, as in production (a fresh `g` each time).
    client = app.test_client()
    assert sign_in(client).status_code == 302
    copied = client.get_cookie("session").value
    assert _old_cookie_opens_the_worklist(app, copied) == 200  # the copy works while signed in
    assert client.post("/clinician/logout").status_code == 302
    assert _old_cookie_opens_the_worklist(app, copied) == 302
    # Signing in again works, and so does the new session.
    assert sign_in(client).status_code == 302
    assert client.get("/clinician/").status_code == 200


def test_idle_sign_out_ends_the_session_on_the_server(make_app):
    app = make_app(CLINICIAN_IDLE_MINUTES=15)
    with app.app_context():
        make_clinician()
        db.session.remove()
    client = app.test_client()
    sign_in(client)
    assert client.get("/clinician/").status_code == 200
    copied = client.get_cookie("session").value  # fresh activity time: not idle itself
    with client.session_transaction() as sess:
        sess[clinician.LAST_SEEN] = time.time() - 16 * 60
    assert client.get("/clinician/").status_code == 302  # signed out for inactivity
    assert _old_cookie_opens_the_worklist(app, copied) == 302


def test_account_rate_limit_key_is_not_the_email(make_app):
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        CLINICIAN_ACCOUNT_LOGIN_LIMIT="3/minute",
        CLINICIAN_LOGIN_LIMIT="100/minute",
    )
    with app.app_context():
        make_clinician()
        db.session.remove()
    client = app.test_client()
    # The same account from three addresses: the per-account limit still counts them together.
    for i in range(3):
        response = client.post(
            "/clinician/login",
            data={"email": " Doctor@Clinic.example", "password": "wrong password here"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{i + 1}"},
        )
        assert response.status_code == 401
    limited = client.post(
        "/clinician/login",
        data={"email": "doctor@clinic.example", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert limited.status_code == 429
    storage = limiter.storage
    keys = set(storage.storage) | set(storage.expirations) | set(getattr(storage, "events", {}))
    assert keys, "nothing was counted in the limiter's storage"
    # The documented key: "account:" and a keyed SHA-256 of the email, worked out here by hand.
    secret = app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, b"doctor@clinic.example", hashlib.sha256).hexdigest()
    account_key = "account:" + digest[:32]
    assert any(account_key in key for key in keys)
    for key in keys:
        assert "doctor" not in key.lower() and "clinic.example" not in key.lower(), key
    assert "doctor" not in account_key and len(account_key) == len("account:") + 32


# --- audit privacy: what was typed as the email is kept only when it names an account ---------


def _every_stored_value() -> list[str]:
    """Every column of every audit row, as text."""
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM audit_event")).all()
    return [str(value) for row in rows for value in row]


def test_a_failed_sign_in_with_an_unknown_email_never_stores_what_was_typed(app, client):
    make_clinician()
    # A password typed into the email field by mistake, twice, then something else.
    assert sign_in(client, email="my-password-123").status_code == 401
    assert sign_in(client, email="  MY-Password-123 ").status_code == 401
    assert sign_in(client, email="nobody@clinic.example").status_code == 401
    stored = _every_stored_value()
    assert len(stored) >= 3 * 7
    for value in stored:
        assert "password-123" not in value.lower()
        assert "nobody" not in value
    failures = audit_rows("sign_in_failed")
    labels = [f.actor_email for f in failures]
    # The same typed text gives the same label, so repeated tries can still be told apart.
    assert labels == [
        unknown_label("my-password-123"),
        unknown_label("my-password-123"),
        unknown_label("nobody@clinic.example"),
    ]
    assert all(re.fullmatch(r"unknown:[0-9a-f]{16}", label) for label in labels)
    assert labels[0] != labels[2]
    assert all(f.actor_id is None for f in failures)


def test_a_failed_sign_in_of_a_real_account_records_its_email(app, client):
    make_clinician()
    assert (
        sign_in(client, email=" Doctor@Clinic.example", password="wrong password").status_code
        == 401
    )
    [row] = audit_rows("sign_in_failed")
    assert row.actor_email == "doctor@clinic.example"
    assert row.actor_id is None


def test_the_unknown_label_depends_on_the_secret_key(make_app):
    labels = []
    for secret in ("first secret key, 32 characters long", "second secret key, 32 characters!"):
        app = make_app(SECRET_KEY=secret)
        with app.app_context():
            assert sign_in(app.test_client(), email="my-password-123").status_code == 401
            [row] = audit_rows("sign_in_failed")
            assert row.actor_email == unknown_label("my-password-123", app)
            labels.append(row.actor_email)
            db.session.remove()
    assert labels[0] != labels[1]


def test_the_audit_page_and_command_show_unknown_emails_by_their_label(app, client):
    make_clinician("admin@clinic.example", password="an admin passphrase here", admin=True)
    assert sign_in(client, email="my-password-123").status_code == 401
    label = unknown_label("my-password-123")
    assert sign_in(client, "admin@clinic.example", "an admin passphrase here").status_code == 302
    page = client.get("/clinician/admin/audit")
    assert page.status_code == 200
    assert f"<td>{label}</td>" in page.text
    assert "password-123" not in page.text
    output = app.test_cli_runner().invoke(args=["audit"]).output
    [line] = [line for line in output.splitlines() if "\tsign_in_failed\t" in line]
    assert line.split("\t")[1] == label
    assert "password-123" not in output
