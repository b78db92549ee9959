"""Security headers and cookies, body size limit, and expired CSRF tokens that lose nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select
from support import csrf_token

from screening.extensions import db
from screening.models import Screening

PAGES = ["/", "/resume", "/step/about", "/clinician/login", "/static/app.css", "/nowhere"]


def _check_headers(response) -> None:
    h = response.headers
    csp = h["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert re.search(r"script-src 'self'(;|$)", csp)
    assert re.search(r"style-src 'self'(;|$)", csp)
    assert "object-src 'none'" in csp
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("path", PAGES)
def test_every_response_has_the_security_headers(client, path):
    response = client.get(path)
    _check_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # HTTPS setting off


def test_error_and_limit_pages_have_the_headers_too(make_app):
    app = make_app(RATELIMIT_ENABLED=True, START_LIMIT="1/minute")
    client = app.test_client()
    with app.app_context():
        client.post("/start")
        _check_headers(client.post("/start"))  # 429
        _check_headers(client.post("/nowhere"))  # 404
        _check_headers(client.delete("/resume"))  # 405
        db.session.remove()


def test_pages_have_no_inline_script_or_style(client):
    client.post("/start")
    for path in ("/", "/step/about", "/step/pain", "/resume", "/clinician/login"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert "<style" not in html, path
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path


def test_pages_with_health_information_are_not_cached(client):
    client.post("/start")
    assert client.get("/step/about").headers["Cache-Control"] == "no-store"


def _cookie_header(response, name: str) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    return header


def test_session_cookie_is_httponly_and_lax_and_not_secure_over_http(client):
    header = _cookie_header(client.post("/start"), "session")
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header


def test_https_setting_gives_secure_cookies_and_hsts(make_app):
    app = make_app(HTTPS=True, SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    client = app.test_client()
    with app.app_context():
        response = client.post("/start", base_url="https://localhost")
        header = _cookie_header(response, "session")
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
        hsts = response.headers["Strict-Transport-Security"]
        assert re.match(r"max-age=(\d+)", hsts) and int(re.match(r"max-age=(\d+)", hsts)[1]) >= (
            180 * 86400
        )
        assert "Strict-Transport-Security" in client.get("/", base_url="https://localhost").headers
        db.session.remove()


def test_the_https_environment_variable_turns_secure_cookies_on(monkeypatch):
    """config.py reads HTTPS at import: check the class it builds from the variable."""
    import importlib

    import config

    monkeypatch.setenv("HTTPS", "1")
    try:
        fresh = importlib.reload(config)
        assert fresh.Config.HTTPS is True
        assert fresh.Config.SESSION_COOKIE_SECURE is True
        assert fresh.Config.REMEMBER_COOKIE_SECURE is True
    finally:
        monkeypatch.delenv("HTTPS")
        importlib.reload(config)


# --- body size -----------------------------------------------------------------------------------


def test_a_body_over_64_kb_gets_the_413_page(client):
    client.post("/start")
    response = client.post("/step/about", data={"name": "x" * (65 * 1024)})
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "What you sent was too large" in html
    _check_headers(response)
    assert db.session.scalar(select(Screening)).answers == {}


def test_a_body_under_the_limit_is_read(client):
    client.post("/start")
    response = client.post("/step/about", data={"name": "x" * (60 * 1024)})
    assert response.status_code == 200  # too long a name: a validation error, not 413
    assert "What you sent was too large" not in response.get_data(as_text=True)


# --- CSRF and session expiry ---------------------------------------------------------------------


class _TwoHoursAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return super().get_timestamp() - 7200


def _expired(app, client) -> str:
    """The session's CSRF token as signed two hours ago (the limit is one hour)."""
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="wtf-csrf-token", signer=_TwoHoursAgo
    )
    return serializer.dumps(raw)


def _answers(app) -> dict:
    with app.app_context():
        answers = dict(db.session.scalar(select(Screening)).answers)
        db.session.remove()
    return answers


# These tests use several requests and clients outside an app context, as browsers would: inside
# one, Flask-WTF would keep one token in `g` for every request.


