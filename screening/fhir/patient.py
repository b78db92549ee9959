"""The patient who filled a screening in, as a FHIR R4 Patient, and what every resource built for a
screening shares: its identifier, its deterministic entry UUID, references and narrative.

A Patient per screening: the service knows only what the patient typed (the `name` answer, kept
as text: names are not split into given and family, which cannot be done safely for every
culture, and the `date_of_birth` answer). Its identifier is the screening reference, in the
clinic's patient identifier system when `FHIR_PATIENT_IDENTIFIER_SYSTEM` is set, else in the
service's screening-reference system. A hospital links it to its own record of the person.

Every resource built for a screening has a stable business identifier (system and value) and an
entry UUID derived from it (`uuid5`), so exporting the same screening again gives the same
`urn:uuid:` fullUrls and the same `ifNoneExist` conditions: importing twice creates nothing new.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterable
from typing import Any

from flask import current_app, has_app_context

from ..models import Screening
from .common import canonical_base

XHTML = "http://www.w3.org/1999/xhtml"

# Characters XML 1.0 does not allow (control characters but tab, newline, carriage return, and
# the non-characters), removed from narrative text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def reference_system() -> str:
    """The identifier system of screening references (the QuestionnaireResponse's identifier)."""
    return f"{canonical_base()}/screening-reference"


def patient_identifier_system() -> str:
    """FHIR_PATIENT_IDENTIFIER_SYSTEM when set, else the service's screening-reference system."""
    if has_app_context():
        configured = current_app.config.get("FHIR_PATIENT_IDENTIFIER_SYSTEM")
        if configured:
            return str(configured)
    return reference_system()


def identifier(system: str, value: str) -> dict[str, str]:
    """An Identifier."""
    return {"system": system, "value": value}


def entry_uuid(resource_type: str, ident: dict[str, str]) -> str:
    """The UUID of a resource's Bundle entry: uuid5 of its type and identifier, so the same
    resource always gets the same fullUrl."""
    name = f"{resource_type}/{ident['system']}|{ident['value']}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def full_url(resource_type: str, ident: dict[str, str]) -> str:
    """The `urn:uuid:` fullUrl of a resource with this identifier."""
    return f"urn:uuid:{entry_uuid(resource_type, ident)}"


def reference_to(resource_type: str, ident: dict[str, str]) -> dict[str, str]:
    """A Reference to the Bundle entry of the resource with this identifier."""
    return {"reference": full_url(resource_type, ident), "type": resource_type}


def search_condition(ident: dict[str, str]) -> str:
    """The `ifNoneExist` search of a resource with this identifier: identifier=system|value,
    with the search escapes of the FHIR spec (a backslash before $ , | and \\)."""

    def escaped(text: str) -> str:
        return re.sub(r"([\\$,|])", r"\\\1", text)

    return f"identifier={escaped(ident['system'])}|{escaped(ident['value'])}"


def patient_identifier(screening: Screening) -> dict[str, str]:
    """The Patient's identifier: the screening reference in the patient identifier system."""
    return identifier(patient_identifier_system(), str(screening.reference))


def patient_reference(screening: Screening) -> dict[str, str]:
    """A Reference to the screening's Patient entry."""
    return reference_to("Patient", patient_identifier(screening))


# --- narrative ----------------------------------------------------------------------------------


def text_of(value: Any) -> str:
    """Text for narrative: escaped for XHTML, without characters XML does not allow."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def narrative(title: str, rows: Iterable[tuple[str, str]] = (), note: str | None = None) -> dict:
    """A generated Narrative: a heading paragraph, then a table of label and value rows (all
    text escaped here), then an optional paragraph."""
    parts = [f"<p><b>{text_of(title)}</b></p>"]
    body = "".join(f"<tr><th>{text_of(k)}</th><td>{text_of(v)}</td></tr>" for k, v in rows)
    if body:
        parts.append(f"<table>{body}</table>")
    if note:
        parts.append(f"<p>{text_of(note)}</p>")
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{"".join(parts)}</div>'}


# --- the Patient --------------------------------------------------------------------------------


def fhir_patient(screening: Screening) -> dict[str, Any]:
    """The Patient who answered a submitted screening: name as typed, birth date, identifier."""
    if not screening.is_submitted or screening.submitted_at is None:
        raise ValueError("only submitted screenings are exported")
    answers = screening.answers or {}
    name = str(answers.get("name") or "").strip()
    birth = answers.get("date_of_birth")
    ident = patient_identifier(screening)
    rows = [
        ("Name", name or "Not provided"),
        ("Date of birth", str(birth) if birth else "Not provided"),
        ("Screening reference", str(screening.reference)),
    ]
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "text": narrative(
            "Patient who answered an SI joint screening",
            rows,
            "Name and date of birth as the patient typed them; not checked against any record.",
        ),
        "identifier": [ident],
    }
    if name:
        patient["name"] = [{"text": name}]
    if birth:
        patient["birthDate"] = str(birth)
    return patient
