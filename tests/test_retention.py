"""Retention: `flask purge` deletes old drafts and, when set, old submitted screenings; deletion by
the patient from any step and from the resume page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select, update
from support import EVERY_TREATMENT, full
from support.clinic import make_draft, make_screening

from screening import questionnaire, retention
from screening.extensions import db
from screening.models import AuditEvent, PdfCache, Screening, utcnow


def _age(screening: Screening, days: float, column: str = "updated_at") -> None:
    """Move a screening's timestamp into the past."""
    moment = utcnow() - dt.timedelta(days=days)
    db.session.execute(
        update(Screening).where(Screening.id == screening.id).values({column: moment})
    )
    db.session.commit()


def _cache_pdf(screening: Screening) -> None:
    db.session.add(PdfCache(screening_id=screening.id, input_hash="x" * 64, pdf=b"%PDF-1.7 test"))
    db.session.commit()


def _names() -> set[str]:
    db.session.expire_all()
    return {s.answers.get("name") for s in db.session.scalars(select(Screening))}


def _purge_rows() -> list[AuditEvent]:
    db.session.expire_all()
    stmt = select(AuditEvent).where(AuditEvent.action == "purge").order_by(AuditEvent.id)
    return list(db.session.scalars(stmt))


def test_old_drafts_go_recent_drafts_and_submitted_screenings_stay(app):
    old = make_draft(name="Old Draft")
    _age(old, 31)
    recent = make_draft(name="Recent Draft")
    _age(recent, 29)
    sent = make_screening(name="Sent Long Ago")
    _age(sent, 400, "submitted_at")
    _age(sent, 400)
    result = retention.purge(draft_days=30, submitted_days=None)
    db.session.commit()
    assert (result.drafts, result.submitted) == (1, 0)
    assert _names() == {"Recent Draft", "Sent Long Ago"}


def test_submitted_screenings_past_the_clinics_period_go_with_their_pdfs(app):
    old = make_screening(name="Old Sent")
    _age(old, 366, "submitted_at")
    _cache_pdf(old)
    old_ref = old.reference
    new = make_screening(name="New Sent")
    _age(new, 100, "submitted_at")
    _cache_pdf(new)
    result = retention.purge(draft_days=30, submitted_days=365)
    db.session.commit()
    assert (result.drafts, result.submitted, result.pdfs) == (0, 1, 1)
    assert result.references == [old_ref]
    assert _names() == {"New Sent"}
    assert db.session.scalar(select(func.count(PdfCache.id))) == 1


def test_a_draft_saved_recently_is_kept_even_if_started_long_ago(app):
    draft = make_draft(name="Slow Patient")
    _age(draft, 90, "created_at")
    retention.purge(draft_days=30)
    db.session.commit()
    assert _names() == {"Slow Patient"}


def test_the_audit_row_has_counts_and_references_never_answers(app):
    sent = make_screening(name="Private Person", date_of_birth="1950-01-02")
    _age(sent, 800, "submitted_at")
    draft = make_draft(name="Another Private")
    _age(draft, 45)
    ref = sent.reference
    retention.purge(draft_days=30, submitted_days=730)
    db.session.commit()
    [row] = _purge_rows()
    assert row.actor_email == "cli"
    assert "drafts=1" in row.detail and "submitted=1" in row.detail
    assert ref in row.detail
    text = f"{row.detail} {row.screening_reference} {row.actor_email}"
    for private in ("Private Person", "Another Private", "1950-01-02", "lower_back"):
        assert private not in text


def test_many_references_are_all_on_record(app):
    refs = []
    for i in range(retention.REFERENCES_PER_ROW + 5):
        s = make_screening(name=f"P{i}")
        _age(s, 800, "submitted_at")
        refs.append(s.reference)
    retention.purge(draft_days=30, submitted_days=365)
    db.session.commit()
    rows = _purge_rows()
    assert len(rows) == 2
    recorded = ",".join(row.detail for row in rows)
    assert all(ref in recorded for ref in refs)
    assert all(len(row.detail) <= 1000 for row in rows)


def test_a_dry_run_deletes_nothing(app):
    draft = make_draft(name="Kept")
    _age(draft, 31)
    result = retention.purge(draft_days=30, dry_run=True)
    db.session.commit()
    assert result.drafts == 1
    assert _names() == {"Kept"}
    assert _purge_rows() == []


def test_periods_must_be_positive(app):
    with pytest.raises(ValueError):
        retention.purge(draft_days=0)
    with pytest.raises(ValueError):
        retention.purge(draft_days=30, submitted_days=-1)


# --- the command ---------------------------------------------------------------------------------


def test_purge_command_prints_counts(make_app):
    app = make_app(DRAFT_RETENTION_DAYS=30, SUBMITTED_RETENTION_DAYS=None)
    with app.app_context():
        _age(make_draft(name="Old"), 31)
        _age(make_screening(name="Sent"), 999, "submitted_at")
        result = app.test_cli_runner().invoke(args=["purge"])
        assert result.exit_code == 0, result.output
        assert "Deleted 1 draft(s) unchanged for more than 30 days." in result.output
        assert "Submitted screenings are kept" in result.output
        assert _names() == {"Sent"}
        assert len(_purge_rows()) == 1
        db.session.remove()


def test_purge_command_with_a_clinic_retention_period(make_app):
    app = make_app(DRAFT_RETENTION_DAYS=10, SUBMITTED_RETENTION_DAYS=365)
    with app.app_context():
        _age(make_draft(name="Draft"), 11)
        old = make_screening(name="Sent")
        _age(old, 400, "submitted_at")
        _cache_pdf(old)
        runner = app.test_cli_runner()
        dry = runner.invoke(args=["purge", "--dry-run"])
        assert dry.exit_code == 0
        assert "Would delete 1 draft(s)" in dry.output
        assert "Would delete 1 submitted screening(s) older than 365 days" in dry.output
        assert len(_names()) == 2
        result = runner.invoke(args=["purge"])
        assert result.exit_code == 0, result.output
        assert "Deleted 1 submitted screening(s) older than 365 days, with 1 cached PDF(s)." in (
            result.output
        )
        assert _names() == set()
        assert "Sent" not in result.output
        db.session.remove()


# --- deletion by the patient ------------------------------------------------------------------


def test_every_step_and_check_page_links_to_delete(client):
    client.post("/start")
    # Pages about a treatment tried or the injections had are shown only with those answers.
    db.session.execute(update(Screening).values(answers=full(**EVERY_TREATMENT)))
    db.session.commit()
    for step in questionnaire.STEPS:
        response = client.get(f"/step/{step.key}")
        assert response.status_code == 200, step.key
        assert re.search(r'<a href="/delete">Delete my answers</a>', response.text), step.key
    html = client.get("/check").get_data(as_text=True)
    assert re.search(r'<a href="/delete">Delete my answers</a>', html)


def test_deleting_from_a_step_removes_the_draft_and_its_code(client, app):
    client.post("/start")
    saved = client.post("/step/about", data={"name": "Gone Soon", "action": "save"})
    code = re.search(r'id="resume-code">([A-Z0-9-]+)<', saved.text)[1]
    assert client.post("/delete").location.endswith("/deleted")
    assert db.session.scalar(select(func.count(Screening.id))) == 0
    html = app.test_client().post("/resume", data={"code": code}).get_data(as_text=True)
    assert "does not open any saved answers" in html


def test_the_resume_page_offers_deletion(client):
    html = client.get("/resume").get_data(as_text=True)
    assert 'name="action" value="delete"' in html
