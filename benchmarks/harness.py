"""The harness shared by the load benchmark (benchmarks/load.py) and the server tests
(tests/test_concurrency.py): the app under gunicorn on a throwaway database, and simulated
patients walking the whole journey over HTTP.

Everything here is public API for both; keep it stable, or change both users together.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from screening import questionnaire  # noqa: E402 - needs the path above

__all__ = [
    "BASE_ANSWERS",
    "REFERENCE_RE",
    "ROOT",
    "TIMEOUT",
    "WORKERS",
    "Journey",
    "Server",
    "answers_for",
    "csrf_token",
    "database_kind",
    "free_port",
    "migrate",
    "patient_journey",
    "project_env",
    "step_post",
    "stored_answers",
    "throwaway_database",
]

BIN = Path(sys.executable).parent
WORKERS = 4  # gunicorn workers unless a caller says otherwise
TIMEOUT = 30  # seconds per request
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REFERENCE_RE = re.compile(r"\bSIJ-[A-Z0-9]{4}-[A-Z0-9]{4}\b")

# A complete set of answers matching every core criterion, no red flag: docs/example-answers.json,
# the same file as the tests' support.FULL.
BASE_ANSWERS: dict[str, Any] = json.loads((ROOT / "docs" / "example-answers.json").read_text())


def answers_for(i: int) -> dict[str, Any]:
    """Patient i's answers: distinct values, so that mixed-up answers show."""
    return {
        **BASE_ANSWERS,
        "name": f"Load Patient {i:04d}",
        "pain_started": f"{2000 + i // 12 % 25}-{1 + i % 12:02d}",
        "weight_kg": 40 + i % 150,
    }


def step_post(step: questionnaire.Step, answers: dict[str, Any]) -> dict[str, Any]:
    """A step's form body as a browser sends it: strings, one value per checked box."""
    body: dict[str, Any] = {}
    for q in step.questions:
        if q.key not in answers:
            continue
        value = answers[q.key]
        if q.type in ("date", "month"):  # Day/Month/Year boxes, or Month/Year
            parts = dict(zip(("year", "month", "day"), value.split("-"), strict=False))
            # As people type them: "5" for May, the page shows them back the same way.
            body.update({f"{q.key}-{part}": str(int(text)) for part, text in parts.items()})
        else:
            body[q.key] = list(value) if isinstance(value, list) else str(value)
    return body


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page; ValueError when there is none."""
    match = CSRF_RE.search(html)
    if not match:
        raise ValueError("no CSRF token on the page")
    return match.group(1)


# --- the database ---------------------------------------------------------------------------


@contextmanager
def throwaway_database(kind: str, workdir: Path) -> Iterator[str]:
    """A database URL for one run: a SQLite file, or a new PostgreSQL database dropped after."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'load.db'}"
        return
    server = make_url(os.environ["DATABASE_URL"])
    name = f"load_{secrets.token_hex(4)}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ).bindparams(n=name)
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def database_kind() -> str:
    """postgresql when DATABASE_URL points to PostgreSQL, else sqlite."""
    return "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgresql") else "sqlite"


