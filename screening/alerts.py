"""Red-flag alerts: an email to the clinic when a screening with red flags is sent.

The email carries the screening's reference, the level of advice the patient was given
("emergency" or "urgent"), when it was sent and a sign-in link, and never any health data: no
name, no date of birth, no answers, no red-flag wording. Clinicians read the rest after signing
in, where the access is audited.

- `queue(screening)`: inside the submission, writes the screening's one `Alert` row (only when
  CLINIC_ALERT_EMAIL is set). Flushes only; the submission's commit keeps it.
- `try_send(screening_id)`: right after the submission is committed, sends it now. Never raises:
  a failure is logged (the reference and the kind of error only), recorded on the row
  (`attempts`, `last_error`) and audited, and the patient's submission stands.
- `send_pending(limit)`, `flask --app screening send-alerts`: sends every alert not sent yet
  (schedule it every few minutes, so that an alert whose first try failed goes out soon).

Sending commits its own small transactions, and never holds one open while it talks to the mail
server. Before sending, an attempt claims its alert with a conditional UPDATE (the attempts it
read, no `sent_at`) and marks it "sending since <time>", so that the patient's request and a
scheduled `send-alerts` never both send one alert; a claim older than `SENDING_LEASE` (a process
that died mid-send) is taken over.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
import ssl
import sys
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import click
from flask import current_app
from sqlalchemy import select, update

from . import audit, cli_input
from .extensions import db
from .models import Alert, Screening, utcnow

log = logging.getLogger(__name__)

# Audit actors: the patient's submission (no account, and the patient's address is not the
# point of this row) and the command line.
SUBMISSION_ACTOR = "system"
CLI_ACTOR = "cli"

# How long a claim ("sending since ...") stands before another process may take the alert over.
# Far longer than any SMTP conversation (MAIL_TIMEOUT_SECONDS per step).
SENDING_LEASE = dt.timedelta(minutes=10)
_SENDING = "sending since "

# The advice the patient was given at each level, in the clinic's words (two short lines).
LEVEL_WORDS = {
    "emergency": (
        "emergency",
        "(the patient was told to call the emergency number or go to an",
        "emergency department now)",
    ),
    "urgent": (
        "urgent",
        "(the patient was told to contact their doctor today, or an urgent",
        "care service)",
    ),
}


class AlertNotConfigured(RuntimeError):
    """CLINIC_ALERT_EMAIL is not set: there is nobody to send an alert to."""


def _recipients() -> list[str]:
    value = current_app.config.get("CLINIC_ALERT_EMAIL") or ""
    return [a.strip() for a in value.split(",") if a.strip()]


def _as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored time as timezone-aware UTC (SQLite returns naive datetimes)."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# -- queueing, inside the submission ------------------------------------------------------------


def queue(screening: Screening) -> Alert | None:
    """The screening's one alert, written when it was sent with red flags and the clinic has an
    alert address (CLINIC_ALERT_EMAIL); None otherwise.

    Idempotent: a screening never gets two alerts (the existing one is returned). Flushes only;
    the caller's commit (the submission's) keeps it, and `try_send` sends it after that.
    """
    if not screening.is_submitted or not screening.has_red_flags:
        return None
    if not _recipients():
        return None
    existing = db.session.scalar(select(Alert).where(Alert.screening_id == screening.id))
    if existing is not None:
        return existing
    alert = Alert(screening_id=screening.id, attempts=0)
    db.session.add(alert)
    db.session.flush()
    return alert


# -- the email ------------------------------------------------------------------------------------


def sign_in_link(reference: str) -> str:
    """Where a clinician reads the screening (after signing in)."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/clinician/screenings/{reference}"


