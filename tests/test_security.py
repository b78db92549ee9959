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
    # Same-origin only: Flask-WTF needs the Referer on HTTPS POSTs; other sites get none.
    assert h["Referrer-Policy"] == "same-origin"


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
    """config.load reads HTTPS when the app is made: check the class it builds from it."""
    import config

    monkeypatch.setenv("HTTPS", "1")
    chosen = config.load("production")
    assert chosen.HTTPS is True
    assert chosen.SESSION_COOKIE_SECURE is True
    assert chosen.REMEMBER_COOKIE_SECURE is True
    monkeypatch.delenv("HTTPS")
    assert config.load("production").SESSION_COOKIE_SECURE is False


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
    about = {
        "name": "Robin Example",
        "date_of_birth-day": "3",
        "date_of_birth-month": "2",
        "date_of_birth-year": "1980",
        "csrf_token": token,
    }
    assert client.post("/step/about", data=about).status_code == 302

    client.get("/step/pain")
    old = _expired(app, client)
    posted = {
        "pain_started-month": "8",
        "pain_started-year": "2024",
        "pain_locations": ["lower_back", "groin"],
        "pain_side": "right",
        "leg_numbness": "not_sure",
        "csrf_token": old,
    }
    response = client.post("/step/pain", data=posted)
    assert response.status_code == 200  # the page, not a bare 400
    html = response.get_data(as_text=True)
    assert "This page was open for a long time" in html
    assert re.search(r'name="pain_started-month"[^>]*value="8"', html)
    assert re.search(r'name="pain_started-year"[^>]*value="2024"', html)
    assert re.search(r'value="not_sure"[^>]*checked|checked[^>]*value="not_sure"', html)
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
    assert stored["pain_started"] == "2024-08"
    assert stored["leg_numbness"] == "not_sure"
    assert stored["date_of_birth"] == "1980-02-03"
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


# --- HTTPS POSTs and the Origin header ---------------------------------------------------------

HTTPS_BASE = "https://localhost"


def _https_client(make_app, **config):
    """A client of an app served over HTTPS (as gunicorn with TLS, or behind a trusted proxy)."""
    app = make_app(HTTPS=True, SESSION_COOKIE_SECURE=True, WTF_CSRF_ENABLED=True, **config)
    return app, app.test_client()


def test_https_pages_keep_same_origin_referers_only(make_app):
    app, client = _https_client(make_app)
    for path in ("/", "/clinician/login", "/nowhere"):
        policy = client.get(path, base_url=HTTPS_BASE).headers["Referrer-Policy"]
        # A browser must send the Referer that Flask-WTF's SSL check needs, to this site only.
        assert policy == "same-origin", path


def test_an_https_post_with_a_same_origin_referer_and_origin_passes(make_app):
    app, client = _https_client(make_app)
    token = csrf_token(client.get("/", base_url=HTTPS_BASE).text)
    headers = {"Referer": HTTPS_BASE + "/", "Origin": HTTPS_BASE}
    response = client.post(
        "/start", base_url=HTTPS_BASE, data={"csrf_token": token}, headers=headers
    )
    assert response.status_code == 302
    assert response.location == "/step/safety_emergency"  # the safety questions come first


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "null",
        "http://localhost",  # the same host without TLS
        "https://localhost:8443",
        "https://localhost.evil.example",
        "https://evil.example@localhost",
        "https://[::1",
    ],
)
def test_an_https_post_from_another_origin_is_refused(make_app, origin):
    app, client = _https_client(make_app)
    token = csrf_token(client.get("/", base_url=HTTPS_BASE).text)
    # Even with a valid token and cookie and a same-origin Referer: the Origin decides.
    headers = {"Referer": HTTPS_BASE + "/", "Origin": origin}
    response = client.post(
        "/start", base_url=HTTPS_BASE, data={"csrf_token": token}, headers=headers
    )
    assert response.status_code == 400
    assert "Something was wrong with that request" in response.text
    assert client.get("/step/about", base_url=HTTPS_BASE).status_code == 302  # no draft started


