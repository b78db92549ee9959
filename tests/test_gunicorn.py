"""The project's gunicorn.conf.py, run for real: unshared rate limits refused, no query strings logged.

Each test starts gunicorn on a free loopback port with a bounded wait and always stops it.
"""

from __future__ import annotations

import json
import os
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from support import csrf_token

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
APP = "screening:create_app()"
# Settings of the environment this suite runs in that must not leak into the servers started here.
_OURS = ("APP_ENV", "DATABASE_URL", "SECRET_KEY", "INSTANCE_PATH", "BIND", "WEB_CONCURRENCY")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _OURS and not k.startswith(("RATELIMIT_", "GUNICORN_"))
    }
    env.pop("ALLOW_UNSHARED_RATE_LIMITS", None)
    env.update(
        INSTANCE_PATH=str(tmp_path / "instance"),
        BIND=f"127.0.0.1:{_free_port()}",
        GUNICORN_ACCESSLOG=str(tmp_path / "access.log"),
    )
    env.update(settings)
    return env


def _production(tmp_path: Path, **settings: str) -> dict[str, str]:
    return _env(
        tmp_path,
        APP_ENV="production",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}",
        SECRET_KEY=secrets.token_hex(32),
        **settings,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@dataclass
class Run:
    """A gunicorn run: its exit status (None while it serves) and its output."""

    process: subprocess.Popen
    url: str
    errors: Path
    access: Path

    def error_log(self) -> str:
        return self.errors.read_text(errors="replace")

    def access_log(self) -> str:
        return self.access.read_text(errors="replace") if self.access.exists() else ""


