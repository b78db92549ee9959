"""Database engine settings that depend on the backend."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event

from .extensions import db


def configure(app: Flask) -> None:
    """Turn on SQLite's WAL mode, busy timeout and foreign keys for every connection; on
    PostgreSQL through psycopg, plan every statement with its values."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        elif engine.dialect.driver == "psycopg":
            event.listen(engine, "connect", _custom_plans)


def _custom_plans(dbapi_connection: Any, _record: Any) -> None:
    # psycopg prepares a statement on the server after 5 runs, and PostgreSQL then plans it once
    # for any values: a reference prefix (`reference_key LIKE $1 || '%'`) can no longer use its
    # index and the search scans the table (2.2x slower at 20k screenings than at 1k; see
    # docs/performance.md). Unprepared, each search is planned with the prefix typed.
    dbapi_connection.prepare_threshold = None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers and one writer work at once; the busy timeout makes writers wait, not fail.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