def test_a_cross_origin_step_post_is_refused_without_showing_what_was_posted(make_app):
    app, client = _https_client(make_app)
    same = {"Referer": HTTPS_BASE + "/", "Origin": HTTPS_BASE}
    token = csrf_token(client.get("/", base_url=HTTPS_BASE).text)
    client.post("/start", base_url=HTTPS_BASE, data={"csrf_token": token}, headers=same)
    token = csrf_token(client.get("/step/about", base_url=HTTPS_BASE).text)
    forged = {
        "name": "Mallory Forger",
        "date_of_birth-day": "1",
        "date_of_birth-month": "1",
        "date_of_birth-year": "1970",
        "csrf_token": token,
    }
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "https://evil.example", **{"Referer": HTTPS_BASE + "/step/about"}},
    ):
        response = client.post("/step/about", base_url=HTTPS_BASE, data=forged, headers=headers)
        assert response.status_code == 400
        assert "Mallory" not in response.text
    assert _answers(app) == {}


def test_a_cross_origin_post_is_refused_over_plain_http_too(make_app):
    """Over HTTP Flask-WTF checks no Referer: the Origin check is what refuses it."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = csrf_token(client.get("/").text)
    response = client.post(
        "/start", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 400
    response = client.post(
        "/start", data={"csrf_token": token}, headers={"Origin": "http://localhost"}
    )
    assert response.status_code == 302


def test_a_post_without_origin_or_referer_over_https_is_still_refused(make_app):
    app, client = _https_client(make_app)
    token = csrf_token(client.get("/", base_url=HTTPS_BASE).text)
    response = client.post("/start", base_url=HTTPS_BASE, data={"csrf_token": token})
    assert response.status_code == 400


def test_behind_a_trusted_proxy_that_terminates_tls_posts_work_and_origins_are_checked(make_app):
    """The proxy speaks HTTP to the app and says X-Forwarded-Proto: https."""
    app, client = _https_client(make_app, TRUSTED_PROXY_COUNT=1)
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    token = csrf_token(client.get("/", headers=proxied).text)
    browser = {**proxied, "Referer": HTTPS_BASE + "/", "Origin": HTTPS_BASE}
    response = client.post("/start", data={"csrf_token": token}, headers=browser)
    assert response.status_code == 302
    token = csrf_token(client.get("/step/about", headers=proxied).text)
    forged = {**browser, "Origin": "https://evil.example"}
    data = {"name": "Mallory Forger", "csrf_token": token}
    assert client.post("/step/about", data=data, headers=forged).status_code == 400
    assert "Mallory" not in client.get("/step/about", headers=proxied).text


def test_a_cross_origin_clinician_sign_in_is_refused(make_app):
    from support.clinic import PASSWORD, make_clinician

    app, client = _https_client(make_app)
    with app.app_context():
        make_clinician()
        db.session.remove()
    token = csrf_token(client.get("/clinician/login", base_url=HTTPS_BASE).text)
    body = {"email": "doctor@clinic.example", "password": PASSWORD, "csrf_token": token}
    headers = {"Referer": HTTPS_BASE + "/clinician/login", "Origin": "https://evil.example"}
    response = client.post("/clinician/login", base_url=HTTPS_BASE, data=body, headers=headers)
    assert response.status_code == 400
    assert client.get("/clinician/", base_url=HTTPS_BASE).location.startswith("/clinician/login")
    headers["Origin"] = HTTPS_BASE
    response = client.post("/clinician/login", base_url=HTTPS_BASE, data=body, headers=headers)
    assert response.status_code == 302 and response.location == "/clinician/"


# --- redirects never reflect the Host header ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/clinician", "/clinician/"),
        ("/clinician?page=2&q=a%2Fb", "/clinician/?page=2&q=a%2Fb"),
        ("/step//about", "/step/about"),
        ("//clinician", "/clinician/"),
    ],
)
@pytest.mark.parametrize("base_url", ["http://evil.example", "https://evil.example:8443"])
def test_slash_redirects_are_relative_whatever_the_host_header(client, path, location, base_url):
    raw_path, _, query = path.partition("?")
    response = client.get(
        "/",
        base_url=base_url,
        headers={"Host": base_url.split("//", 1)[1], "X-Forwarded-Host": "evil.example"},
        # PATH_INFO as a server gives it: "//clinician" would be a host to the test client.
        environ_overrides={"PATH_INFO": raw_path, "QUERY_STRING": query},
    )
    assert response.status_code == 308
    assert response.headers["Location"] == location
    assert "evil" not in response.headers["Location"]


def test_a_request_for_a_host_the_clinic_did_not_configure_is_refused(make_app):
    client = make_app(TRUSTED_HOSTS=["screening.clinic.example"]).test_client()
    assert client.get("/", headers={"Host": "screening.clinic.example"}).status_code == 200
    refused = client.get("/", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert "evil.example" not in refused.text
