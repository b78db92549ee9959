"""Rate limits: resume codes by address and by code, starting screenings by address, shared storage.

Clinician sign-in limits (by address and by account) are in test_clinician_auth.py; here only
that they are shared through Redis like the patient limits.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from screening.extensions import db, limiter

CODE = "AAAA-AAAA-AAAA"  # well-formed, opens nothing


def _addr() -> str:
    """A client address of its own, so counts left in a shared store by other runs do not matter."""
    return "10.{}.{}.{}".format(*(random.randrange(1, 255) for _ in range(3)))


def _post(client, path: str, data: dict | None = None, addr: str = "127.0.0.1"):
    return client.post(path, data=data or {}, environ_base={"REMOTE_ADDR": addr})


@pytest.fixture
def limited_app(make_app):
    """An app with rate limits on and small limits, in-memory storage."""
    app = make_app(
        RATELIMIT_ENABLED=True,
        RESUME_LIMIT="5/minute",
        RESUME_CODE_LIMIT="3/hour",
        START_LIMIT="4/minute",
    )
    with app.app_context():
        yield app
        db.session.remove()


def test_resume_guesses_are_limited_by_address(limited_app):
    client = limited_app.test_client()
    addr = _addr()
    # Different codes each time: only the address limit applies.
    codes = [f"AAAA-AAAA-AA{c}{d}" for c, d in zip("ACDEFG", "CDEFGH", strict=True)]
    statuses = [_post(client, "/resume", {"code": c}, addr).status_code for c in codes]
    assert statuses == [200] * 5 + [429]
    # Another address is not locked out by this one.
    assert _post(client, "/resume", {"code": "AAAA-AAAA-AAAA"}, _addr()).status_code == 200


def test_one_code_is_limited_whatever_the_address(limited_app):
    client = limited_app.test_client()
    statuses = [_post(client, "/resume", {"code": CODE}, _addr()).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # The same code written differently is the same code.
    assert _post(client, "/resume", {"code": CODE.lower()}, _addr()).status_code == 429
    # Another code from a fresh address is fine.
    assert _post(client, "/resume", {"code": "CCCC-CCCC-CCCC"}, _addr()).status_code == 200


def test_starting_screenings_is_limited_by_address(limited_app):
    client = limited_app.test_client()
    addr = _addr()
    statuses = [_post(client, "/start", addr=addr).status_code for _ in range(5)]
    assert statuses == [302] * 4 + [429]
    assert _post(client, "/start", addr=_addr()).status_code == 302


def test_a_limited_request_gets_the_friendly_page(limited_app):
    client = limited_app.test_client()
    addr = _addr()
    for _ in range(4):
        _post(client, "/start", addr=addr)
    response = _post(client, "/start", addr=addr)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Too many tries" in html
    assert "please wait a minute before you try again" in html
    assert "Traceback" not in html and "429 Too Many Requests" not in html
    assert response.headers["Retry-After"]
    assert response.headers["Content-Security-Policy"]


def test_reading_the_pages_is_not_limited(limited_app):
    client = limited_app.test_client()
    addr = _addr()
    for _ in range(10):
        _post(client, "/resume", {"code": "x"}, addr)
    assert client.get("/resume", environ_base={"REMOTE_ADDR": addr}).status_code == 200
    assert client.get("/", environ_base={"REMOTE_ADDR": addr}).status_code == 200


def test_behind_a_trusted_proxy_the_client_address_counts(make_app):
    app = make_app(RATELIMIT_ENABLED=True, START_LIMIT="2/minute", TRUSTED_PROXY_COUNT=1)
    with app.app_context():
        client = app.test_client()
        proxy = _addr()

        def start(client_addr: str) -> int:
            return client.post(
                "/start",
                environ_base={"REMOTE_ADDR": proxy},
                headers={"X-Forwarded-For": client_addr},
            ).status_code

        one, two = _addr(), _addr()
        assert [start(one) for _ in range(3)] == [302, 302, 429]
        # Same balancer, another patient: not limited by the first one's tries.
        assert start(two) == 302
        db.session.remove()


def test_storage_comes_from_the_setting(make_app):
    make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    assert type(limiter.storage).__name__ == "MemoryStorage"


# --- Redis down: the in-memory fallback ---------------------------------------------------------


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down_app(make_app):
    """Limits on, storage a Redis URL where no server answers."""
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_closed_port()}",
        START_LIMIT="3/minute",
        CLINICIAN_LOGIN_LIMIT="3/minute",
        CLINICIAN_ACCOUNT_LOGIN_LIMIT="100/minute",
    )
    with app.app_context():
        yield app
        db.session.remove()
    # The limiter is one object for every app of this test run: do not leave it "storage down".
    limiter._storage_dead = False


def test_with_redis_down_requests_do_not_fail_and_limits_still_hold(redis_down_app, caplog):
    assert type(limiter.storage).__name__ == "RedisStorage"
    client = redis_down_app.test_client()
    addr = _addr()
    with caplog.at_level(logging.INFO, logger="flask-limiter"):
        assert client.get("/", environ_base={"REMOTE_ADDR": addr}).status_code == 200
        starts = [_post(client, "/start", addr=addr).status_code for _ in range(4)]
        sign_ins = [
            _post(client, "/clinician/login", {"email": "a@b.example", "password": "x"}, addr)
            for _ in range(4)
        ]
    assert starts == [302, 302, 302, 429]
    assert [r.status_code for r in sign_ins[:3]] == [401, 401, 401]  # a wrong password, answered
    assert sign_ins[3].status_code == 429
    assert "Too many tries" in sign_ins[3].get_data(as_text=True)
    # Another address is not limited by this one's tries.
    assert _post(client, "/start", addr=_addr()).status_code == 302
    assert "falling back to in-memory storage" in caplog.text
    assert "exceeded" not in caplog.text  # breaches are not logged (their keys are hashed anyway)


def test_a_redis_that_never_answers_does_not_hang_requests(make_app):
    """A Redis host that accepts connections but never replies: requests answer within seconds."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # connections complete in the kernel's backlog; nothing ever reads them
        app = make_app(
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{silent.getsockname()[1]}",
            START_LIMIT="2/minute",
        )
        addr, statuses = _addr(), []

        def patient() -> None:
            with app.app_context():
                client = app.test_client()
                statuses.extend(_post(client, "/start", addr=addr).status_code for _ in range(3))
                db.session.remove()

        worker = threading.Thread(target=patient, daemon=True)
        started = time.monotonic()
        try:
            worker.start()
            worker.join(timeout=60)
        finally:
            limiter._storage_dead = False
        assert not worker.is_alive(), "a request hung on the silent Redis"
    assert statuses == [302, 302, 429]
    assert time.monotonic() - started < 12  # a few 2-second timeouts, not redis-py's defaults


