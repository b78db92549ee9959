"""Load benchmark: simulated patients through the whole journey, the app under gunicorn.

In one run: N = 10 and N = 50 patients at once (threads, one cookie session each, CSRF on,
tokens read from the pages) on the project, then the same on a minimal reference app
(benchmarks/reference_app.py: one Flask-WTF form writing one row) under the same gunicorn
settings and the same database kind. Prints completed journeys per second, step latency
p50/p95/p99, errors and lost answers. Targets: zero errors, zero lost answers, the project's step
p50 within 2x the reference's.

Uses a throwaway SQLite file in WAL mode, or, when DATABASE_URL is a PostgreSQL URL, a throwaway
database created on that server (never the database named in the URL).

The Server class and patient_journey are also used by tests/test_concurrency.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening import questionnaire  # noqa: E402 - needs the path above

BIN = Path(sys.executable).parent
WORKERS = 4
SIZES = (10, 50)
TIMEOUT = 30  # seconds per request
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REFERENCE_RE = re.compile(r"\bSIJ-[A-Z0-9]{4}-[A-Z0-9]{4}\b")

# A complete set of answers matching every core criterion, no red flag (shared with the tests).
BASE_ANSWERS: dict[str, Any] = json.loads((ROOT / "docs" / "example-answers.json").read_text())


def answers_for(i: int) -> dict[str, Any]:
    """Patient i's answers: distinct values, so that mixed-up answers show."""
    return {
        **BASE_ANSWERS,
        "name": f"Load Patient {i:04d}",
        "pain_duration_months": 100 + i,
        "weight_kg": 40 + i % 150,
    }


def step_post(step: questionnaire.Step, answers: dict[str, Any]) -> dict[str, Any]:
    """A step's form body as a browser sends it: strings, one value per checked box."""
    body: dict[str, Any] = {}
    for q in step.questions:
        if q.key in answers:
            value = answers[q.key]
            body[q.key] = list(value) if isinstance(value, list) else str(value)
    return body


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
    }


# --- one patient ----------------------------------------------------------------------------


@dataclass
class Journey:
    """What one simulated patient saw."""

    step_latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reference: str | None = None
    completed: bool = False


def _token(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise ValueError("no CSRF token on the page")
    return match.group(1)


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
            data={"csrf_token": _token(page.text)},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        if not expect(r, 302, "start"):
            return result
        for n, step in enumerate(questionnaire.STEPS):
            if stop_after is not None and n >= stop_after:
                return result
            page = s.get(f"{base_url}/step/{step.key}", timeout=TIMEOUT)
            if not expect(page, 200, f"GET {step.key}"):
                return result
            body = {**step_post(step, answers), "csrf_token": _token(page.text)}
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
            data={"csrf_token": _token(page.text)},
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


def reference_journey(base_url: str, i: int, steps: int) -> Journey:
    """The reference app's journey: the same number of GET form + POST one-row pairs."""
    s = requests.Session()
    result = Journey()
    patient = f"p{i:04d}"
    try:
        for n in range(steps):
            page = s.get(f"{base_url}/step/{n}", timeout=TIMEOUT)
            body = {"csrf_token": _token(page.text), "patient": patient, "value": str(100 + i)}
            started = time.perf_counter()
            r = s.post(f"{base_url}/step/{n}", data=body, allow_redirects=False, timeout=TIMEOUT)
            result.step_latencies.append(time.perf_counter() - started)
            if r.status_code != 302:
                result.errors.append(f"POST {n}: HTTP {r.status_code}")
                return result
        result.completed = True
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
    import json

    out = {}
    for reference, answers in rows:
        if reference in references:
            out[reference] = json.loads(answers) if isinstance(answers, str) else answers
    return out


def lost_answers(database_url: str, journeys: list[tuple[dict[str, Any], Journey]]) -> int:
    """How many completed journeys' stored answers differ from what was posted."""
    refs = [j.reference for _a, j in journeys if j.reference]
    stored = stored_answers(database_url, refs)
    return sum(1 for a, j in journeys if j.completed and stored.get(j.reference or "") != a)


def reference_lost(database_url: str, n: int, steps: int) -> int:
    """How many reference-app patients do not have exactly their rows."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT patient, step, value FROM reference_row")).all()
    finally:
        engine.dispose()
    lost = 0
    for i in range(n):
        mine = sorted((step, value) for patient, step, value in rows if patient == f"p{i:04d}")
        lost += mine != [(k, 100 + i) for k in range(steps)]
    return lost


# --- the benchmark ------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), in seconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


@dataclass
class Figures:
    """One run's figures."""

    app: str
    n: int
    seconds: float
    completed: int
    errors: int
    lost: int
    latencies: list[float]

    def row(self) -> str:
        """A Markdown table row."""
        ms = [percentile(self.latencies, p) * 1000 for p in (50, 95, 99)]
        return (
            f"| {self.app} | {self.n} | {self.completed / self.seconds:.2f} | {ms[0]:.1f} ms "
            f"| {ms[1]:.1f} ms | {ms[2]:.1f} ms | {self.errors} | {self.lost} |"
        )


def run_project(n: int, kind: str) -> Figures:
    """N patients at once through the project's journey."""
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(kind, Path(tmp)) as url:
        workdir = Path(tmp)
        migrate(url, workdir)
        server = Server("screening:create_app()", project_env(url, workdir), workdir)
        try:
            server.start()
            people = [answers_for(i) for i in range(n)]
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=n) as pool:
                journeys = list(pool.map(lambda a: patient_journey(server.url, a), people))
            seconds = time.perf_counter() - started
        finally:
            server.stop()
        return Figures(
            "project",
            n,
            seconds,
            sum(j.completed for j in journeys),
            sum(len(j.errors) for j in journeys),
            lost_answers(url, list(zip(people, journeys, strict=True))),
            [t for j in journeys for t in j.step_latencies],
        )


