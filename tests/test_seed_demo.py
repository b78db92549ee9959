"""`flask seed-demo N [--seed S]` (issue 16, item 1): made-up sent screenings that went through
the questionnaire's checks and the criteria like real ones, spread over two years, a few with red
flags, with the clinic's work on them in the audit trail; refused in production.

Expected figures are written by hand from the issue (two years, a few per cent of red flags, the
profiles) and checked with the questionnaire and engine as independent readers of the stored rows.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import unicodedata

import pytest
from sqlalchemy import func, select
from support.clinic import make_clinician, sign_in
from test_cli import assert_process_refused

from screening import demo, questionnaire
from screening.extensions import db
from screening.models import Alert, AuditEvent, Clinician, FollowUp, Screening


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _sent() -> list[Screening]:
    return list(db.session.scalars(select(Screening).order_by(Screening.id)))


def _scripts(name: str) -> set[str]:
    """The scripts of a name's letters, by the first word of their Unicode names."""
    return {unicodedata.name(c).split()[0] for c in name if c.isalpha()}


def test_seed_demo_adds_sent_screenings_that_the_questionnaire_accepts(app, runner):
    result = runner.invoke(args=["seed-demo", "300", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "added 300 demo screening(s)" in result.output

    screenings = _sent()
    assert len(screenings) == 300
    now = dt.datetime.now(dt.UTC)
    for s in screenings:
        assert s.status == "submitted" and s.reference and s.reference.startswith("SIJ-")
        sent = s.submitted_at.replace(tzinfo=dt.UTC)
        assert now - dt.timedelta(days=731) < sent <= now
        # What was stored is what the questionnaire accepts on the day it was sent.
        assert questionnaire.validate(s.answers, sent.date()) == s.answers
        assert s.evaluation["criteria_version"] == s.criteria_version == "2026.12-1"
        assert set(s.other_evaluations) == {"published"}
        assert s.patient_name == s.answers.get("name")
        assert s.red_flag_level in (None, "emergency", "urgent")
        assert s.has_red_flags == (s.red_flag_level is not None)
    sent_days = [s.submitted_at.date() for s in screenings]
    assert (max(sent_days) - min(sent_days)).days > 600  # spread over two years

    # A few per cent with red flags (4 % drawn), each with its answers and advice in the history.
    flagged = [s for s in screenings if s.has_red_flags]
    assert 3 <= len(flagged) <= 30
    for s in flagged:
        yes = {k for k, v in s.answers.items() if k.startswith("rf_") and v == "yes"}
        assert yes and yes <= {e["key"] for e in s.red_flag_history if "key" in e}
        assert {"advised": s.red_flag_level} in [
            {"advised": e["advised"]} for e in s.red_flag_history if "advised" in e
        ]
    # Names in many scripts, and a few left unanswered as patients do.
    scripts = set().union(*(_scripts(s.patient_name or "") for s in screenings))
    assert {"LATIN", "CYRILLIC", "ARABIC", "CJK"} <= scripts
    # Every profile's results differ between patients: not one answer copied 300 times.
    assert len({s.overall for s in screenings}) >= 3
    assert len({s.answers["pain_started"] for s in screenings}) > 50


def test_seed_demo_writes_the_clinics_work_as_real_use_would(app, runner):
    assert runner.invoke(args=["seed-demo", "120", "--seed", "3"]).exit_code == 0
    screenings = _sent()
    reviewed = [s for s in screenings if s.reviewed_at is not None]
    assert len(reviewed) > 60  # most of two years' screenings were read
    team = list(db.session.scalars(select(Clinician)))
    assert {c.email for c in team} == set(demo.DEMO_CLINICIANS)
    assert all(c.disabled for c in team)  # nobody signs in with a demo account

    for s in reviewed:
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.screening_reference == s.reference)
            .order_by(AuditEvent.at)
        ).all()
        assert actions[0] in ("view", "alert_sent")
        assert "review" in actions and "view" in actions
        review = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.screening_reference == s.reference, AuditEvent.action == "review"
            )
        )
        assert review.actor_id == s.reviewed_by_id
        assert review.at.replace(tzinfo=None) == s.reviewed_at.replace(tzinfo=None)
        assert s.reviewed_at > s.submitted_at
    assert db.session.scalar(select(func.count(AuditEvent.id))) > 4 * len(reviewed)
    # Red flags reviewed have a follow-up by the clinician who reviewed them.
    for s in (s for s in reviewed if s.has_red_flags):
        follow_up = db.session.scalar(select(FollowUp).where(FollowUp.screening_id == s.id))
        assert follow_up is not None and follow_up.clinician_id == s.reviewed_by_id