def _start(tmp_path: Path, env: dict[str, str], *args: str, wait: float = 40) -> Run:
    """Start gunicorn; return once it answers, or once it has exited (a refusal)."""
    errors = tmp_path / "gunicorn.err"
    with errors.open("ab") as out:
        process = subprocess.Popen(
            [str(GUNICORN), "--config", str(ROOT / "gunicorn.conf.py"), *args, APP],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    run = Run(process, "http://" + env["BIND"], errors, Path(env["GUNICORN_ACCESSLOG"]))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return run
        try:
            requests.get(run.url + "/", timeout=2)
            return run
        except requests.RequestException:
            time.sleep(0.2)
    _stop(process)
    pytest.fail(f"gunicorn neither answered nor exited:\n{run.error_log()}")


# --- item 7: production with several workers needs shared rate-limit storage -------------------


@pytest.mark.parametrize(
    ("settings", "args"),
    [
        ({"WEB_CONCURRENCY": "2", "RATELIMIT_STORAGE_URI": "memory://"}, ()),
        ({"WEB_CONCURRENCY": "3"}, ()),  # no storage set: memory:// by default
        ({"WEB_CONCURRENCY": "1", "RATELIMIT_STORAGE_URI": "memory://"}, ("--workers", "2")),
    ],
    ids=["memory", "default-storage", "workers-on-the-command-line"],
)
def test_production_with_several_workers_refuses_per_worker_rate_limits(tmp_path, settings, args):
    run = _start(tmp_path, _production(tmp_path, **settings), *args)
    try:
        status = run.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        _stop(run.process)
        pytest.fail(f"gunicorn started with per-worker rate limits:\n{run.error_log()}")
    output = run.error_log()
    assert status != 0
    lines = [line for line in output.splitlines() if "RATELIMIT_STORAGE_URI" in line]
    assert len(lines) == 1, output
    assert "refus" in lines[0].lower() and "workers" in lines[0]
    assert "Traceback" not in output
    assert "Booting worker" not in output  # refused before any worker or socket


def test_production_with_shared_storage_starts_several_workers_and_survives_redis_down(tmp_path):
    """Redis configured but not answering: gunicorn starts, and requests fall back, logged."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    env = _production(
        tmp_path, WEB_CONCURRENCY="2", RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed}"
    )
    subprocess.run(
        [str(GUNICORN.parent / "flask"), "--app", "screening", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    run = _start(tmp_path, env)
    try:
        assert run.process.poll() is None, run.error_log()
        browser = requests.Session()
        page = browser.get(run.url + "/", timeout=10)
        assert page.status_code == 200
        started = browser.post(
            run.url + "/start",
            data={"csrf_token": csrf_token(page.text)},
            allow_redirects=False,
            timeout=10,
        )
        assert started.status_code == 302, started.text[:500]
    finally:
        _stop(run.process)
    output = run.error_log()
    assert "falling back to in-memory storage" in output
    assert "Traceback" not in output


def test_production_with_one_worker_and_memory_storage_starts(tmp_path):
    run = _start(
        tmp_path, _production(tmp_path, WEB_CONCURRENCY="1", RATELIMIT_STORAGE_URI="memory://")
    )
    try:
        assert run.process.poll() is None, run.error_log()
        assert requests.get(run.url + "/", timeout=10).status_code == 200
    finally:
        _stop(run.process)


class _Arbiter:
    """Just what gunicorn's nworkers_changed hook is given: the arbiter's count and its log."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.log = self
        self._count = 1

    def error(self, msg: str, *args) -> None:
        self.errors.append(msg % args if args else msg)

    warning = error

    @property
    def num_workers(self) -> int:
        return self._count

    @num_workers.setter
    def num_workers(self, value: int) -> None:
        old, self._count = self._count, value
        HOOKS["nworkers_changed"](self, value, old)


HOOKS = runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_adding_workers_at_run_time_keeps_one_with_per_worker_rate_limits(monkeypatch):
    """TTIN or `gunicornc` may add workers to a running production server: not without Redis."""
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.delenv("RATELIMIT_ENABLED", raising=False)
    monkeypatch.delenv("ALLOW_UNSHARED_RATE_LIMITS", raising=False)
    arbiter = _Arbiter()
    arbiter.num_workers += 1
    assert arbiter.num_workers == 1
    assert len(arbiter.errors) == 1 and "RATELIMIT_STORAGE_URI" in arbiter.errors[0]
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://redis.example:6379")
    arbiter.num_workers += 1
    assert arbiter.num_workers == 2
    assert len(arbiter.errors) == 1
    # The benchmarks' explicit opt-in: allowed, with a warning.
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("ALLOW_UNSHARED_RATE_LIMITS", "1")
    arbiter.num_workers += 1
    assert arbiter.num_workers == 3
    assert len(arbiter.errors) == 2 and "each worker would count" in arbiter.errors[1]


# --- item 11: no query string in any log line ------------------------------------------------------

SECRET = "Jane"  # a patient's name, in query strings and malformed request lines below


def _raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        return conn.recv(200)


MALFORMED = [
    # A literal space in the query: gunicorn reads the rest as the HTTP version.
    b"GET /x?name=Jane Doe&s3cr3t=abc HTTP/1.1\r\nHost: a\r\n\r\n",
    # A character not allowed in a request target: gunicorn logs the whole request line.
    b"GET /x?name=Jane\x7fDoe&s3cr3t=abc HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /x?name=Jane%20Doe&s3cr3t=abc HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n",
    b"G@T /x?name=Jane%20Doe&s3cr3t=abc HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /" + b"a" * 5000 + b"?name=Jane%20Doe&s3cr3t=abc HTTP/1.1\r\nHost: a\r\n\r\n",
]


def test_gunicorn_logs_no_query_string_even_of_malformed_requests(tmp_path):
    run = _start(tmp_path, _env(tmp_path, APP_ENV="development", WEB_CONCURRENCY="1"))
    try:
        assert run.process.poll() is None, run.error_log()
        for request in MALFORMED:
            assert _raw(run.url, request).split(b" ", 2)[1] in (b"400", b"414")
        ok = requests.get(run.url + "/?name=Jane%20Doe&s3cr3t=abc", timeout=10)
        assert ok.status_code == 200
        # An encoded "?" is part of the path, which gunicorn's access log decodes.
        missing = requests.get(run.url + "/nowhere%3Fname=Jane%20Doe&s3cr3t=abc", timeout=10)
        assert missing.status_code == 404
    finally:
        _stop(run.process)
    errors, access = run.error_log(), run.access_log()
    # The requests were logged, paths only.
    assert errors.count("Invalid request from ip=127.0.0.1") == len(MALFORMED), errors
    assert '"GET /" 200' in access and '"GET /nowhere" 404' in access, access
    for log in (errors, access):
        assert SECRET not in log
        assert "s3cr3t" not in log and "Doe" not in log
    assert "Traceback" not in errors


def _logger(tmp_path: Path, access_log_format: str):
    from gunicorn.config import Config

    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("errorlog", str(tmp_path / "error.log"))
    cfg.set("access_log_format", access_log_format)
    return HOOKS["logger_class"](cfg)


def test_query_strings_stay_out_whatever_the_access_log_format(tmp_path):
    """An operator's own format naming the request line, the query or the headers still logs none."""
    import datetime

    class Response:
        status = "200 OK"
        sent = 10
        headers = [("Location", "/step/pain?return=check&name=Jane"), ("Set-Cookie", "session=x")]

    class Request:
        headers = [("REFERER", "https://x.example/?name=Jane"), ("COOKIE", "session=Jane")]

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/step/pain?name=Jane",
        "PATH_INFO": "/step/pain",
        "QUERY_STRING": "name=Jane",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://x.example/?name=Jane",
    }
    fmt = "%(r)s|%(q)s|%(U)s|%(f)s|%({referer}i)s|%({cookie}i)s|%({location}o)s|%({query_string}e)s"
    logger = _logger(tmp_path, fmt)
    logger.access(Response(), Request(), environ, datetime.timedelta(milliseconds=5))
    logger.exception("Error handling request %s %s", "GET", "/step/pain?name=Jane")
    for log in (logger.access_log, logger.error_log):
        for handler in list(log.handlers):
            handler.close()
            log.removeHandler(handler)
    access = (tmp_path / "access.log").read_text()
    assert "GET /step/pain HTTP/1.1|" in access
    assert "Jane" not in access and "session" not in access
    errors = (tmp_path / "error.log").read_text()
    assert "Error handling request GET /step/pain" in errors
    assert "Jane" not in errors


