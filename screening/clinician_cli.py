"""Command-line commands for clinician accounts and the audit trail.

The account commands call the same actions as the web admin pages (screening.accounts), which
audit each change once with "cli" as the actor.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import NoReturn

import click
from flask.cli import AppGroup

from . import accounts, audit, cli_input
from .extensions import db

clinician_group = AppGroup("clinician", help="Create and disable clinician accounts.")


def fail(message: str) -> NoReturn:
    """Exit with status 2 and one line on stderr (see screening.cli_input.fail)."""
    cli_input.fail(message)


def say(message: str) -> None:
    """Print one line on stdout, with anything typed in it escaped (see screening.cli_input.one_line)."""
    click.echo(cli_input.one_line(message))


MAX_PASSWORD_LINE = 1024


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        # One line, and never more than a passphrase could be (no endless read of /dev/zero).
        line = sys.stdin.readline(MAX_PASSWORD_LINE + 1)
        if len(line) > MAX_PASSWORD_LINE:
            fail(f"the password on standard input is longer than {MAX_PASSWORD_LINE} characters")
        return line.rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@clinician_group.command("create")
@click.argument("email")
@click.option("--admin", is_flag=True, help="The account can manage accounts and read the audit.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_command(email: str, admin: bool, password_stdin: bool) -> None:
    """Create a clinician account (password of at least 12 characters)."""
    password = _read_password(password_stdin)
    try:
        clinician = accounts.create_account(email, password, is_admin=admin, actor=accounts.CLI)
    except accounts.AccountError as e:
        db.session.rollback()
        fail(str(e))
    db.session.commit()
    say(f"created {'admin ' if admin else ''}account {cli_input.shown(clinician.email)}")


def _existing(email: str):
    clinician = accounts.find(email)
    if clinician is None:
        fail(f"no account for {cli_input.shown(email.strip().lower())}")
    return clinician


@clinician_group.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Disable an account: it cannot sign in, and its sessions end."""
    clinician = _existing(email)
    accounts.disable_account(clinician, actor=accounts.CLI)
    db.session.commit()
    say(f"disabled account {cli_input.shown(clinician.email)}")


@clinician_group.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """Enable a disabled account again."""
    clinician = _existing(email)
    accounts.enable_account(clinician, actor=accounts.CLI)
    db.session.commit()
    say(f"enabled account {cli_input.shown(clinician.email)}")


@clinician_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password_command(email: str, password_stdin: bool) -> None:
    """Set a new password; the account's sessions end."""
    clinician = _existing(email)
    password = _read_password(password_stdin)
    try:
        accounts.change_password(clinician, password, actor=accounts.CLI)
    except accounts.AccountError as e:
        db.session.rollback()
        fail(str(e))
    db.session.commit()
    say(f"password changed for {cli_input.shown(clinician.email)}")


@clinician_group.command("list")
def list_command() -> None:
    """List the accounts."""
    for c in accounts.list_accounts():
        role = "admin" if c.is_admin else "clinician"
        state = "disabled" if c.disabled else "active"
        click.echo(f"{cli_input.one_line(c.email)}\t{role}\t{state}")


@click.command("audit")
@click.option("--since", help="Only events on or after this day (YYYY-MM-DD, UTC).")
def audit_command(since: str | None) -> None:
    """Print the audit trail, oldest first, one tab-separated event a line.

    Each field is printed with its tabs, line breaks and other non-printable characters escaped
    (what a failed sign-in typed, say), so that an event is always one line of six fields.
    """
    day = None
    if since is not None:
        try:
            day = dt.date.fromisoformat(since)
        except ValueError:
            fail(f"--since must be a date like 2026-11-01, not {cli_input.quoted(since)}")
    rows = audit.events(since=day)
    for e in reversed(rows):
        click.echo(
            "\t".join(
                cli_input.one_line(field)
                for field in [
                    audit.as_utc(e.at).isoformat(timespec="seconds"),
                    e.actor_email or "-",
                    e.action,
                    e.screening_reference or "-",
                    e.ip or "-",
                    e.detail or "",
                ]
            )
        )


COMMANDS = (clinician_group, audit_command)
