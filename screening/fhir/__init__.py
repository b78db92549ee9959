"""HL7 FHIR R4 resources of the questionnaire and of submitted screenings.

`common` (canonical URLs), `terminology` (codes of answers), `questionnaire` (the Questionnaire of
a version, from its tree), `response` (a screening's QuestionnaireResponse), `bundle` (what a
clinician downloads).
"""

from __future__ import annotations

from .bundle import fhir_bundle, json_text
from .common import canonical_base, extension_url, questionnaire_url, questionnaire_version_url
from .questionnaire import fhir_questionnaire, questionnaire_item
from .response import fhir_questionnaire_response, red_flag_extensions
from .terminology import code_system

__all__ = [
    "canonical_base",
    "code_system",
    "extension_url",
    "fhir_bundle",
    "fhir_questionnaire",
    "fhir_questionnaire_response",
    "json_text",
    "questionnaire_item",
    "questionnaire_url",
    "questionnaire_version_url",
    "red_flag_extensions",
]
