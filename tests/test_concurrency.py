"""The app under gunicorn with several workers: 50 patients at once, and a worker killed mid-step.

On a SQLite file in WAL mode, or on PostgreSQL when DATABASE_URL says so (CI's second run; a
throwaway database is created on that server). Migrations are applied with `flask db upgrade`
first, as in production. Requests go to 127.0.0.1 only, with timeouts; gunicorn always stops.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from benchmarks import harness
from screening import questionnaire

pytestmark = pytest.mark.server

PATIENTS = 50
WORKERS = 3


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[object, str]]:
    """The project under gunicorn on a fresh, migrated database; always stopped."""
    kind = harness.database_kind()
    with harness.throwaway_database(kind, tmp_path) as url:
        harness.migrate(url, tmp_path)
        server = harness.Server(
            "screening:create_app()", harness.project_env(url, tmp_path), tmp_path, WORKERS
        )
        try:
            server.start()
            yield server, url
        finally:
            server.stop()


def test_fifty_patients_at_once_lose_and_mix_up_nothing(served):
    server, url = served
    people = [harness.answers_for(i) for i in range(PATIENTS)]
    with ThreadPoolExecutor(max_workers=PATIENTS) as pool:
        journeys = list(pool.map(lambda a: harness.patient_journey(server.url, a), people))
    errors = [e for j in journeys for e in j.errors]
    assert errors == [], errors[:10]
    assert all(j.completed for j in journeys)
    references = [j.reference for j in journeys]
    assert len(set(references)) == PATIENTS
    stored = harness.stored_answers(url, references)
    for answers, journey in zip(people, journeys, strict=True):
        assert stored[journey.reference] == answers, journey.reference
    # Several workers really served them.
    assert len(server.worker_pids()) == WORKERS
    # Logs: request paths only, never answers, names, codes or query strings.
    logs = server.access_log() + server.log()
    assert "POST /step/pain" in logs
    for answers in people[:5]:
        assert answers["name"] not in logs
        assert answers["name"].replace(" ", "+") not in logs
    assert "?return=" not in logs and "csrf_token" not in logs
    assert "Traceback" not in logs


def _resume_code(html: str) -> str:
    return re.search(r'id="resume-code">([A-Z0-9-]+)<', html).group(1)


def _kill_workers(server) -> list[int]:
    pids = server.worker_pids()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return pids


def _wait_for_new_workers(server, old: list[int]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = server.worker_pids()
        if len(pids) == WORKERS and not set(pids) & set(old):
            server.wait_ready()
            return
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not restart its workers:\n{server.log()}")


def test_a_worker_killed_mid_journey_loses_nothing_saved_before(served):
    server, url = served
    base = server.url
    answers = harness.answers_for(7)
    session = requests.Session()
    journey = harness.patient_journey(base, answers, session=session, stop_after=5)
    assert journey.errors == []
    saved_step = questionnaire.STEPS[5]
    page = session.get(f"{base}/step/{saved_step.key}", timeout=10)
    body = {**harness.step_post(saved_step, answers), "csrf_token": harness.csrf_token(page.text)}
    body["action"] = "save"
    saved = session.post(f"{base}/step/{saved_step.key}", data=body, timeout=10)
    assert saved.status_code == 200
    code = _resume_code(saved.text)  # shown once, in the answer to the save

    # A step in flight while every worker is killed: it may fail; nothing before it may be lost.
    next_step = questionnaire.STEPS[6]
    page = session.get(f"{base}/step/{next_step.key}", timeout=10)
    body = {**harness.step_post(next_step, answers), "csrf_token": harness.csrf_token(page.text)}
    outcome: dict[str, object] = {}

    def post() -> None:
        try:
            r = session.post(f"{base}/step/{next_step.key}", data=body, timeout=20)
            outcome["status"] = r.status_code
        except requests.RequestException as e:
            outcome["error"] = type(e).__name__

    thread = threading.Thread(target=post)
    thread.start()
    old = _kill_workers(server)
    thread.join(timeout=30)
    assert not thread.is_alive()
    _wait_for_new_workers(server, old)

    # The same browser carries on where it was, with everything saved before the kill.
    for step in questionnaire.STEPS[:6]:
        html = session.get(f"{base}/step/{step.key}", timeout=10).text
        for key, value in harness.step_post(step, answers).items():
            for v in value if isinstance(value, list) else [value]:
                assert f'value="{v}"' in html, (step.key, key)
    assert f'value="{answers["name"]}"' in session.get(f"{base}/step/about", timeout=10).text
    # A new browser with the resume code gets the same answers, and finishes the journey.
    other = requests.Session()
    page = other.get(base + "/resume", timeout=10)
    r = other.post(
        base + "/resume",
        data={"code": code, "csrf_token": harness.csrf_token(page.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 302
    for step in questionnaire.STEPS[6:]:
        page = other.get(f"{base}/step/{step.key}", timeout=10)
        data = {**harness.step_post(step, answers), "csrf_token": harness.csrf_token(page.text)}
        r = other.post(f"{base}/step/{step.key}", data=data, allow_redirects=False, timeout=10)
        assert r.status_code == 302, step.key
    page = other.get(base + "/check", timeout=10)
    r = other.post(
        base + "/check",
        data={"csrf_token": harness.csrf_token(page.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 302
    reference = harness.REFERENCE_RE.search(other.get(base + "/confirmation", timeout=10).text)[0]
    assert harness.stored_answers(url, [reference])[reference] == answers
    assert code not in server.access_log() + server.log()