def test_an_expired_token_gives_the_step_back_with_what_was_typed(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    client.post("/start", data={"csrf_token": csrf_token(client.get("/").text)})
    # A page saved earlier.
    token = csrf_token(client.get("/step/about").text)
    about = {"name": "Robin Example", "date_of_birth": "1980-02-03", "csrf_token": token}
    assert client.post("/step/about", data=about).status_code == 302

    client.get("/step/pain")
    old = _expired(app, client)
    posted = {
        "pain_duration_months": "27",
        "pain_locations": ["lower_back", "groin"],
        "pain_side": "right",
        "csrf_token": old,
    }
    response = client.post("/step/pain", data=posted)
    assert response.status_code == 200  # the page, not a bare 400
    html = response.get_data(as_text=True)
    assert "This page was open for a long time" in html
    assert 'value="27"' in html
    assert re.search(r'value="groin"[^>]*checked|checked[^>]*value="groin"', html)
    assert re.search(r'value="right"[^>]*checked|checked[^>]*value="right"', html)
    fresh = csrf_token(html)
    assert fresh != old
    # Nothing from the expired post was saved; the earlier page was kept.
    assert _answers(app) == {"name": "Robin Example", "date_of_birth": "1980-02-03"}
    # Continue again with the fresh token: saved.
    response = client.post("/step/pain", data={**posted, "csrf_token": fresh})
    assert response.status_code == 302
    stored = _answers(app)
    assert stored["pain_duration_months"] == 27
    assert stored["name"] == "Robin Example"


def test_an_expired_token_on_other_forms_is_a_friendly_page(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    client.get("/resume")
    response = client.post(
        "/resume", data={"code": "AAAA-AAAA-AAAA", "csrf_token": _expired(app, client)}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Anything you saved is still there" in html
    assert "<h1" in html and "Bad Request" not in html


def test_a_lost_session_keeps_the_draft_reachable_with_the_resume_code(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    client.post("/start", data={"csrf_token": csrf_token(client.get("/").text)})
    token = csrf_token(client.get("/step/about").text)
    data = {"name": "Sam Example", "action": "save", "csrf_token": token}
    assert client.post("/step/about", data=data).location.endswith("/saved")
    code = re.search(r'id="resume-code">([A-Z0-9-]+)<', client.get("/saved").text)[1]
    # The session cookie expires (or the browser is closed): a new client, no cookies.
    later = app.test_client()
    response = later.post("/step/pain", data={"pain_duration_months": "5", "csrf_token": token})
    assert response.status_code == 200
    assert "Your session ended" in response.get_data(as_text=True)
    token = csrf_token(later.get("/resume").text)
    response = later.post("/resume", data={"code": code, "csrf_token": token})
    assert response.status_code == 302
    assert 'value="Sam Example"' in later.get("/step/about").text


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("POST", "/step/about", {"name": "Ann\x00"}),
        ("POST", "/resume", {"code": "AAAA\x00"}),
        ("GET", "/clinician/screenings/SIJ-%00", None),
        ("GET", "/clinician/login?next=/%00", None),
        ("POST", "/clinician/login", {"email": "a@b.example", "password": "\x00" * 12}),
    ],
)
def test_nul_characters_are_refused_with_a_friendly_page(client, method, path, data):
    """No browser sends them, and PostgreSQL cannot store them in text."""
    client.post("/start")
    response = client.open(path, method=method, data=data)
    assert response.status_code == 400
    assert "Something was wrong with that request" in response.get_data(as_text=True)
    assert db.session.scalar(select(Screening)).answers == {}


# --- static checks ---------------------------------------------------------------------------------


def test_security_rules_are_on_and_no_finding_is_ignored_without_a_reason():
    import tomllib

    root = Path(__file__).resolve().parent.parent
    ruff = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert "S" in ruff["select"]
    assert not any(code.startswith("S") for code in ruff.get("ignore", []))
    # Per-file ignores of security rules: each rule named in the comment above the table.
    text = (root / "pyproject.toml").read_text()
    comments = text.split("[tool.ruff.lint.per-file-ignores]", 1)[1].split('"tests/**"', 1)[0]
    for codes in ruff.get("per-file-ignores", {}).values():
        for code in codes:
            assert code in comments, f"{code} is ignored without a comment saying why"
    # Inline suppressions: "noqa: CODE - reason" (spelt in two parts here so as not to be one).
    marker = "# " + "noqa"
    explained = re.compile(re.escape(marker) + r": [A-Z0-9, ]+ - \w")
    unexplained = []
    for folder in ("screening", "tests", "benchmarks"):
        for path in (root / folder).rglob("*.py"):
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if marker in line and not explained.search(line):
                    unexplained.append(f"{path.relative_to(root)}:{n}")
    for path in (root / "config.py", root / "gunicorn.conf.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if marker in line and not explained.search(line):
                unexplained.append(f"{path.name}:{n}")
    assert not unexplained, unexplained


def test_gunicorn_access_log_format_has_paths_only():
    """Query strings, referrers and headers could carry search words, names or codes."""
    import runpy

    root = Path(__file__).resolve().parent.parent
    settings = runpy.run_path(str(root / "gunicorn.conf.py"))
    fmt = settings["access_log_format"]
    assert "%(U)s" in fmt
    for atom in ("%(r)s", "%(q)s", "%(f)s", "}i)s", "}e)s", "}o)s"):
        assert atom not in fmt, atom