# --- gunicorn -------------------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """An app under gunicorn with the project's gunicorn.conf.py, on 127.0.0.1."""

    def __init__(self, app_spec: str, env: dict[str, str], workdir: Path, workers: int = WORKERS):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app_spec = app_spec
        self.workdir = workdir
        self.log_path = workdir / f"gunicorn-{self.port}.log"
        self.access_path = workdir / f"access-{self.port}.log"
        self.env = {
            **os.environ,
            **env,
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_ACCESSLOG": str(self.access_path),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_path: str = "/", wait: float = 30) -> None:
        """Start gunicorn and wait until it answers."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), self.app_spec],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready(ready_path, wait)

    def wait_ready(self, path: str = "/", wait: float = 30) -> None:
        """Poll until a GET answers 2xx/3xx; raise with the log if it never does."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            try:
                if requests.get(self.url + path, timeout=2, allow_redirects=False).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start:\n{self.log()}")

    def worker_pids(self) -> list[int]:
        """The current worker processes (children of the gunicorn master)."""
        assert self.process is not None
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Fields after the command name, which is in parentheses and may contain spaces.
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def log(self) -> str:
        """gunicorn's own log (errors, worker starts and deaths)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def access_log(self) -> str:
        """The access log (one line per request)."""
        return self.access_path.read_text(errors="replace") if self.access_path.exists() else ""

    def stop(self) -> None:
        """Stop gunicorn: TERM, then KILL after a grace period."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def migrate(database_url: str, workdir: Path) -> None:
    """Apply the migrations with `flask db upgrade`, a step of its own as in production."""
    subprocess.run(
        [str(BIN / "flask"), "--app", "screening", "db", "upgrade"],
        cwd=ROOT,
        env={**os.environ, **project_env(database_url, workdir)},
        check=True,
        capture_output=True,
        timeout=120,
    )


def project_env(database_url: str, workdir: Path) -> dict[str, str]:
    """The project's production settings for a run on this machine."""
    return {
        "APP_ENV": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_PATH": str(workdir / "instance"),
        # Every simulated patient comes from 127.0.0.1: raise the per-address start limit.
        "START_LIMIT": "100000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        # Several workers on memory:// would each count alone; gunicorn.conf.py refuses that in
        # production unless told this is a one-machine benchmark.
        "ALLOW_UNSHARED_RATE_LIMITS": "1",
    }


# --- one patient ---------------------------------------------------------------------------


@dataclass
class Journey:
    """What one simulated patient saw."""

    step_latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reference: str | None = None
    completed: bool = False


def patient_journey(
    base_url: str,
    answers: dict[str, Any],
    session: requests.Session | None = None,
    stop_after: int | None = None,
    on_step: Callable[[int], None] | None = None,
) -> Journey:
    """Start, answer every step (reading each page's CSRF token), check, submit, confirm.

    `stop_after` stops after that many steps (for tests that resume later).
    """
    s = session or requests.Session()
    result = Journey()

    def expect(response: requests.Response, status: int, what: str) -> bool:
        if response.status_code != status:
            result.errors.append(f"{what}: HTTP {response.status_code}")
            return False
        return True

    try:
        page = s.get(base_url + "/", timeout=TIMEOUT)
        r = s.post(
            base_url + "/start",
            data={"csrf_token": csrf_token(page.text)},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        if not expect(r, 302, "start"):
            return result
        # The pages these answers show (a page about a treatment not tried is skipped).
        for n, step in enumerate(questionnaire.CURRENT.shown_steps(answers)):
            if stop_after is not None and n >= stop_after:
                return result
            page = s.get(f"{base_url}/step/{step.key}", timeout=TIMEOUT)
            if not expect(page, 200, f"GET {step.key}"):
                return result
            body = {**step_post(step, answers), "csrf_token": csrf_token(page.text)}
            started = time.perf_counter()
            r = s.post(
                f"{base_url}/step/{step.key}", data=body, allow_redirects=False, timeout=TIMEOUT
            )
            result.step_latencies.append(time.perf_counter() - started)
            if not expect(r, 302, f"POST {step.key}"):
                return result
            if on_step:
                on_step(n)
        page = s.get(base_url + "/check", timeout=TIMEOUT)
        if not expect(page, 200, "GET check"):
            return result
        r = s.post(
            base_url + "/check",
            data={"csrf_token": csrf_token(page.text)},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        if not expect(r, 302, "submit"):
            return result
        page = s.get(base_url + "/confirmation", timeout=TIMEOUT)
        if not expect(page, 200, "confirmation"):
            return result
        match = REFERENCE_RE.search(page.text)
        result.reference = match.group(0) if match else None
        result.completed = result.reference is not None
        if not result.completed:
            result.errors.append("no reference on the confirmation page")
    except (requests.RequestException, ValueError) as e:
        result.errors.append(f"{type(e).__name__}: {e}")
    return result


# --- checking what was stored -----------------------------------------------------------------


def stored_answers(database_url: str, references: list[str]) -> dict[str, dict[str, Any]]:
    """Submitted answers by reference, read straight from the database."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT reference, answers FROM screening WHERE status = 'submitted'")
            ).all()
    finally:
        engine.dispose()
    out = {}
    for reference, answers in rows:
        if reference in references:
            out[reference] = json.loads(answers) if isinstance(answers, str) else answers
    return out