def build_message(
    reference: str, level: str | None, submitted_at: dt.datetime | None
) -> EmailMessage:
    """The alert email: reference, level, time and link; never health data.

    Takes plain values, not the screening, so that nothing else of it can slip in.
    """
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    sent = _as_utc(submitted_at)
    when = sent.strftime("%d %b %Y %H:%M UTC") if sent else "not recorded"
    level_lines = LEVEL_WORDS.get(level or "", ("not recorded: open the screening to see it",))
    msg = EmailMessage()
    msg["Subject"] = f"SI joint screening: red flags reported ({reference})"
    msg["From"] = sender
    msg["To"] = ", ".join(_recipients())
    msg["Date"] = format_datetime(utcnow())
    # The sender's domain names the message (make_msgid would otherwise look up this host's name).
    domain = sender.rpartition("@")[2].strip(" >") or "localhost"
    msg["Message-ID"] = make_msgid(idstring="sij-alert", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(
        "\n".join(
            [
                "A patient has sent an SI joint screening and answered yes to one or more",
                "safety questions (red flags). Please check it and contact the patient.",
                "",
                f"Reference: {reference}",
                f"Level: {level_lines[0]}",
                *level_lines[1:],
                f"Sent by the patient: {when}",
                "",
                "Sign in to read it:",
                sign_in_link(reference),
                "",
                "On purpose, this email holds no health data. Record what the clinic did on the",
                "screening's page.",
            ]
        )
        + "\n"
    )
    return msg


def send_mail(msg: EmailMessage) -> None:
    """Hand the message to the SMTP server (MAIL_* settings: STARTTLS and login as configured).

    Shared by every email the service sends (red-flag alerts, the patient's return link in
    `screening/return_email.py`). Raises what smtplib or the socket raise; callers log only
    `error_name(error)`.
    """
    config = current_app.config
    timeout = float(config["MAIL_TIMEOUT_SECONDS"])
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=timeout) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(msg)


def error_name(error: BaseException) -> str:
    """The kind of error, with an SMTP status code when there is one; never its message (which
    may quote addresses or the server's words)."""
    name = type(error).__name__
    code = getattr(error, "smtp_code", None)
    return f"{name} {code}" if isinstance(code, int) else name


# -- sending --------------------------------------------------------------------------------------

# What one attempt came to.
SENT, FAILED, BUSY, NOTHING, CLAIMED = "sent", "failed", "busy", "nothing", "claimed"


def _lease() -> dt.timedelta:
    """How long a claim stands: SENDING_LEASE, or longer when the mail timeout is very long."""
    timeout = float(current_app.config["MAIL_TIMEOUT_SECONDS"])
    return max(SENDING_LEASE, dt.timedelta(seconds=6 * timeout))


def _claim(alert_id: int) -> tuple[str, dict[str, Any] | None]:
    """Claim the alert for one attempt and commit: (CLAIMED, what the email needs), or
    (BUSY, None) while another process sends it, (NOTHING, None) when it is sent or gone."""
    row = db.session.execute(
        select(
            Alert.attempts,
            Alert.sent_at,
            Alert.last_error,
            Screening.reference,
            Screening.red_flag_level,
            Screening.submitted_at,
        )
        .join(Screening, Screening.id == Alert.screening_id)
        .where(Alert.id == alert_id)
    ).one_or_none()
    if row is None or row.sent_at is not None:
        db.session.rollback()
        return NOTHING, None
    now = utcnow()
    if row.last_error and row.last_error.startswith(_SENDING):
        try:
            since = dt.datetime.fromisoformat(row.last_error.removeprefix(_SENDING))
        except ValueError:
            since = None
        if since is not None and now - _as_utc(since) < _lease():
            db.session.rollback()
            return BUSY, None
    claimed = db.session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.attempts == row.attempts, Alert.sent_at.is_(None))
        .values(attempts=row.attempts + 1, last_error=_SENDING + now.isoformat(timespec="seconds"))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return BUSY, None
    return CLAIMED, {
        "reference": row.reference,
        "level": row.red_flag_level,
        "submitted_at": row.submitted_at,
        "attempt": row.attempts + 1,
    }


