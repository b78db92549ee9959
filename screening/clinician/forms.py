"""The clinician workspace's forms (Flask-WTF).

Rules about accounts live in `screening.accounts` (the command line shares them): the account
form shows their errors beside the field they name. Every button that changes something posts an
`ActionForm`, which holds only the CSRF token.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    StringField,
    TextAreaField,
    ValidationError,
)

from .. import follow_up
from ..accounts import AccountError

MAX_EMAIL_LENGTH = 254
INCORRECT_SIGN_IN = _l("Enter a correct email address and password")


def _typed_email(value: str | None) -> str:
    return (value or "").strip()[:MAX_EMAIL_LENGTH]


def _text(value: str | None) -> str:
    return value or ""


class ActionForm(FlaskForm):
    """A button that changes something (sign out, mark reviewed, disable, enable)."""


class SignInForm(FlaskForm):
    """Email and password; one message whatever was wrong."""

    email = StringField(filters=[_typed_email])
    password = PasswordField(filters=[_text])

    def refuse(self) -> None:
        """Show that the sign-in failed, without saying which part was wrong."""
        self.form_errors.append(INCORRECT_SIGN_IN)


class AccountForm(FlaskForm):
    """A new account: email, password and whether it is an administrator."""

    email = StringField(filters=[_typed_email])
    password = PasswordField(filters=[_text])
    is_admin = BooleanField()

    def reject(self, error: AccountError) -> None:
        """Show why the account could not be made, beside the field it is about."""
        self[error.field].errors.append(str(error))


class DayField(StringField):
    """A day typed as YYYY-MM-DD: `data` is the date, or None when nothing was typed.

    Anything else typed, spaces included, is an error with the field's message.
    """

    def __init__(self, message: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = valuelist[0] if valuelist else ""
        self.data = None
        if not raw:
            return
        try:
            day = dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise ValueError(self.message) from None
        # The calendar's last day has no next day to end a range at (an OverflowError).
        if day == dt.date.max:
            raise ValueError(self.message)
        self.data = day


class ExportForm(FlaskForm):
    """The date range of an export (a GET form: `ExportForm(request.args)`)."""

    class Meta:
        csrf = False  # a download changes nothing

    start = DayField(_l("Enter the start date as a real date, like 2026-11-01"), name="from")
    end = DayField(_l("Enter the end date as a real date, like 2026-11-30"), name="to")

    def validate_end(self, field: DayField) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("The end date must be the same as or after the start date"))

    def errors_by_name(self) -> dict[str, str]:
        """The first error of each field, by the name it is posted as ("from", "to")."""
        return {field.name: field.errors[0] for field in self if field.errors}


class FollowUpForm(FlaskForm):
    """What the clinic did about a screening: an action and an optional short note.

    The rules (the actions, the note's length and characters) are the service's
    (`screening.follow_up`); its errors are shown beside the field they name.
    """

    # One of follow_up.ACTIONS, as radio buttons; the service refuses any other value.
    action = StringField(filters=[_text])
    note = TextAreaField(filters=[_text])

    def reject(self, error: follow_up.FollowUpError) -> None:
        """Show why the follow-up could not be recorded, beside the field it is about."""
        self[error.field].errors = [*self[error.field].errors, error.message]

    def errors_by_id(self) -> dict[str, str]:
        """The first error of each field, by the id of the input to go to."""
        ids = {"action": "follow-up-action", "note": "follow-up-note"}
        return {ids[f.name]: f.errors[0] for f in self if f.name in ids and f.errors}