def run_reference(n: int, kind: str) -> Figures:
    """N patients at once through the reference app, as many steps as the project's journey."""
    steps = len(questionnaire.STEPS)
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(kind, Path(tmp)) as url:
        workdir = Path(tmp)
        env = {"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32)}
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "reference_app.py"), "init"],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            timeout=60,
        )
        server = Server("benchmarks.reference_app:create_app()", env, workdir)
        try:
            server.start(ready_path="/step/0")
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=n) as pool:
                journeys = list(
                    pool.map(lambda i: reference_journey(server.url, i, steps), range(n))
                )
            seconds = time.perf_counter() - started
        finally:
            server.stop()
        return Figures(
            "reference",
            n,
            seconds,
            sum(j.completed for j in journeys),
            sum(len(j.errors) for j in journeys),
            reference_lost(url, n, steps),
            [t for j in journeys for t in j.step_latencies],
        )


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main() -> int:
    """Run both apps at every size; print a table and the targets."""
    kind = database_kind()
    print(
        f"Load benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs "
        f"({_cpu_model()}), Python {platform.python_version()}, database {kind}, "
        f"gunicorn {WORKERS} sync workers (gunicorn.conf.py), {len(questionnaire.STEPS)} steps "
        f"per journey, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results: list[Figures] = []
    for n in SIZES:
        # Interleaved, so that other load on the machine affects both apps alike.
        results.append(run_project(n, kind))
        results.append(run_reference(n, kind))
    print("| app | patients | journeys/s | step p50 | step p95 | step p99 | errors | lost |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for figures in results:
        print(figures.row())
    ok = True
    for n in SIZES:
        project = next(f for f in results if f.app == "project" and f.n == n)
        reference = next(f for f in results if f.app == "reference" and f.n == n)
        ratio = statistics.median(project.latencies) / statistics.median(reference.latencies)
        met = project.errors == 0 and project.lost == 0 and ratio <= 2
        ok = ok and met
        print(
            f"N={n}: errors {project.errors}, lost answers {project.lost}, step p50 "
            f"{ratio:.2f}x the reference's (target: 0, 0, <= 2x) - {'met' if met else 'NOT met'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    # Do not leave gunicorn running if interrupted.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    threading.current_thread().name = "load"
    sys.exit(main())
