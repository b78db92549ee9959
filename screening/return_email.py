"""The patient's return email: the link and the resume code, sent once to an address they type.

Optional: on the saved page (after "Save and come back later") the patient may type an email
address. The address is checked, used once to send this message through the same SMTP settings
as the clinic's alerts (`alerts.send_mail`, MAIL_*), and never kept: not in the database, not in
the session, not in the logs, not in the audit trail. The message holds no health data: no
answers, no name, no words about any condition; only that the patient can come back to their
answers, the link (PUBLIC_BASE_URL + /resume), the code, the day it stops working, and the
clinic's name when CLINIC_NAME is set.

`build_message` takes plain values, never the screening, so that nothing else can slip in.
"""

from __future__ import annotations

import datetime as dt
import logging
import textwrap
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _

from .alerts import error_name, send_mail
from .definition import long_date
from .models import utcnow

log = logging.getLogger(__name__)

# RFC 5321: a path of at most 256 octets, so an address of at most 254 characters.
MAX_LENGTH = 254


def resume_link() -> str:
    """The full address of the page where a code is typed."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/resume"


def check_address(text: str) -> tuple[str | None, str | None]:
    """(the address to send to, None) or (None, the error to show beside the field)."""
    typed = text.strip()
    if not typed:
        return None, _("Enter your email address")
    if len(typed) > MAX_LENGTH:
        return None, _("Your email address must be 254 characters or fewer")
    try:
        checked = validate_email(typed, check_deliverability=False)
    except EmailNotValidError:
        return None, _("Enter an email address in the correct format, like name@example.com")
    return checked.normalized, None


def build_message(
    to: str, link: str, code: str, expires: dt.date, clinic: str | None
) -> EmailMessage:
    """The return email: link, code and when it stops working; no health data."""
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    msg = EmailMessage()
    if clinic:
        msg["Subject"] = _("How to come back to your saved answers – %(clinic)s", clinic=clinic)
        opening = _(
            "You saved your answers to the questions from %(clinic)s. You can come back to "
            "them and carry on.",
            clinic=clinic,
        )
    else:
        msg["Subject"] = _("How to come back to your saved answers")
        opening = _("You saved your answers. You can come back to them and carry on.")
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(utcnow())
    domain = sender.rpartition("@")[2].strip(" >") or "localhost"
    msg["Message-ID"] = make_msgid(idstring="return", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    lines = [
        _("Hello,"),
        "",
        opening,
        "",
        _("1. Go to this page:"),
        link,
        "",
        _("2. Type this code:"),
        code,
        "",
        _("The code works until %(date)s.", date=long_date(expires)),
        _("It stops working when you send your answers, or if you save again and get a new code."),
        "",
        _("Do not share this code. Anyone who has it can see your answers."),
        "",
        _("You get this email because this address was typed on the page after saving."),
        _("If that was not you, you can delete this email."),
    ]
    if clinic:
        lines += ["", clinic]
    # Short lines (any language): sentences wrapped at spaces; the link and code never are.
    wrapped = [
        textwrap.fill(line, 72, break_long_words=False, break_on_hyphens=False) if line else ""
        for line in lines
    ]
    msg.set_content("\n".join(wrapped) + "\n")
    return msg


def send(to: str, code: str, expires: dt.date) -> bool:
    """Send the return email once; True when the mail server took it.

    Never raises on a mail failure: it is logged by the kind of error only (never the address,
    the code, or the server's words, which may quote the address).
    """
    clinic = current_app.config.get("CLINIC_NAME") or None
    try:
        send_mail(build_message(to, resume_link(), code, expires, clinic))
    except Exception as e:  # noqa: BLE001 - any failure: the patient keeps the code on the page
        log.warning("return email not sent: %s", error_name(e))
        return False
    log.info("return email sent")
    return True
