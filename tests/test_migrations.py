"""Schema changes only through Alembic: the migrations build exactly the models' schema."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from screening.extensions import db
from screening.models import AuditEvent


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
