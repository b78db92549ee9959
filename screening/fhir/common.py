"""What every FHIR resource of the service shares: canonical URLs and small helpers.

Two bases, on purpose:

- `PRODUCT_BASE` is constant: the terminology of the product (its code systems and value sets)
  lives there, so an answer is coded the same way at every clinic that runs the service;
- `canonical_base()` is the clinic's (`FHIR_CANONICAL_BASE`, the product base by default): the
  Questionnaire's own URL, the screening references and the service's extensions.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from typing import Any

from flask import current_app, has_app_context

from ..i18n import get_locale


def _utc(moment: dt.datetime) -> dt.datetime:
    # SQLite gives naive datetimes back; they were stored in UTC.
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


# The product's own namespace: never configured, so codes never change from clinic to clinic.
PRODUCT_BASE = "https://si-joint-screening.example.org/fhir"

DEFAULT_CANONICAL_BASE = PRODUCT_BASE


QUESTIONNAIRE_ID = "si-joint-screening"

# Who publishes the Questionnaire and the terminology: the product, not the clinic.
PUBLISHER = "SI joint screening"

# The Structured Data Capture (SDC) profile the Questionnaire is written to (SDC STU3, on R4).
SDC_QUESTIONNAIRE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire|3.0.0"


def canonical_base() -> str:
    """The base of canonical URLs: FHIR_CANONICAL_BASE in the config, or the default."""
    if has_app_context():
        return str(current_app.config.get("FHIR_CANONICAL_BASE") or DEFAULT_CANONICAL_BASE)
    return DEFAULT_CANONICAL_BASE


def product_url(kind: str, resource_id: str) -> str:
    """The canonical URL of one of the product's own resources (a CodeSystem, a ValueSet)."""
    return f"{PRODUCT_BASE}/{kind}/{resource_id}"


def questionnaire_url() -> str:
    """The canonical URL of the Questionnaire (without version)."""
    return f"{canonical_base()}/Questionnaire/{QUESTIONNAIRE_ID}"


def questionnaire_version_url(version: str) -> str:
    """The URL of one version of the Questionnaire, as a Bundle entry's fullUrl."""
    return f"{questionnaire_url()}/_history/{version}"


def extension_url(name: str) -> str:
    """The URL of one of this service's extensions, under the canonical base."""
    return f"{canonical_base()}/StructureDefinition/{name}"


def version_date(version: str) -> str | None:
    """The date of a release, from its version: 2026.12 was released in December 2026, a
    partial FHIR dateTime "2026-12". None for a version that does not name its month."""
    match = re.fullmatch(r"([0-9]{4})\.(0[1-9]|1[0-2])", version)
    return f"{match[1]}-{match[2]}" if match else None


def language() -> str:
    """The language the resources are written in: the active locale (BCP 47), else English."""
    locale = get_locale()
    return str(locale).replace("_", "-") if locale else "en"


def escape(text: Any) -> str:
    """Text made safe inside the XHTML of a narrative."""
    return html.escape(str(text), quote=True)


def narrative(parts: Iterable[str]) -> dict[str, Any]:
    """A generated narrative (`text`) from pieces of XHTML that are already escaped."""
    body = "".join(parts)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _part(name: str, kind: str, value: Any) -> dict[str, Any]:
    return {"url": name, f"value{kind}": value}


def _instant(moment: dt.datetime | None) -> str | None:
    return _utc(moment).isoformat(timespec="seconds") if moment else None
