"""Clinician accounts: create, disable, enable, change password. Plain data in; only flushes.

Passwords are hashed with Argon2id (argon2-cffi). There is no default account anywhere: accounts
come from the command line or from an administrator.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlalchemy import select

from .extensions import db
from .models import Clinician

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()
_dummy_hash: str | None = None


class AccountError(ValueError):
    """An account change that cannot be made; the message says why, in one line.

    `field` names the form field the problem is about ("email" or "password"), so that a form
    can show the message beside that field.
    """

    def __init__(self, message: str, field: str = "email") -> None:
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased; raise AccountError when it is not an email address."""
    clean = (email or "").strip().lower()
    if len(clean) > 254 or not EMAIL_RE.match(clean):
        raise AccountError(_("Enter a valid email address, like name@example.org"), field="email")
    return clean


def check_password(password: str) -> str:
    """Return the password when it is long enough; raise AccountError otherwise."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("The password must be at least %(n)s characters", n=MIN_PASSWORD_LENGTH),
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(
            _("The password must be at most %(n)s characters", n=MAX_PASSWORD_LENGTH),
            field="password",
        )
    return password


def hash_password(password: str) -> str:
    """An Argon2id hash of a password."""
    return _hasher.hash(password)


def find(email: str) -> Clinician | None:
    """The account with this email (any case), or None."""
    clean = (email or "").strip().lower()
    if not clean:
        return None
    return db.session.scalar(select(Clinician).where(Clinician.email == clean))


def list_accounts() -> list[Clinician]:
    """Every account, by email."""
    return list(db.session.scalars(select(Clinician).order_by(Clinician.email)))


def create(email: str, password: str, is_admin: bool = False) -> Clinician:
    """Create an account; raise AccountError for a bad email, short password or duplicate."""
    clean = normalise_email(email)
    check_password(password)
    if find(clean) is not None:
        raise AccountError(_("An account for %(email)s already exists", email=clean), field="email")
    clinician = Clinician(
        email=clean, password_hash=hash_password(password), is_admin=is_admin, disabled=False
    )
    db.session.add(clinician)
    db.session.flush()
    return clinician


def end_sessions(clinician: Clinician) -> Clinician:
    """End every session of the account, on every device: older session cookies stop working.

    A session's identity is "id:version" (see auth.load_clinician); a new version refuses all
    cookies issued before it.
    """
    clinician.session_version = (clinician.session_version or 1) + 1
    db.session.flush()
    return clinician


def set_password(clinician: Clinician, password: str) -> Clinician:
    """Set a new password; existing sessions of the account stop working."""
    check_password(password)
    clinician.password_hash = hash_password(password)
    return end_sessions(clinician)


def disable(clinician: Clinician) -> Clinician:
    """Disable an account: it cannot sign in, and its sessions end."""
    clinician.disabled = True
    return end_sessions(clinician)


def enable(clinician: Clinician) -> Clinician:
    """Enable a disabled account again."""
    clinician.disabled = False
    db.session.flush()
    return clinician


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not a real password, only for timing")
    return _dummy_hash


def authenticate(email: str, password: str) -> Clinician | None:
    """The active account matching email and password, or None (same work either way)."""
    password = (password or "")[:MAX_PASSWORD_LENGTH]
    clinician = find(email)
    if clinician is None:
        _verify(_dummy(), password)  # spend the same time as a real check
        return None
    if not _verify(clinician.password_hash, password):
        return None
    if clinician.disabled:
        return None
    if _hasher.check_needs_rehash(clinician.password_hash):
        clinician.password_hash = hash_password(password)
        db.session.flush()
    return clinician
