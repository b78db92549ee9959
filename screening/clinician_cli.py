"""Command-line commands for clinician accounts and the audit trail."""

from __future__ import annotations

import datetime as dt
import sys
from typing import NoReturn

import click
from flask.cli import AppGroup

from . import accounts, audit, cli
from .extensions import db

clinician_group = AppGroup("clinician", help="Create and disable clinician accounts.")


def fail(message: str) -> NoReturn:
    """Exit with status 2 and one line on stderr (see screening.cli.fail)."""
    cli.fail(message)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@clinician_group.command("create")
@click.argument("email")
@click.option("--admin", is_flag=True, help="The account can manage accounts and read the audit.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_command(email: str, admin: bool, password_stdin: bool) -> None:
    """Create a clinician account (password of at least 12 characters)."""
    password = _read_password(password_stdin)
    try:
        clinician = accounts.create(email, password, is_admin=admin)
    except accounts.AccountError as e:
        db.session.rollback()
        fail(str(e))
    audit.record(
        "account_create",
        "cli",
        detail=f"account={clinician.email} admin={'yes' if admin else 'no'}",
    )
    db.session.commit()
    click.echo(f"created {'admin ' if admin else ''}account {clinician.email}")


def _existing(email: str):
    clinician = accounts.find(email)
    if clinician is None:
        fail(f"no account for {email.strip().lower()}")
    return clinician


@clinician_group.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Disable an account: it cannot sign in, and its sessions end."""
    clinician = _existing(email)
    accounts.disable(clinician)
    audit.record("account_disable", "cli", detail=f"account={clinician.email}")
    db.session.commit()
    click.echo(f"disabled account {clinician.email}")


@clinician_group.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """Enable a disabled account again."""
    clinician = _existing(email)
    accounts.enable(clinician)
    audit.record("account_enable", "cli", detail=f"account={clinician.email}")
    db.session.commit()
    click.echo(f"enabled account {clinician.email}")


@clinician_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password_command(email: str, password_stdin: bool) -> None:
    """Set a new password; the account's sessions end."""
    clinician = _existing(email)
    password = _read_password(password_stdin)
    try:
        accounts.set_password(clinician, password)
    except accounts.AccountError as e:
        db.session.rollback()
        fail(str(e))
    audit.record("account_password", "cli", detail=f"account={clinician.email}")
    db.session.commit()
    click.echo(f"password changed for {clinician.email}")


@clinician_group.command("list")
def list_command() -> None:
    """List the accounts."""
    for c in accounts.list_accounts():
        role = "admin" if c.is_admin else "clinician"
        state = "disabled" if c.disabled else "active"
        click.echo(f"{c.email}\t{role}\t{state}")


@click.command("audit")
@click.option("--since", help="Only events on or after this day (YYYY-MM-DD, UTC).")
def audit_command(since: str | None) -> None:
    """Print the audit trail, oldest first, one tab-separated event a line."""
    day = None
    if since is not None:
        try:
            day = dt.date.fromisoformat(since)
        except ValueError:
            fail(f"--since must be a date like 2026-11-01, not {since!r}")
    rows = audit.events(since=day)
    for e in reversed(rows):
        click.echo(
            "\t".join(
                [
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
