"""The clinician and audit commands, with their exit-2 cases."""

from __future__ import annotations

import pytest
from support.clinic import PASSWORD, audit_rows, make_clinician, sign_in

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


# --- every message and every printed row on one line, whatever was typed -------------------------


def _refused_on_one_line(result, *expected: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.count("\n") == 1, result.stderr
    line = result.stderr.rstrip("\n")
    assert line.startswith("error: ") and line.isprintable(), repr(line)
    for text in expected:
        assert text in line, (text, line)
    return line


@pytest.mark.parametrize(
    ("email", "shown"),
    [
        ("ghost\n@clinic.example", '"ghost\\n@clinic.example"'),
        ("ghost\u2028@clinic.example", '"ghost\\u2028@clinic.example"'),
        ("\x1b[2Jghost@clinic.example", '"\\x1b[2jghost@clinic.example"'),  # lower-cased
        ("\u202eghost@clinic.example", '"\\u202eghost@clinic.example"'),
    ],
)
def test_unknown_account_is_named_escaped_on_one_line(runner, email, shown):
    for command in ("disable", "enable", "set-password"):
        result = runner.invoke(args=["clinician", command, email], input=PASSWORD + "\n")
        line = _refused_on_one_line(result, "no account for")
        assert line.endswith(shown), line


@pytest.mark.parametrize("bad", ["2026-11-01\n", "\u20282026", "\x85", "2026\x1b[0m"])
def test_audit_bad_date_is_shown_escaped_on_one_line(runner, bad):
    _refused_on_one_line(runner.invoke(args=["audit", "--since", bad]), "--since")


def test_an_email_with_control_characters_is_never_printed_raw(runner):
    # The email rule refuses whitespace, not every control or bidi character.
    email = "\x1b[2jdoc\u202e@clinic.example"
    first = _create(runner, email)
    if first.exit_code == 0:
        assert len(first.output.splitlines()) == 1 and first.output.count("\n") == 1
        assert first.output.rstrip("\n").isprintable(), repr(first.output)
        _refused_on_one_line(_create(runner, email), "already exists")
        listed = runner.invoke(args=["clinician", "list"])
        assert listed.exit_code == 0
        for line in listed.output.splitlines():
            assert all(field.isprintable() for field in line.split("\t")), line
        assert len(listed.output.splitlines()) == 1
    else:
        _refused_on_one_line(first)


def test_audit_prints_one_line_per_event_whatever_the_detail(runner):
    from screening import audit

    audit.record("note", "cli", detail="line one\nline two\ttabbed\u2028\x85\x1b[31m")
    audit.record("note", "cli\r\n", reference="SIJ\u202e", ip="127.0.0.1\n")
    db.session.commit()
    result = runner.invoke(args=["audit"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2 and result.output.count("\n") == 2, result.output
    for line in lines:
        fields = line.split("\t")
        assert len(fields) == 6, fields
        assert all(field.isprintable() for field in fields), fields
    assert lines[0].split("\t")[5] == "line one\\nline two\\ttabbed\\u2028\\x85\\x1b[31m"


def test_a_password_from_an_endless_stdin_is_refused_not_read_forever(tmp_path):
    import subprocess
    import sys

    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": db_url, "INSTANCE_PATH": str(tmp_path)}
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "screening", "db", "upgrade"],
        env=env,
        capture_output=True,
        timeout=120,
        check=True,
    )
    with open("/dev/zero", "rb") as zero:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "screening",
                "clinician",
                "create",
                "doctor@clinic.example",
                "--password-stdin",
            ],
            env=env,
            stdin=zero,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: the password on standard input is longer than 1024 characters"
    ]


def test_an_email_with_a_direction_override_is_refused(runner):
    result = runner.invoke(
        args=["clinician", "create", "a\u202eb@clinic.example", "--password-stdin"],
        input="a long passphrase here\n",
    )
    assert result.exit_code == 2
    assert "Enter a valid email address" in result.output
