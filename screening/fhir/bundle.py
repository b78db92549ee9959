"""Bundles of the Questionnaire and the responses of submitted screenings."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from .. import questionnaire, releases
from ..models import Screening
from .common import canonical_base, questionnaire_version_url
from .questionnaire import fhir_questionnaire
from .response import fhir_questionnaire_response


def fhir_bundle(screenings: Sequence[Screening]) -> dict[str, Any]:
    """A collection Bundle: the Questionnaire, then one QuestionnaireResponse per screening."""
    base = canonical_base()
    # The current Questionnaire, and each earlier version a screening here was answered under.
    versions = dict.fromkeys(
        [questionnaire.QUESTIONNAIRE_VERSION, *(s.questionnaire_version for s in screenings)]
    )
    entries = [
        {
            "fullUrl": questionnaire_version_url(v),
            "resource": fhir_questionnaire(releases.of(v).questionnaire),
        }
        for v in versions
    ]
    for s in screenings:
        entries.append(
            {
                "fullUrl": f"{base}/QuestionnaireResponse/{s.reference}",
                "resource": fhir_questionnaire_response(s),
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "entry": entries,
    }


def json_text(resource: Mapping[str, Any]) -> str:
    """A resource as pretty JSON text."""
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"
