"""Configuration traps: the testing key, short production keys, private SQLite files, key files."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask, session
from sqlalchemy import text

from screening import ConfigError, create_app
from screening.extensions import db

ROOT = Path(__file__).resolve().parent.parent
# The key that config.py used to commit for APP_ENV=testing: a cookie signed with it was accepted.
FORMERLY_COMMITTED_KEY = "test-secret-key-not-for-production"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    """The usual umask (022), under which files are world-readable unless created otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


# --- APP_ENV=testing -----------------------------------------------------------------------------


def _testing_key_in_a_new_process() -> str:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-c", "import config; print(config.load('testing').SECRET_KEY)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_the_testing_key_is_random_per_process_and_not_in_the_source():
    first, second = _testing_key_in_a_new_process(), _testing_key_in_a_new_process()
    assert first != second
    assert len(first) >= 32
    source = (ROOT / "config.py").read_text()
    assert first not in source
    assert FORMERLY_COMMITTED_KEY not in source


def test_a_cookie_forged_with_the_formerly_committed_key_opens_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path / "instance")}
    )
    assert app.config["TESTING"]
    assert app.config["SECRET_KEY"] != FORMERLY_COMMITTED_KEY
    forger = Flask("forger")
    forger.secret_key = FORMERLY_COMMITTED_KEY
    forged = forger.session_interface.get_signing_serializer(forger).dumps(
        {"_user_id": "1", "_fresh": True}
    )
    with app.test_request_context("/", headers={"Cookie": f"session={forged}"}):
        assert "_user_id" not in session


def test_testing_selected_from_the_environment_warns(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("APP_ENV", "testing")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with caplog.at_level(logging.WARNING, logger="screening"):
        create_app()
    assert "APP_ENV=testing" in caplog.text
    assert "rate limits are off" in caplog.text


# --- production keys -----------------------------------------------------------------------------


def _production(tmp_path: Path, key: str):
    return create_app(
        {
            "CONFIG_NAME": "production",
            "SECRET_KEY": key,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )


@pytest.mark.parametrize("key", ["s3cret", "x" * 31, " " * 40, "  " + "k" * 30 + "\n"])
def test_production_refuses_a_secret_key_shorter_than_32_characters(tmp_path, key):
    with pytest.raises(ConfigError, match="at least 32 characters") as refused:
        _production(tmp_path, key)
    message = str(refused.value)
    assert "\n" not in message
    if key.strip():
        assert key.strip() not in message  # the key itself is never printed


def test_production_accepts_a_32_character_secret_key(tmp_path):
    app = _production(tmp_path, "k" * 32)
    assert app.config["SECRET_KEY"] == "k" * 32


def test_production_hashes_passwords_with_the_rfc_9106_parameters_and_tests_with_the_cheapest(
    tmp_path,
):
    """The encoded hash names its parameters: m (KiB), t (passes), p (lanes)."""
    from screening import accounts

    production = _production(tmp_path, "k" * 32)
    with production.app_context():
        hashed = accounts.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # RFC 9106, low memory

    testing = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with testing.app_context():
        cheap = accounts.hash_password("correct horse battery")
        assert cheap.startswith("$argon2id$v=19$m=8,t=1,p=1$")
        # A production hash still verifies under the test profile (and would be rehashed).
        assert accounts._verify(hashed, "correct horse battery")


# --- files under the instance folder -------------------------------------------------------------


def _local_app(instance: Path) -> Flask:
    """Development settings: the SQLite file and the key file under the instance folder."""
    return create_app(
        {
            "CONFIG_NAME": "development",
            "SECRET_KEY": None,
            "SQLALCHEMY_DATABASE_URI": None,
            "INSTANCE_PATH": str(instance),
        }
    )


def test_the_local_sqlite_database_and_its_wal_files_are_private(tmp_path, loose_umask):
    instance = tmp_path / "instance"
    app = _local_app(instance)
    database = instance / "screening.db"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{database}"
    assert _mode(instance) == 0o700
    with app.app_context(), db.engine.connect() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.commit()
        # WAL mode (see screening/database.py): both side files exist while a connection is open.
        wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
        assert wal.exists() and shm.exists()
        modes = {p.name: _mode(p) for p in (database, wal, shm)}
    assert modes == {"screening.db": 0o600, "screening.db-wal": 0o600, "screening.db-shm": 0o600}
    assert _mode(instance / "secret_key") == 0o600


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative-to-instance"])
def test_a_sqlite_file_named_by_database_url_is_created_private(tmp_path, loose_umask, relative):
    instance = tmp_path / "instance"
    database = instance / "elsewhere.db" if relative else tmp_path / "elsewhere.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite:///elsewhere.db"
            if relative
            else f"sqlite:///{database}",
            "INSTANCE_PATH": str(instance),
        }
    )
    with app.app_context():
        db.create_all()
        assert db.engine.url.database == str(database)
    assert _mode(database) == 0o600


def test_a_readable_local_database_left_by_an_older_version_is_made_private(tmp_path, loose_umask):
    instance = tmp_path / "instance"
    instance.mkdir()
    for name in ("screening.db", "screening.db-wal", "screening.db-shm", "secret_key"):
        path = instance / name
        path.write_text("k" * 64 if name == "secret_key" else "")
        path.chmod(0o644)
    _local_app(instance)
    for name in ("screening.db", "screening.db-wal", "screening.db-shm", "secret_key"):
        assert _mode(instance / name) == 0o600, name


@pytest.mark.parametrize("content", ["", "   \n", "\n\n"])
def test_an_empty_secret_key_file_is_replaced(tmp_path, content, caplog):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").write_text(content)
    with caplog.at_level(logging.WARNING, logger="screening"):
        app = _local_app(instance)
    key = app.config["SECRET_KEY"]
    assert len(key) == 64
    assert (instance / "secret_key").read_text() == key
    assert _mode(instance / "secret_key") == 0o600
    assert "secret_key" in caplog.text and "empty" in caplog.text
    # The next start keeps the new key; pages work.
    assert _local_app(instance).config["SECRET_KEY"] == key
    with app.app_context():
        db.create_all()
    assert app.test_client().get("/").status_code == 200


def test_an_unreadable_secret_key_file_is_refused_with_a_clear_message(tmp_path):
    instance = tmp_path / "instance"
    (instance / "secret_key").mkdir(parents=True)  # a directory where the key file should be
    with pytest.raises(ConfigError, match="secret_key") as refused:
        _local_app(instance)
    assert "\n" not in str(refused.value)


def test_workers_starting_together_agree_on_one_generated_key(tmp_path):
    """Several gunicorn workers create the app at once on a fresh instance folder."""
    instance = tmp_path / "instance"
    code = (
        "import sys; from screening import create_app; "
        "app = create_app({'CONFIG_NAME': 'development', 'SECRET_KEY': None, "
        "'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'INSTANCE_PATH': sys.argv[1]}); "
        "print(app.config['SECRET_KEY'])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "APP_ENV")}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(instance)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    keys = set()
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        keys.add(out.strip())
    assert keys == {(instance / "secret_key").read_text()}
    assert len(keys.pop()) == 64
