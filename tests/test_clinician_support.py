"""Moved to tests/support/clinic.py: import clinician helpers from `support.clinic`.

Kept only for tests/test_clinician_services.py, until it imports from `support.clinic`;
then delete this file. Nothing else may import it (test modules never import each other).
"""

from support.clinic import (  # noqa: F401 - re-exported for test_clinician_services.py only
    ADMIN_PASSWORD,
    PASSWORD,
    audit_rows,
    make_clinician,
    make_draft,
    make_screening,
    sign_in,
)