def test_the_same_seed_gives_the_same_answers(app, runner):
    assert runner.invoke(args=["seed-demo", "40", "--seed", "11"]).exit_code == 0
    first = [(s.answers, s.submitted_at.date()) for s in _sent()]
    assert runner.invoke(args=["seed-demo", "40", "--seed", "11"]).exit_code == 0
    everything = [(s.answers, s.submitted_at.date()) for s in _sent()]
    assert len(everything) == 80  # a second run adds
    twice = sorted(everything, key=repr)
    assert twice[0::2] == twice[1::2] == sorted(first, key=repr)
    assert runner.invoke(args=["seed-demo", "40", "--seed", "12"]).exit_code == 0
    other = [(s.answers, s.submitted_at.date()) for s in _sent()][80:]
    assert not any(pair in first for pair in other)


def test_a_clinician_finds_the_demo_screenings_red_flags_first(app, client):
    app.test_cli_runner().invoke(args=["seed-demo", "200", "--seed", "5"])
    make_clinician()
    sign_in(client)
    page = client.get("/clinician/").get_data(as_text=True)
    emergency = db.session.scalars(
        select(Screening.reference)
        .where(Screening.red_flag_level == "emergency")
        .order_by(Screening.submitted_at.desc())
    ).all()
    assert emergency, "seed 5 draws at least one emergency red flag"
    first_row = page.index("<tbody")
    assert page.index(emergency[0], first_row) < page.index("SIJ-", first_row) + 20


def test_no_alert_about_a_made_up_patient_is_left_to_send(make_app):
    """With the clinic's alert address set, the demo's red flags must never email the clinic:
    their alerts are recorded as sent when they were made, so `flask send-alerts` sends none."""
    app = make_app(CLINIC_ALERT_EMAIL="alerts@clinic.example")
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["seed-demo", "150", "--seed", "5"]).exit_code == 0
        alerts = list(db.session.scalars(select(Alert)))
        flagged = db.session.scalar(select(func.count()).where(Screening.has_red_flags))
        assert flagged and len(alerts) == flagged
        assert all(a.sent_at is not None for a in alerts)
        pending = app.test_cli_runner().invoke(args=["send-alerts"])
        assert pending.exit_code == 0, pending.output
        assert (
            db.session.scalar(select(func.count()).where(AuditEvent.action == "alert_failed")) == 0
        )
        db.session.remove()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["abc"], 'COUNT must be a whole number, not "abc"'),
        (["0"], "COUNT must be from 1 to 1,000,000, not 0"),
        (["5", "--seed", "x"], '--seed must be a whole number, not "x"'),
    ],
)
def test_bad_arguments_exit_2_with_one_line_and_add_nothing(app, runner, args, says):
    result = runner.invoke(args=["seed-demo", *args])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {says}"
    assert _sent() == []


def test_seed_demo_refuses_production(tmp_path):
    database = tmp_path / "clinic.db"
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY",)}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        INSTANCE_PATH=str(tmp_path / "instance"),
        CLINIC_NAME="Example Spine Clinic",
        CLINIC_PHONE="020 7946 0000",
    )

    def flask(app_env: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "screening", *args],
            env={**env, "APP_ENV": app_env, "SECRET_KEY": "p" * 40},
            capture_output=True,
            timeout=120,
            cwd=tmp_path,
            check=False,
        )

    assert flask("development", "db", "upgrade").returncode == 0
    refused = flask("production", "seed-demo", "5")
    assert_process_refused(refused, "refuses to run with APP_ENV=production")
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM screening").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM clinician").fetchone() == (0,)
