"""Schema changes only through Alembic: the migrations build exactly the models' schema."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from screening import create_app
from screening.extensions import db
from screening.models import AuditEvent


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


def test_models_and_migrations_agree(migrated_app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], f"models and migrations disagree; add an Alembic revision: {diff}"


def test_audit_rows_cannot_be_changed_in_the_database(migrated_app):
    db.session.add(AuditEvent(action="test"))
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_event SET action = 'changed'"))
    with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_event"))
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEvent.action)) == "test"


def test_screenings_from_before_0004_are_marked_as_answered_under_2026_11(migrated_app):
    downgrade(revision="0003")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO screening (token, status, answers, created_at, updated_at, "
                "has_red_flags, revision) VALUES ('t-old', 'draft', '{}', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, false, 0)"
            )
        )
    upgrade(revision="0004")
    with db.engine.begin() as conn:
        version = conn.execute(
            sa.text("SELECT questionnaire_version FROM screening WHERE token = 't-old'")
        ).scalar_one()
        conn.execute(sa.text("DELETE FROM screening"))
    assert version == "2026.11"
    # New rows must name their version: the column has no default left.
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO screening (token, status, answers, created_at, updated_at, "
                "has_red_flags, revision) VALUES ('t-new', 'draft', '{}', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, false, 0)"
            )
        )