# --- issue 16: a long export is not cut off by the worker timeout ------------------------------


def test_a_long_export_streams_to_the_end_past_the_worker_timeout(tmp_path):
    """An export that takes longer than gunicorn's timeout arrives whole: the workers report to
    the arbiter while a thread streams (a sync worker was killed mid-file at `timeout`)."""
    count, timeout = 900, 1
    env = _production(tmp_path, WEB_CONCURRENCY="1", GUNICORN_TIMEOUT=str(timeout))

    def flask(*args: str, stdin: str | None = None) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "screening", *args],
            env={**env, "APP_ENV": "development"},  # seed-demo refuses production
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    flask("db", "upgrade")
    flask("seed-demo", str(count), "--seed", "1")
    password = "a long passphrase for the export test"
    flask("clinician", "create", "export@clinic.example", "--password-stdin", stdin=password)
    run = _start(tmp_path, env)
    try:
        session = requests.Session()
        page = session.get(run.url + "/clinician/login", timeout=30)
        signed_in = session.post(
            run.url + "/clinician/login",
            data={
                "email": "export@clinic.example",
                "password": password,
                "csrf_token": csrf_token(page.text),
            },
            timeout=30,
        )
        assert signed_in.status_code == 200 and "Sign out" in signed_in.text
        started = time.monotonic()
        with session.get(
            run.url + "/clinician/export.ndjson",
            params={"from": "2000-01-01", "to": "2099-12-31"},
            stream=True,
            timeout=60,
        ) as response:
            assert response.status_code == 200
            lines = [line for line in response.iter_lines() if line]
        took = time.monotonic() - started
        # Only meaningful when the export outlived the timeout by a margin (the arbiter checks
        # about once a second); seed more screenings if this machine ever gets that fast.
        assert took > timeout + 1.5, f"the export took {took:.1f} s: too fast to show anything"
        patients = [line for line in lines if line.startswith(b'{"resourceType":"Patient"')]
        assert len(patients) == count
        assert json.loads(lines[-1])["resourceType"]  # the last line whole
        assert run.process.poll() is None
        assert "WORKER TIMEOUT" not in run.error_log()
    finally:
        _stop(run.process)
