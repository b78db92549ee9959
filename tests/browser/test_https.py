"""Served over HTTPS as in production: gunicorn with a throwaway self-signed certificate, HTTPS=1.

Chromium completes a patient journey and a clinician sign-in (every form is a POST checked for
its CSRF token, a same-origin Referer and a same-origin Origin), and cross-site POSTs are still
refused. The database is a migrated SQLite file of this module's own: only HTTP and TLS matter
here, and the shared PostgreSQL test database must never be migrated under the suite. gunicorn
always stops; every wait is bounded.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, expect
from support import csrf_token

pytestmark = [pytest.mark.browser, pytest.mark.server]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EMAIL = "doctor@clinic.example"
PASSWORD = "a long passphrase for https"  # noqa: S105 - a throwaway test account
EVIL = "https://evil.example"
TIMEOUT = 10  # seconds per request


@dataclass
class HttpsServer:
    url: str
    cert: Path  # the self-signed certificate, also the CA that clients trust
    log: Path

    def get(self, session: requests.Session, path: str, **kw) -> requests.Response:
        return session.get(self.url + path, verify=str(self.cert), timeout=TIMEOUT, **kw)

    def post(self, session: requests.Session, path: str, **kw) -> requests.Response:
        kw.setdefault("allow_redirects", False)
        return session.post(self.url + path, verify=str(self.cert), timeout=TIMEOUT, **kw)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A one-day P-256 certificate for 127.0.0.1 and its key, made with the openssl CLI."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [
            "/usr/bin/openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def _flask(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [str(BIN / "flask"), "--app", "screening", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"flask {args[0]}: {result.stdout}{result.stderr}"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsServer]:
    """The app under gunicorn (the project's gunicorn.conf.py) with TLS, HTTPS=1, production."""
    workdir = tmp_path_factory.mktemp("https")
    cert, key = _self_signed_certificate(workdir)
    port = _free_port()
    log = workdir / "gunicorn.log"
    env = {
        **os.environ,
        "APP_ENV": "production",
        "HTTPS": "1",
        "DATABASE_URL": f"sqlite:///{workdir / 'https.db'}",
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_PATH": str(workdir / "instance"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "TRUSTED_PROXY_COUNT": "0",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",  # one worker: memory:// rate-limit counts stay whole
        "GUNICORN_ACCESSLOG": str(workdir / "access.log"),
    }
    _flask(env, "db", "upgrade")
    _flask(env, "clinician", "create", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")
    server = HttpsServer(f"https://127.0.0.1:{port}", cert, log)
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [
                str(BIN / "gunicorn"),
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--certfile",
                str(cert),
                "--keyfile",
                str(key),
                "screening:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text(errors='replace')}")
            try:
                # Verified against the certificate: the server really speaks TLS.
                if server.get(requests.Session(), "/").status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        yield server
    finally:
        _stop(process)
    assert "Traceback" not in log.read_text(errors="replace")


def test_pages_over_https_keep_same_origin_referers_and_send_hsts(https_server):
    response = https_server.get(requests.Session(), "/")
    assert response.url.startswith("https://")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_patient_completes_the_journey_over_https_in_chromium(
    https_server, browser: Browser, journey
):
    context = browser.new_context(ignore_https_errors=True)
    try:
        page = context.new_page()
        journey.start(page, https_server.url)  # "Start now" is the first POST
        expect(page).to_have_url(https_server.url + "/step/safety_emergency")
        # Every page of the 2026.12 journey, a treatment page for each treatment ticked
        journey.walk(page)
        expect(page).to_have_title("Check your answers before you send them – SI joint screening")
        assert "Sam Patient" in page.content()
        with page.expect_navigation():
            page.click("button:has-text('Submit your answers')")
        expect(page).to_have_title("Your answers have been sent – SI joint screening")
        assert re.search(r"SIJ-[A-Z0-9]{4}-[A-Z0-9]{4}", page.inner_text("main"))
        assert page.url.startswith(https_server.url + "/")
        [cookie] = [c for c in context.cookies() if c["name"] == "session"]
        assert cookie["secure"] and cookie["httpOnly"]
    finally:
        context.close()


def test_a_clinician_signs_in_and_out_over_https_in_chromium(https_server, browser: Browser):
    context = browser.new_context(ignore_https_errors=True)
    try:
        page = context.new_page()
        # Without the slash: the slash redirect, then the sign-in redirect, stay on this origin.
        page.goto(https_server.url + "/clinician")
        expect(page).to_have_url(https_server.url + "/clinician/login")
        page.get_by_label("Email address").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Submitted screenings")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(https_server.url + "/clinician/login")
        page.goto(https_server.url + "/clinician/")
        expect(page).to_have_url(https_server.url + "/clinician/login")
    finally:
        context.close()


def test_cross_site_posts_over_https_are_refused(https_server):
    server, same = https_server, https_server.url
    s = requests.Session()
    token = csrf_token(server.get(s, "/").text)
    data = {"csrf_token": token}
    refused = {
        "a foreign Origin": {"Origin": EVIL},
        "a foreign Origin with a same-origin Referer": {"Origin": EVIL, "Referer": same + "/"},
        "a null Origin": {"Origin": "null", "Referer": same + "/"},
        "plain http Origin": {"Origin": same.replace("https:", "http:"), "Referer": same + "/"},
        "no Origin and no Referer": {},
        "a foreign Referer": {"Referer": EVIL + "/"},
    }
    for name, headers in refused.items():
        response = server.post(s, "/start", data=data, headers=headers)
        assert response.status_code == 400, name
        assert "Something was wrong with that request" in response.text, name
    # The same token and cookie from this origin work: the refusals above were the origin's.
    same_origin = {"Origin": same, "Referer": same + "/"}
    response = server.post(s, "/start", data=data, headers=same_origin)
    assert response.status_code == 302 and response.headers["Location"] == "/step/safety_emergency"

    # A forged step is refused outright: nothing saved, nothing posted shown back.
    token = csrf_token(server.get(s, "/step/about").text)
    forged = {"name": "Mallory Forger", "date_of_birth": "1970-01-01", "csrf_token": token}
    response = server.post(s, "/step/about", data=forged, headers={"Origin": EVIL})
    assert response.status_code == 400
    assert "Mallory" not in response.text
    assert "Mallory" not in server.get(s, "/step/about").text

    # A forged clinician sign-in is refused, and signs nobody in.
    c = requests.Session()
    token = csrf_token(server.get(c, "/clinician/login").text)
    body = {"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    response = server.post(c, "/clinician/login", data=body, headers={"Origin": EVIL})
    assert response.status_code == 400
    assert (
        server.get(c, "/clinician/", allow_redirects=False)
        .headers["Location"]
        .startswith("/clinician/login")
    )
    response = server.post(c, "/clinician/login", data=body, headers=same_origin)
    assert response.status_code == 302 and response.headers["Location"] == "/clinician/"
