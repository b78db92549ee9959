"""Clinician workspace: sign-in, worklist, a screening's summary and PDF, review, exports, admin.

Deny by default: every route of this blueprint needs a signed-in, active account (checked in one
before_request hook in `auth`), except the sign-in page. Admin pages also need is_admin.

The views are thin: they read a form or the query string, call a service (`screening.accounts`,
`screening.worklist`, `screening.exports`, `screening.audit_trail`), commit once and redirect
after a post. The services audit every access to a patient's screening, every search, export and
account change, with the signed-in account as the actor (`auth.current_actor`).

- `auth`: sign-in and sign-out, the session guard (idle and absolute timeouts), admin_required;
- `screenings`: the worklist, a screening's page, printable summary and PDF, review, exports;
- `admin`: accounts and the audit trail;
- `forms`: the Flask-WTF forms.
"""

from . import admin, auth, screenings  # noqa: F401 - each registers its routes on bp
from .auth import (
    LAST_SEEN,
    PUBLIC_ENDPOINTS,
    SIGNED_IN_AT,
    is_safe_next,
)
from .blueprint import bp

__all__ = [
    "LAST_SEEN",
    "PUBLIC_ENDPOINTS",
    "SIGNED_IN_AT",
    "bp",
    "is_safe_next",
]
