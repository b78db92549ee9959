"""The clinician and audit commands, with their exit-2 cases."""

from __future__ import annotations

import pytest
from test_clinician_support import PASSWORD, audit_rows, make_clinician, sign_in

from screening import accounts
from screening.extensions import db


@pytest.fixture
def runner(app):
    """A CLI runner for the app."""
    return app.test_cli_runner()


def _create(runner, *args, password=PASSWORD):
    return runner.invoke(
        args=["clinician", "create", *args, "--password-stdin"], input=password + "\n"
    )


def test_create_account_from_stdin(app, runner, client):
    result = _create(runner, "Doctor@Clinic.example")
    assert result.exit_code == 0, result.output
    assert "doctor@clinic.example" in result.output
    db.session.expire_all()
    doctor = accounts.find("doctor@clinic.example")
    assert doctor is not None and not doctor.is_admin
    assert sign_in(client).status_code == 302
    [row] = audit_rows("account_create")
    assert row.actor_email == "cli" and "account=doctor@clinic.example" in row.detail


def test_create_admin(runner):
    assert _create(runner, "admin@clinic.example", "--admin").exit_code == 0
    db.session.expire_all()
    assert accounts.find("admin@clinic.example").is_admin


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("doctor@clinic.example", "short pass", "at least 12 characters"),
        ("not-an-email", PASSWORD, "valid email"),
        ("", PASSWORD, "valid email"),
    ],
)
def test_create_refuses_bad_input_with_exit_2(runner, email, password, message):
    result = _create(runner, email, password=password)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert accounts.list_accounts() == []
    assert audit_rows("account_create") == []


def test_create_refuses_a_duplicate(runner):
    make_clinician()
    result = _create(runner, "DOCTOR@clinic.example")
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert len(accounts.list_accounts()) == 1


def test_disable_account(app, runner, client):
    make_clinician()
    result = runner.invoke(args=["clinician", "disable", "doctor@clinic.example"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert accounts.find("doctor@clinic.example").disabled
    assert sign_in(client).status_code == 401
    assert audit_rows("account_disable")[0].actor_email == "cli"


def test_disable_unknown_account_exits_2(runner):
    result = runner.invoke(args=["clinician", "disable", "ghost@clinic.example"])
    assert result.exit_code == 2
    assert result.output.strip() == "error: no account for ghost@clinic.example"


def test_enable_and_set_password(runner, client):
    doctor = make_clinician()
    accounts.disable(doctor)
    db.session.commit()
    assert runner.invoke(args=["clinician", "enable", "doctor@clinic.example"]).exit_code == 0
    result = runner.invoke(
        args=["clinician", "set-password", "doctor@clinic.example", "--password-stdin"],
        input="a completely new passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert sign_in(client, password="a completely new passphrase").status_code == 302
    assert [r.action for r in audit_rows() if r.actor_email == "cli"] == [
        "account_enable",
        "account_password",
    ]


def test_audit_prints_rows(runner, client):
    make_clinician()
    sign_in(client)
    sign_in(client, password="wrong password here")
    result = runner.invoke(args=["audit"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert "\tdoctor@clinic.example\tsign_in\t" in lines[0]
    assert "\tsign_in_failed\t" in lines[1]
    assert "127.0.0.1" in lines[0]


def test_audit_since(runner, client):
    make_clinician()
    sign_in(client)
    assert runner.invoke(args=["audit", "--since", "2999-01-01"]).output == ""
    assert "sign_in" in runner.invoke(args=["audit", "--since", "2000-01-01"]).output


@pytest.mark.parametrize("bad", ["yesterday", "2026-02-30", "26-11-01"])
def test_audit_bad_date_exits_2(runner, bad):
    result = runner.invoke(args=["audit", "--since", bad])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "--since" in result.output
