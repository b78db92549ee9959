"""Shared fixtures: an app per test on a database created once per session."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from hypothesis import settings
from sqlalchemy import URL, create_engine, make_url, text
from support import csrf_token  # noqa: F401 - re-exported for tests

from screening import create_app
from screening.extensions import db

_prepared: set[str] = set()

# Hypothesis: `make test` and CI use "ci", where every run tries the same examples (derandomized,
# no example database), so a red run always means a real regression. `make test-fast` uses
# "fast": 20 examples, also the same every run, for a quick loop. `make fuzz` uses "fuzz", a
# randomised search with more examples; keep what it finds as an @example in the test.
# A test's own max_examples wins over all three.
settings.register_profile("ci", derandomize=True, database=None, max_examples=60, print_blob=True)
settings.register_profile("fast", derandomize=True, database=None, max_examples=20, print_blob=True)
settings.register_profile("fuzz", derandomize=False, max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# pytest-xdist (`-n 2`): each worker is a process of its own. On SQLite every worker already has
# its own files (tmp_path). On PostgreSQL each worker gets a database of its own, DATABASE_URL's
# name plus the worker's ("test_gw0"), created fresh and dropped at the end, so that workers never
# drop or empty each other's tables; DATABASE_URL is rewritten for everything in the worker,
# including tests that read it themselves (migrations) and the servers they start.
def _worker_database() -> tuple[URL, URL] | None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("DATABASE_URL", "")
    if not worker or not url.startswith("postgresql"):
        return None
    server = make_url(url)
    return server, server.set(database=f"{server.database}_{worker}")


def _on_server(server: URL, *statements: str) -> None:
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()


_worker_urls: tuple[URL, URL] | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _worker_urls
    _worker_urls = _worker_database()
    if _worker_urls is None:
        return
    server, own = _worker_urls
    _on_server(
        server,
        f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)',
        f'CREATE DATABASE "{own.database}"',
    )
    os.environ["DATABASE_URL"] = own.render_as_string(hide_password=False)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _worker_urls is not None:
        server, own = _worker_urls
        _on_server(server, f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """DATABASE_URL when set (CI's PostgreSQL run), else a SQLite file for this session."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _reset(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        if url not in _prepared:
            db.drop_all()
            db.create_all()
            _prepared.add(url)
        else:
            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())


@pytest.fixture
def make_app(database_url: str, tmp_path) -> Iterator[Callable[..., Flask]]:
    """Build an app with config overrides, on a clean database."""
    made: list[Flask] = []

    def _make(**overrides) -> Flask:
        config = {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "WTF_CSRF_ENABLED": False,
        }
        config.update(overrides)
        app = create_app(config)
        _reset(app)
        made.append(app)
        return app

    yield _make
    # Each app has its own engine and pool: close them, or a long run exhausts the server's
    # connections (PostgreSQL's max_connections).
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    """An app with CSRF off, for focused tests."""
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of `app`."""
    return app.test_client()


@pytest.fixture
def csrf_app(make_app) -> Iterator[Flask]:
    """An app with CSRF on, as in production."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def forget_prepared_database() -> Callable[[str], None]:
    """For tests that rebuild the schema: the next app recreates the tables of this URL."""
    return _prepared.discard


# The migration tests (tests/test_migrations.py, tests/test_send_again.py).
@pytest.fixture
def migrated_app(tmp_path, forget_prepared_database):
    """An app whose empty database was built by `flask db upgrade` alone."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'migrated.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            if db.engine.dialect.name == "postgresql":
                conn.execute(sa.text("DROP FUNCTION IF EXISTS audit_event_append_only() CASCADE"))
        upgrade()
        yield app
        db.session.remove()  # an open transaction would block the downgrade on PostgreSQL
        downgrade(revision="base")
        # Leave the shared database as the other tests expect it.
        db.create_all()
    forget_prepared_database(url)
