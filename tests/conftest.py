"""Shared fixtures: an app per test on a database created once per session."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import csrf_token  # noqa: F401 - re-exported for tests

from screening import create_app
from screening.extensions import db

_prepared: set[str] = set()


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
def make_app(database_url: str, tmp_path) -> Callable[..., Flask]:
    """Build an app with config overrides, on a clean database."""

    def _make(**overrides) -> Flask:
        config = {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "WTF_CSRF_ENABLED": False,
        }
        config.update(overrides)
        app = create_app(config)
        _reset(app)
        return app

    return _make


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
