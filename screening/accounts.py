"""Clinician accounts: sign-in, and create, disable, enable, change password. Plain data in; only
flushes, never commits.

Two layers. `create`, `set_password`, `disable`, `enable` and `end_sessions` change an account's
row and nothing else. The actions people take, from the web (an administrator, a clinician
signing in or out) or from the command line, are the functions below them: `sign_in`,
`sign_out`, `create_account`, `change_password`, `disable_account`, `enable_account`. Each writes
exactly one audit row naming its `Actor`, whoever calls it, so the web admin pages and
`flask clinician ...` share one implementation and one audit trail.

Passwords are hashed with Argon2id (argon2-cffi). There is no default account anywhere: accounts
come from the command line or from an administrator.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from . import audit
from .extensions import db
from .models import AuditEvent, Clinician

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024

# One hasher and one dummy hash per parameter profile (config ARGON2_PROFILE).
_hashers: dict[str, PasswordHasher] = {}
_dummy_hashes: dict[str, str] = {}


def _profile() -> str:
    return current_app.config.get("ARGON2_PROFILE", "RFC_9106_LOW_MEMORY")


def _hasher() -> PasswordHasher:
    name = _profile()
    if name not in _hashers:
        _hashers[name] = PasswordHasher.from_parameters(getattr(profiles, name))
    return _hashers[name]


class AccountError(ValueError):
    """An account change that cannot be made; the message says why, in one line.

    `field` names the form field the problem is about ("email" or "password"), so that a form
    can show the message beside that field.
    """

    def __init__(self, message: str, field: str = "email") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Actor:
    """Who does an audited action, as plain data: an account (id and email) or a label such as
    "cli" (no id), and the address the request came from, if any."""

    id: int | None
    email: str | None
    ip: str | None = None

    @classmethod
    def of(cls, clinician: Clinician, ip: str | None = None) -> Actor:
        """The actor for an account."""
        return cls(clinician.id, clinician.email, ip)

    def record(
        self, action: str, reference: str | None = None, detail: str | None = None
    ) -> AuditEvent:
        """Append one audit row of this actor."""
        # audit.record names an actor by its id and email, as it does an account.
        return audit.record(action, self, reference=reference, detail=detail, ip=self.ip)


# The command line: no account, no address.
CLI = Actor(None, "cli")


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased; raise AccountError when it is not an email address."""
    clean = (email or "").strip().lower()
    try:
        # Syntax only (no DNS): refuses spaces, control and bidirectional characters, two @s.
        validate_email(clean, check_deliverability=False)
    except EmailNotValidError:
        raise AccountError(
            _("Enter a valid email address, like name@example.org"), field="email"
        ) from None
    if len(clean) > 254:
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
    return _hasher().hash(password)


def find(email: str) -> Clinician | None:
    """The account with this email (any case), or None."""
    clean = (email or "").strip().lower()
    if not clean:
        return None
    return db.session.scalar(select(Clinician).where(Clinician.email == clean))


def get(account_id: int) -> Clinician | None:
    """The account with this id, or None."""
    # Ids beyond a 32-bit integer exist nowhere, and PostgreSQL refuses to compare with them.
    if not 0 < account_id < 2**31:
        return None
    return db.session.get(Clinician, account_id)


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
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy() -> str:
    name = _profile()
    if name not in _dummy_hashes:
        _dummy_hashes[name] = _hasher().hash("not a real password, only for timing")
    return _dummy_hashes[name]


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
    if _hasher().check_needs_rehash(clinician.password_hash):
        clinician.password_hash = hash_password(password)
        db.session.flush()
    return clinician


# --- actions: each audited once, whoever asks ------------------------------------------------


def sign_in(email: str, password: str, *, ip: str | None = None) -> Clinician | None:
    """The active account matching email and password, audited as "sign_in"; otherwise None,
    audited as "sign_in_failed". The same work either way (one password hash).

    A failed try is filed under the account's email only when it is one: what was typed may be a
    password typed into the wrong field, so otherwise only a keyed hash of it is kept.
    """
    # Without both, check against the dummy hash: the same time as a wrong password.
    clinician = authenticate(email if password else "", password)
    if clinician is None:
        audit.record("sign_in_failed", audit.sign_in_actor(email), ip=ip)
        return None
    Actor.of(clinician, ip).record("sign_in")
    return clinician


def sign_in_limited(email: str | None, limit: str, *, ip: str | None = None) -> None:
    """Audit a sign-in refused by a rate limit ("sign_in_limited"), filed like a failed one."""
    audit.record("sign_in_limited", audit.sign_in_actor(email), detail=f"limit={limit}", ip=ip)


def sign_out(clinician: Clinician, *, ip: str | None = None, idle: bool = False) -> None:
    """Audit a sign-out ("sign_out", or "sign_out_idle" after inactivity) and end every
    session of the account (see end_sessions)."""
    Actor.of(clinician, ip).record("sign_out_idle" if idle else "sign_out")
    end_sessions(clinician)


def create_account(email: str, password: str, *, is_admin: bool = False, actor: Actor) -> Clinician:
    """Create an account, audited as "account_create"; AccountError as `create`."""
    clinician = create(email, password, is_admin=is_admin)
    admin = "yes" if clinician.is_admin else "no"
    actor.record("account_create", detail=f"account={clinician.email} admin={admin}")
    return clinician


def change_password(clinician: Clinician, password: str, *, actor: Actor) -> Clinician:
    """Set a new password, audited as "account_password"; AccountError when it is too short."""
    set_password(clinician, password)
    actor.record("account_password", detail=f"account={clinician.email}")
    return clinician


def disable_account(clinician: Clinician, *, actor: Actor) -> Clinician:
    """Disable an account, audited as "account_disable"; AccountError for one's own."""
    if clinician.id == actor.id:
        raise AccountError(_("You cannot disable your own account."))
    disable(clinician)
    actor.record("account_disable", detail=f"account={clinician.email}")
    return clinician


def enable_account(clinician: Clinician, *, actor: Actor) -> Clinician:
    """Enable an account, audited as "account_enable"."""
    enable(clinician)
    actor.record("account_enable", detail=f"account={clinician.email}")
    return clinician
