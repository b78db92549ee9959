"""Clinician identity: loading the signed-in account from the session."""

from __future__ import annotations

from .extensions import db, login_manager
from .models import Clinician


@login_manager.user_loader
def load_clinician(identity: str) -> Clinician | None:
    """Load an active account; a changed session version (disable, new password) signs out."""
    try:
        raw_id, raw_version = identity.split(":", 1)
        clinician = db.session.get(Clinician, int(raw_id))
        version = int(raw_version)
    except (ValueError, TypeError):
        return None
    if clinician is None or clinician.disabled or clinician.session_version != version:
        return None
    return clinician
