"""HL7 FHIR R4 resources of the questionnaire and of submitted screenings.

`common` (canonical URLs), `terminology` (codes of answers), `questionnaire` (the Questionnaire of
a version, from its tree), `patient` (the Patient who answered, identifiers, entry UUIDs and
narrative), `response` (a screening's QuestionnaireResponse), `results` (its red flags as Flag,
its comparisons and points to discuss as Observation), `bundle` (the transaction Bundle a
clinician downloads, and a collection Bundle for file exchange).
"""

from __future__ import annotations

from .bundle import fhir_bundle, fhir_collection_bundle, fhir_transaction_bundle, json_text
from .common import canonical_base, extension_url, questionnaire_url, questionnaire_version_url
from .patient import fhir_patient, patient_identifier_system
from .questionnaire import fhir_questionnaire, questionnaire_item
from .response import fhir_questionnaire_response, red_flag_extensions
from .results import code_systems, fhir_results
from .terminology import code_system

__all__ = [
    "canonical_base",
    "code_system",
    "code_systems",
    "extension_url",
    "fhir_bundle",
    "fhir_collection_bundle",
    "fhir_patient",
    "fhir_questionnaire",
    "fhir_questionnaire_response",
    "fhir_results",
    "fhir_transaction_bundle",
    "json_text",
    "patient_identifier_system",
    "questionnaire_item",
    "questionnaire_url",
    "questionnaire_version_url",
    "red_flag_extensions",
]
