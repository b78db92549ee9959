"""What every FHIR resource of the service shares: canonical URLs and small helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, has_app_context


def _utc(moment: dt.datetime) -> dt.datetime:
    # SQLite gives naive datetimes back; they were stored in UTC.
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


DEFAULT_CANONICAL_BASE = "https://si-joint-screening.example.org/fhir"


QUESTIONNAIRE_ID = "si-joint-screening"


def canonical_base() -> str:
    """The base of canonical URLs: FHIR_CANONICAL_BASE in the config, or the default."""
    if has_app_context():
        return str(current_app.config.get("FHIR_CANONICAL_BASE") or DEFAULT_CANONICAL_BASE)
    return DEFAULT_CANONICAL_BASE


def questionnaire_url() -> str:
    """The canonical URL of the Questionnaire (without version)."""
    return f"{canonical_base()}/Questionnaire/{QUESTIONNAIRE_ID}"


def questionnaire_version_url(version: str) -> str:
    """The URL of one version of the Questionnaire, as a Bundle entry's fullUrl."""
    return f"{questionnaire_url()}/_history/{version}"


def extension_url(name: str) -> str:
    """The URL of one of this service's extensions, under the canonical base."""
    return f"{canonical_base()}/StructureDefinition/{name}"


def _part(name: str, kind: str, value: Any) -> dict[str, Any]:
    return {"url": name, f"value{kind}": value}


def _instant(moment: dt.datetime | None) -> str | None:
    return _utc(moment).isoformat(timespec="seconds") if moment else None
