"""The audit trail is append-only and holds references, never answers."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from screening import audit
from screening.extensions import db
from screening.models import AuditEvent


def test_record_and_filter(app):
    audit.record("view", "a@clinic.example", reference="SIJ-AAAA-AAAA", ip="10.0.0.1")
    audit.record("view", "b@clinic.example", reference="SIJ-CCCC-CCCC")
    audit.record("sign_in", "a@clinic.example")
    db.session.commit()
    assert len(audit.events()) == 3
    assert [e.action for e in audit.events(actor_email="A@clinic.example")] == ["sign_in", "view"]
    assert [e.actor_email for e in audit.events(reference="sij-cccc-cccc")] == ["b@clinic.example"]
    assert audit.events(since=dt.date.today() + dt.timedelta(days=1)) == []
    assert len(audit.events(until=dt.date.today())) == 3


def test_detail_is_cut_to_the_column(app):
    event = audit.record("search", None, detail="x" * 5000)
    assert len(event.detail) == 1000


def test_rows_cannot_be_updated_through_the_orm(app):
    event = audit.record("view", "a@clinic.example", reference="SIJ-AAAA-AAAA")
    db.session.commit()
    event.action = "something_else"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).action == "view"


def test_rows_cannot_be_deleted_through_the_orm(app):
    event = audit.record("view", "a@clinic.example")
    db.session.commit()
    db.session.delete(event)
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id) is not None


def test_the_database_refuses_changes_to_audit_rows(tmp_path):
    from flask_migrate import upgrade

    from screening import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    with app.app_context():
        upgrade()
        audit.record("view", "a@clinic.example", reference="SIJ-AAAA-AAAA")
        db.session.commit()
        for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
                conn.execute(text(statement))
        assert [e.action for e in audit.events()] == ["view"]
        db.session.remove()


def test_the_application_never_bulk_updates_audit_rows():
    from pathlib import Path

    package = Path(__file__).parent.parent / "screening"
    for path in package.glob("*.py"):
        source = path.read_text()
        for pattern in (
            "update(AuditEvent",
            "delete(AuditEvent",
            "audit_event SET",
            "FROM audit_event",
        ):
            assert pattern not in source, f"{path.name} contains {pattern!r}"


def test_labels_cover_every_recorded_action():
    import re
    from pathlib import Path

    package = Path(__file__).parent.parent / "screening"
    used = set()
    for path in package.glob("*.py"):
        used |= set(re.findall(r'(?:_record|audit\.record)\(\s*"([a-z_]+)"', path.read_text()))
    used |= {"sign_out", "sign_out_idle"}  # passed to _end_session
    assert used <= set(audit.ACTIONS), used - set(audit.ACTIONS)