# --- Redis: counts shared between instances --------------------------------------------------------


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """REDIS_URL or the local server; else a throwaway redis-server. Never skipped."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379"
    if _reachable(url):
        yield url
        return
    if os.environ.get("REDIS_URL") or not shutil.which("redis-server"):
        pytest.fail(f"Redis is required: {url} is unreachable and redis-server is not installed")
    with socket.socket() as probe:  # a free port on loopback for our own server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        url = f"redis://127.0.0.1:{port}"
        for _ in range(50):
            if _reachable(url):
                break
            time.sleep(0.1)
        else:
            pytest.fail("the throwaway redis-server did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.redis
@pytest.mark.parametrize(
    ("path", "data", "config_key"),
    [
        ("/resume", {"code": f"X{random.randrange(10**9)}"}, "RESUME_LIMIT"),
        ("/start", {}, "START_LIMIT"),
        ("/clinician/login", {"email": "a@b.example", "password": "x"}, "CLINICIAN_LOGIN_LIMIT"),
    ],
)
def test_two_instances_on_redis_share_the_counts(make_app, redis_url, path, data, config_key):
    url = redis_url
    addr = _addr()
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": url,
        config_key: "6/minute",
        "CLINICIAN_ACCOUNT_LOGIN_LIMIT": "100/minute",
        "RESUME_CODE_LIMIT": "100/minute",  # only the address limit is under test
    }
    first = make_app(**config)
    assert type(limiter.storage).__name__ == "RedisStorage"
    with first.app_context():
        statuses = [_post(first.test_client(), path, data, addr).status_code for _ in range(4)]
        assert 429 not in statuses
        db.session.remove()
    # A second instance: a new app and a new storage connection, as in another worker or host.
    second = make_app(**config)
    with second.app_context():
        statuses = [_post(second.test_client(), path, data, addr).status_code for _ in range(3)]
        assert 429 not in statuses[:2]
        assert statuses[2] == 429, "the second instance did not see the first one's tries"
        db.session.remove()


def test_in_memory_instances_do_not_share_counts(make_app):
    """The control for the Redis test: with memory:// each instance counts alone."""
    addr = _addr()
    config = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "START_LIMIT": "6/m"}
    first = make_app(**config)
    with first.app_context():
        for _ in range(4):
            _post(first.test_client(), "/start", addr=addr)
        db.session.remove()
    second = make_app(**config)
    with second.app_context():
        statuses = [_post(second.test_client(), "/start", addr=addr).status_code for _ in range(3)]
        assert statuses == [302, 302, 302]
        db.session.remove()