def _attempt(alert_id: int, actor: str) -> tuple[str, str | None, str | None]:
    """One send attempt: (outcome, reference, error name). Commits; raises on database errors."""
    state, data = _claim(alert_id)
    if data is None:
        return state, None, None
    reference, attempt = data["reference"], data["attempt"]
    error: str | None = None
    try:
        if not _recipients():
            raise AlertNotConfigured("CLINIC_ALERT_EMAIL is not set")
        send_mail(build_message(reference, data["level"], data["submitted_at"]))
    except Exception as e:  # any SMTP, network, TLS or configuration error
        error = error_name(e)
    values: dict[str, Any] = (
        {"sent_at": utcnow(), "last_error": None} if error is None else {"last_error": error[:200]}
    )
    db.session.execute(
        update(Alert)
        .where(Alert.id == alert_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if error is None:
        audit.record("alert_sent", actor, reference=reference, detail=f"attempt={attempt}")
    else:
        audit.record(
            "alert_failed", actor, reference=reference, detail=f"attempt={attempt} error={error}"
        )
    db.session.commit()
    if error is not None:
        log.warning(
            "red-flag alert %s not sent (attempt %d: %s); `flask send-alerts` retries it",
            reference,
            attempt,
            error,
        )
        return FAILED, reference, error
    log.info("red-flag alert %s sent (attempt %d)", reference, attempt)
    return SENT, reference, None


def try_send(screening_id: int) -> bool:
    """Send this screening's pending alert now; True when this call sent it.

    For the patient's view, right after the submission is committed (it commits its own small
    transactions, so call it with nothing pending). Never raises: whatever goes wrong (the mail
    server, the network, the database) is logged as one line with the reference and the kind of
    error, recorded on the alert when the database allows, and `send-alerts` retries it.
    """
    reference: str | None = None
    try:
        alert_id = db.session.scalar(select(Alert.id).where(Alert.screening_id == screening_id))
        if alert_id is None:
            return False
        state, reference, _error = _attempt(alert_id, SUBMISSION_ACTOR)
        return state == SENT
    except Exception as e:  # never break the patient's submission
        with contextlib.suppress(Exception):  # the connection itself may be gone
            db.session.rollback()
        log.warning(
            "red-flag alert for screening %s not sent (%s); `flask send-alerts` retries it",
            reference or f"id {screening_id}",
            error_name(e),
        )
        return False


def pending_ids(limit: int | None = None) -> list[int]:
    """The ids of alerts not sent yet, oldest first."""
    stmt = select(Alert.id).where(Alert.sent_at.is_(None)).order_by(Alert.created_at, Alert.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def send_pending(
    limit: int | None = None,
    report: Callable[[str, str | None], None] | None = None,
    actor: str = CLI_ACTOR,
) -> tuple[int, int]:
    """Send the alerts not sent yet (at most `limit`, oldest first): (sent, failed) counts.

    `report(reference, error)` is called after each attempt (error None when sent). An alert
    another process is sending right now is left to it and counted in neither. Raises
    AlertNotConfigured when CLINIC_ALERT_EMAIL is not set, ValueError for a limit below 1.
    """
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1")
    if not _recipients():
        raise AlertNotConfigured("CLINIC_ALERT_EMAIL is not set")
    sent = failed = 0
    for alert_id in pending_ids(limit):
        state, reference, error = _attempt(alert_id, actor)
        if state == SENT:
            sent += 1
        elif state == FAILED:
            failed += 1
        else:
            continue
        if report is not None and reference is not None:
            report(reference, error)
    return sent, failed


# -- the command ----------------------------------------------------------------------------------


@click.command("send-alerts")
@click.option("--limit", help="Send at most this many (oldest first).")
def send_alerts_command(limit: str | None) -> None:
    """Send the red-flag alert emails not sent yet (exit status 1 when any failed)."""
    count: int | None = None
    if limit is not None:
        text = limit.strip()
        if not text.isdigit() or not text.isascii() or int(text) < 1:
            cli_input.fail(f"--limit must be a whole number from 1, not {cli_input.quoted(limit)}")
        count = int(text)
    if not _recipients():
        cli_input.fail("CLINIC_ALERT_EMAIL is not set: there is nobody to send alerts to")

    def say(reference: str, error: str | None) -> None:
        if error is None:
            click.echo(f"sent {reference}")
        else:
            click.echo(f"failed {reference}: {error}", err=True)

    sent, failed = send_pending(count, report=say)
    if sent == 0 and failed == 0:
        click.echo("no alerts to send")
    if failed:
        sys.exit(1)
