"""Load benchmark: simulated patients through the whole journey, the app under gunicorn.

In one run: N = 10 and N = 50 patients at once (threads, one cookie session each, CSRF on,
tokens read from the pages) on the project, then the same on a minimal reference app
(benchmarks/reference_app.py: one Flask-WTF form writing one row) under the same gunicorn
settings and the same database kind. Prints completed journeys per second, step latency
p50/p95/p99, errors and lost answers. Targets: zero errors, zero lost answers, the project's step
p50 within 2x the reference's.

Uses a throwaway SQLite file in WAL mode, or, when DATABASE_URL is a PostgreSQL URL, a throwaway
database created on that server (never the database named in the URL).

The gunicorn server, the throwaway database and the patient journey are in benchmarks/harness.py,
shared with tests/test_concurrency.py.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.harness import (  # noqa: E402 - needs the path above
    TIMEOUT,
    WORKERS,
    Journey,
    Server,
    answers_for,
    csrf_token,
    database_kind,
    migrate,
    patient_journey,
    project_env,
    stored_answers,
    throwaway_database,
)
from screening import questionnaire  # noqa: E402 - needs the path above

SIZES = (10, 50)


def reference_journey(base_url: str, i: int, steps: int) -> Journey:
    """The reference app's journey: the same number of GET form + POST one-row pairs."""
    s = requests.Session()
    result = Journey()
    patient = f"p{i:04d}"
    try:
        for n in range(steps):
            page = s.get(f"{base_url}/step/{n}", timeout=TIMEOUT)
            body = {"csrf_token": csrf_token(page.text), "patient": patient, "value": str(100 + i)}
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
