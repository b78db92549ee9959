"""The FHIR export a hospital imports as-is: a transaction Bundle (conditional update of the
Questionnaire by canonical URL and version, a Patient per screening, each response and result
created only when its identifier is not there yet), references through urn:uuid fullUrls,
results and red flags carried, the collection Bundle, the CLI and the audited web download.

Expected values are written by hand (the FHIR transaction rules,
https://hl7.org/fhir/R4/http.html#transaction, and the example answers' comparisons). Resources
are validated with fhir.resources R4B, as tests/test_exports.py does.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from support import FULL, MINIMAL, full
from support.clinic import audit_rows, make_clinician, make_screening, sign_in, stored_2026_11

from screening import fhir
from screening.extensions import db

BASE = "https://si-joint-screening.example.org/fhir"
REFERENCES = f"{BASE}/screening-reference"
QUESTIONNAIRE = f"{BASE}/Questionnaire/si-joint-screening"
RESULT_CODES = f"{BASE}/CodeSystem/si-joint-screening-result"
PROFILE_CODES = f"{BASE}/CodeSystem/si-joint-screening-criteria-profile"
RED_FLAG_CODES = f"{BASE}/CodeSystem/si-joint-screening-red-flag"
POINT_CODES = f"{BASE}/CodeSystem/si-joint-screening-point-to-discuss"
STATUS_CODES = f"{BASE}/CodeSystem/si-joint-screening-criterion-status"
XHTML = "{http://www.w3.org/1999/xhtml}"

# MINIMAL as changes to FULL (`full` removes a key set to None): a screening with only the
# required answers.
MINIMAL_ONLY: dict[str, Any] = {**dict.fromkeys(k for k in FULL if k not in MINIMAL), **MINIMAL}


# --- helpers ---------------------------------------------------------------------------------


def _of(bundle: dict, kind: str) -> list[dict]:
    return [e for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _references(node: Any) -> list[str]:
    """Every Reference.reference anywhere in a resource."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(value)
            else:
                found += _references(value)
    elif isinstance(node, list):
        for item in node:
            found += _references(item)
    return found


def _validate(bundle: dict) -> None:
    """The Bundle and every resource in it, each with its own R4B model."""
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def _component(observation: dict, code: str) -> Any:
    [value] = [
        next(v for k, v in c.items() if k.startswith("value"))
        for c in observation["component"]
        if c["code"]["coding"][0] == {**c["code"]["coding"][0], "code": code}
    ]
    return value


def _comparisons(bundle: dict) -> dict[str, dict]:
    """The comparison Observations, by profile code."""
    return {
        e["resource"]["method"]["coding"][0]["code"]: e
        for e in _of(bundle, "Observation")
        if e["resource"]["code"]["coding"][0]["code"] == "criteria-comparison"
    }


def _counts(observation: dict) -> tuple[int, int, int, int]:
    return tuple(
        _component(observation, c)
        for c in ("main-met", "main-not-met", "main-unknown", "main-total")
    )


def _uuid5(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


# --- the transaction ---------------------------------------------------------------------------


def test_transaction_entries_carry_the_right_requests(app):
    s = make_screening()
    bundle = fhir.fhir_transaction_bundle([s])
    _validate(bundle)
    assert bundle["type"] == "transaction"
    [questionnaire] = _of(bundle, "Questionnaire")
    assert questionnaire["request"] == {
        "method": "PUT",
        "url": f"Questionnaire?url={QUESTIONNAIRE}&version=2026.12",
    }
    # A conditional update: the server finds (or makes) the id, so the resource has none.
    assert "id" not in questionnaire["resource"]
    assert questionnaire["resource"]["url"] == QUESTIONNAIRE
    [patient] = _of(bundle, "Patient")
    assert patient["request"] == {
        "method": "POST",
        "url": "Patient",
        "ifNoneExist": f"identifier={REFERENCES}|{s.reference}",
    }
    [response] = _of(bundle, "QuestionnaireResponse")
    assert response["request"] == {
        "method": "POST",
        "url": "QuestionnaireResponse",
        "ifNoneExist": f"identifier={REFERENCES}|{s.reference}",
    }
    for entry in bundle["entry"]:
        resource, request = entry["resource"], entry["request"]
        kind = resource["resourceType"]
        assert "id" not in resource
        if kind in ("Questionnaire", "CodeSystem", "ValueSet"):
            # Definitions: updated by canonical URL and version, one copy on the server.
            assert request["method"] == "PUT"
            assert request["url"] == (f"{kind}?url={resource['url']}&version={resource['version']}")
            assert "ifNoneExist" not in request
        else:
            # Everything of the screening: created only if its identifier is not there yet.
            ident = resource["identifier"]
            ident = ident[0] if isinstance(ident, list) else ident
            assert request == {
                "method": "POST",
                "url": kind,
                "ifNoneExist": f"identifier={ident['system']}|{ident['value']}",
            }
            assert ident["value"].startswith(s.reference)
    result_kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "QuestionnaireResponse", "Observation"} <= result_kinds


def test_minimal_only_is_minimal():
    assert full(**MINIMAL_ONLY) == MINIMAL


def test_every_reference_resolves_to_a_unique_urn_uuid_full_url(app):
    bundle = fhir.fhir_transaction_bundle(
        [make_screening(rf_fever="yes", pain_side="both"), make_screening(**MINIMAL_ONLY)]
    )
    full_urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(full_urls) == len(set(full_urls))
    for url in full_urls:
        assert url.startswith("urn:uuid:")
        uuid.UUID(url.removeprefix("urn:uuid:"))
    references = _references(bundle["entry"])
    assert references  # subject, source, derivedFrom, hasMember, flag-detail
    assert set(references) <= set(full_urls)


def test_the_response_names_its_patient_as_subject_and_source(app):
    s = make_screening(name="Alex Example", date_of_birth="1972-05-14")
    bundle = fhir.fhir_transaction_bundle([s])
    [patient] = _of(bundle, "Patient")
    [response] = _of(bundle, "QuestionnaireResponse")
    # uuid5 of the type and identifier: the same fullUrl at every export.
    assert patient["fullUrl"] == _uuid5(f"Patient/{REFERENCES}|{s.reference}")
    assert response["fullUrl"] == _uuid5(f"QuestionnaireResponse/{REFERENCES}|{s.reference}")
    qr = response["resource"]
    assert qr["subject"]["reference"] == patient["fullUrl"]
    assert qr["source"]["reference"] == patient["fullUrl"]
    assert qr["meta"]["profile"] == [
        "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaireresponse"
    ]
    assert qr["identifier"] == {"system": REFERENCES, "value": s.reference}
    assert qr["questionnaire"] == f"{QUESTIONNAIRE}|2026.12"
    p = patient["resource"]
    assert p["name"] == [{"text": "Alex Example"}]
    assert p["birthDate"] == "1972-05-14"
    assert p["identifier"] == [{"system": REFERENCES, "value": s.reference}]
    assert "meta" not in p  # no profile claimed


def test_the_patient_identifier_is_in_the_clinics_system_when_configured(make_app):
    app = make_app(FHIR_PATIENT_IDENTIFIER_SYSTEM="https://clinic.example/patient-ids")
    with app.app_context():
        s = make_screening()
        bundle = fhir.fhir_transaction_bundle([s])
        [patient] = _of(bundle, "Patient")
        assert patient["resource"]["identifier"] == [
            {"system": "https://clinic.example/patient-ids", "value": s.reference}
        ]
        assert patient["request"]["ifNoneExist"] == (
            f"identifier=https://clinic.example/patient-ids|{s.reference}"
        )
        # The response keeps the service's own system; its subject is the same Patient entry.
        [response] = _of(bundle, "QuestionnaireResponse")
        assert response["resource"]["identifier"]["system"] == REFERENCES
        assert response["resource"]["subject"]["reference"] == patient["fullUrl"]
        db.session.remove()


def test_the_setting_is_read_from_the_environment():
    import config

    assert config.load("testing", {})().FHIR_PATIENT_IDENTIFIER_SYSTEM is None
    env = {"FHIR_PATIENT_IDENTIFIER_SYSTEM": "urn:oid:1.2.3.4"}
    assert config.load("production", env).FHIR_PATIENT_IDENTIFIER_SYSTEM == "urn:oid:1.2.3.4"


def test_exporting_again_gives_the_same_uuids(app):
    screenings = [make_screening(rf_cancer="yes"), make_screening(pain_side="both")]
    first = fhir.fhir_transaction_bundle(screenings)
    again = fhir.fhir_transaction_bundle(list(reversed(screenings)))
    by_identifier = {}
    for bundle in (first, again):
        for e in bundle["entry"]:
            r = e["resource"]
            key = (r["resourceType"], json.dumps(r.get("identifier") or [r["url"], r["version"]]))
            assert by_identifier.setdefault(key, e["fullUrl"]) == e["fullUrl"]
    assert sorted(e["fullUrl"] for e in first["entry"]) == sorted(
        e["fullUrl"] for e in again["entry"]
    )
    # The collection Bundle has the same entries under the same fullUrls.
    collection = fhir.fhir_collection_bundle(screenings)
    assert [e["fullUrl"] for e in collection["entry"]] == [e["fullUrl"] for e in first["entry"]]


# --- red flags ---------------------------------------------------------------------------------


def test_a_red_flag_screening_has_a_flag_per_red_flag_with_its_level(app):
    s = make_screening(rf_fever="yes", rf_bladder_bowel="yes")
    bundle = fhir.fhir_transaction_bundle([s])
    _validate(bundle)
    [patient] = _of(bundle, "Patient")
    [response] = _of(bundle, "QuestionnaireResponse")
    flags = [e["resource"] for e in _of(bundle, "Flag")]
    got = []
    for flag in flags:
        assert flag["status"] == "active"
        assert flag["category"][0]["coding"][0]["system"] == (
            "http://terminology.hl7.org/CodeSystem/flag-category"
        )
        assert flag["category"][0]["coding"][0]["code"] == "clinical"
        assert flag["subject"]["reference"] == patient["fullUrl"]
        assert flag["period"]["start"] == response["resource"]["authored"]
        extensions = {e["url"]: e for e in flag["extension"]}
        level = extensions[f"{BASE}/StructureDefinition/red-flag-level"]["valueCode"]
        priority = extensions["http://hl7.org/fhir/StructureDefinition/flag-priority"]
        detail = extensions["http://hl7.org/fhir/StructureDefinition/flag-detail"]
        assert detail["valueReference"]["reference"] == response["fullUrl"]
        [coding] = flag["code"]["coding"]
        assert coding["system"] == RED_FLAG_CODES
        got.append((coding["code"], level, priority["valueCodeableConcept"]["coding"][0]["code"]))
        assert flag["text"]["status"] == "generated"
    # Emergency first, whatever the order asked.
    assert got == [("rf_bladder_bowel", "emergency", "PH"), ("rf_fever", "urgent", "PM")]
    assert flags[0]["code"]["text"] == (
        "Emergency red flag: New difficulty passing urine, or loss of bladder or bowel control"
    )
    assert [e["request"]["ifNoneExist"] for e in _of(bundle, "Flag")] == [
        f"identifier={BASE}/screening-red-flag|{s.reference}/rf_bladder_bowel",
        f"identifier={BASE}/screening-red-flag|{s.reference}/rf_fever",
    ]


def test_a_screening_without_red_flags_has_no_flag(app):
    bundle = fhir.fhir_transaction_bundle([make_screening()])
    assert _of(bundle, "Flag") == []


# --- results -----------------------------------------------------------------------------------


def test_the_example_carries_the_counts_of_both_profiles(app):
    s = make_screening()  # docs/example-answers.json
    bundle = fhir.fhir_transaction_bundle([s])
    comparisons = _comparisons(bundle)
    assert list(comparisons) == ["published", "documents"]  # stricter first
    published, documents = (
        comparisons["published"]["resource"],
        comparisons["documents"]["resource"],
    )
    assert _counts(published) == (9, 0, 0, 9)
    assert _counts(documents) == (4, 0, 0, 4)
    assert _component(published, "criteria-version") == "2026.12-1"
    assert published["method"]["coding"][0]["system"] == PROFILE_CODES
    assert published["note"][0]["text"] == (
        "Published policies (a composite): 9 of 9 met, 0 not met, 0 not known"
    )
    [response] = _of(bundle, "QuestionnaireResponse")
    for comparison in (published, documents):
        assert comparison["status"] == "final"
        assert comparison["derivedFrom"] == [
            {"reference": response["fullUrl"], "type": "QuestionnaireResponse"}
        ]
        # No value: statuses and counts, never an outcome.
        assert not any(k.startswith("value") for k in comparison)
    # One Observation per criterion, each a member of its profile's comparison.
    members = {
        e["fullUrl"]: e["resource"]
        for e in _of(bundle, "Observation")
        if e["resource"]["code"]["coding"][0]["code"] != "criteria-comparison"
    }
    published_members = [members[m["reference"]] for m in published["hasMember"]]
    assert [m["code"]["coding"][0]["code"] for m in published_members] == [
        "conservative_care",
        "pain_severity",
        "chronic_pain",
        "diagnostic_injection",
        "exam",
        "imaging",
        "no_inflammatory_arthritis",
        "no_generalised_pain",
        "nicotine_free",
        "pain_pattern",
    ]
    for m in published_members:
        assert m["valueCodeableConcept"]["coding"][0] == {
            "system": STATUS_CODES,
            "code": "met",
            "display": "Met",
        }
    assert len(documents["hasMember"]) == 7
    main = [_component(members[m["reference"]], "main-criterion") for m in documents["hasMember"]]
    assert main.count(True) == 4


def test_minimal_answers_carry_unknowns_and_points_that_could_not_be_checked(app):
    bundle = fhir.fhir_transaction_bundle([make_screening(**MINIMAL_ONLY)])
    _validate(bundle)
    comparisons = _comparisons(bundle)
    assert _counts(comparisons["published"]["resource"]) == (0, 4, 5, 9)
    assert _counts(comparisons["documents"]["resource"]) == (0, 4, 0, 4)
    points = [
        e["resource"]
        for e in _of(bundle, "Observation")
        if e["resource"]["code"]["coding"][0]["system"] == POINT_CODES
    ]
    assert [p["code"]["coding"][0]["code"] for p in points] == [
        "both_sides",
        "other_conditions",
        "imaging_other_problem",
        "nerve_symptoms",
        "risk_factors",
        "previous_lumbar_fusion",
        "previous_si_fusion",
        "pregnancy",
        "metal_allergy",
    ]
    for p in points:
        assert "valueString" not in p
        assert p["dataAbsentReason"]["coding"][0]["code"] == "asked-unknown"


def test_a_point_to_discuss_is_an_observation_with_its_sentence(app):
    s = make_screening(pain_side="both")
    bundle = fhir.fhir_transaction_bundle([s])
    [point] = [
        e
        for e in _of(bundle, "Observation")
        if e["resource"]["code"]["coding"][0]["system"] == POINT_CODES
    ]
    assert point["resource"]["code"]["coding"][0]["code"] == "both_sides"
    assert point["resource"]["valueString"] == (
        "The pain is on both sides. Ask how that affects the tests and the options."
    )
    assert point["request"]["ifNoneExist"] == (
        f"identifier={BASE}/screening-point-to-discuss|{s.reference}/both_sides"
    )


def test_the_result_code_systems_are_shipped_and_hold_every_code_used(app):
    bundle = fhir.fhir_transaction_bundle(
        [make_screening(rf_fever="yes", pain_side="both"), stored_2026_11("red_flag_unguided")]
    )
    systems = {
        e["resource"]["url"]: {c["code"] for c in e["resource"]["concept"]}
        for e in _of(bundle, "CodeSystem")
        if "/si-joint-screening-" in e["resource"]["url"]
    }
    assert set(systems) >= {RESULT_CODES, PROFILE_CODES, RED_FLAG_CODES, POINT_CODES, STATUS_CODES}
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] not in ("Observation", "Flag"):
            continue
        codings = [entry["resource"]["code"]["coding"][0]]
        codings += [c["code"]["coding"][0] for c in entry["resource"].get("component", [])]
        if "method" in entry["resource"]:
            codings.append(entry["resource"]["method"]["coding"][0])
        for coding in codings:
            assert coding["code"] in systems[coding["system"]], coding


# --- narrative ---------------------------------------------------------------------------------


def test_every_resource_has_an_escaped_generated_narrative(app):
    s = make_screening(name="<b>Zoë & Co</b>", rf_lump="yes", pain_side="both")
    bundle = fhir.fhir_transaction_bundle([s])
    for entry in bundle["entry"]:
        text = entry["resource"]["text"]
        assert text["status"] == "generated"
        div = ET.fromstring(text["div"])  # noqa: S314 - our own output: well-formed XML
        assert div.tag == f"{XHTML}div"
    [patient] = _of(bundle, "Patient")
    div = patient["resource"]["text"]["div"]
    assert "&lt;b&gt;Zoë &amp; Co&lt;/b&gt;" in div and "<b>Zoë" not in div
    words = "".join(ET.fromstring(div).itertext())  # noqa: S314 - our own output, checked above
    assert "<b>Zoë & Co</b>" in words


# --- earlier releases --------------------------------------------------------------------------


def test_a_2026_11_screening_still_exports(app):
    old = stored_2026_11("example")
    flagged = stored_2026_11("red_flag_unguided")
    bundle = fhir.fhir_transaction_bundle([old, flagged])
    _validate(bundle)
    versions = {e["resource"]["version"]: e["request"]["url"] for e in _of(bundle, "Questionnaire")}
    assert versions == {
        "2026.12": f"Questionnaire?url={QUESTIONNAIRE}&version=2026.12",
        "2026.11": f"Questionnaire?url={QUESTIONNAIRE}&version=2026.11",
    }
    responses = [e["resource"] for e in _of(bundle, "QuestionnaireResponse")]
    assert [r["questionnaire"] for r in responses] == [f"{QUESTIONNAIRE}|2026.11"] * 2
    # 2026.11's empty optional checkbox group, which its summary shows as "None selected".
    items = {i["linkId"]: i for g in responses[0]["item"] for i in g["item"]}
    assert items["other_conditions"]["answer"] == [
        {
            "valueCoding": {
                "system": fhir.code_system("other_conditions"),
                "code": "none",
                "display": "None selected",
            }
        }
    ]
    comparisons = [
        (e["resource"]["identifier"][0]["value"], _counts(e["resource"]))
        for e in _of(bundle, "Observation")
        if e["resource"]["code"]["coding"][0]["code"] == "criteria-comparison"
    ]
    assert comparisons == [
        (f"{old.reference}/published", (7, 0, 0, 7)),
        (f"{old.reference}/documents", (4, 0, 0, 4)),
        (f"{flagged.reference}/published", (3, 4, 0, 7)),
        (f"{flagged.reference}/documents", (4, 0, 0, 4)),
    ]
    # 2026.11's one red flag, all one level: emergency.
    [flag] = [e["resource"] for e in _of(bundle, "Flag")]
    assert flag["code"]["coding"][0]["code"] == "saddle_numbness"
    assert flag["identifier"][0]["value"] == f"{flagged.reference}/saddle_numbness"
    level = {e["url"]: e for e in flag["extension"]}[f"{BASE}/StructureDefinition/red-flag-level"]
    assert level["valueCode"] == "emergency"


# --- the collection ----------------------------------------------------------------------------


def test_the_collection_bundle_holds_the_same_resources_without_requests(app):
    s = make_screening(rf_fever="yes")
    collection = fhir.fhir_collection_bundle([s])
    _validate(collection)
    assert collection["type"] == "collection"
    assert fhir.fhir_bundle([s])["type"] == "collection"
    for entry in collection["entry"]:
        assert "request" not in entry
        assert entry["resource"]["id"]
    full_urls = {e["fullUrl"] for e in collection["entry"]}
    assert set(_references(collection["entry"])) <= full_urls
    kinds = [e["resource"]["resourceType"] for e in collection["entry"]]
    assert kinds.count("Patient") == 1 and kinds.count("Flag") == 1


# --- the command line --------------------------------------------------------------------------


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_the_cli_writes_the_transaction_bundle_and_is_audited(app, runner, tmp_path):
    s = make_screening(rf_fever="yes")
    out = tmp_path / "export.fhir.json"
    result = runner.invoke(args=["export-fhir", str(out), "--from", "2000-01-01"])
    assert result.exit_code == 0, result.output
    assert "1 screening" in result.output
    bundle = json.loads(out.read_text())
    assert bundle["type"] == "transaction"
    [response] = _of(bundle, "QuestionnaireResponse")
    assert response["resource"]["identifier"]["value"] == s.reference
    assert len(_of(bundle, "Flag")) == 1
    assert out.stat().st_mode & 0o077 == 0  # health data: owner-only
    summary, per_screening = audit_rows("export_fhir")
    assert summary.actor_email == "cli" and per_screening.actor_email == "cli"
    assert f"from=2000-01-01 to=any count=1 references={s.reference}" in summary.detail
    assert per_screening.screening_reference == s.reference


def test_the_cli_writes_a_collection_on_request(app, runner, tmp_path):
    make_screening()
    out = tmp_path / "collection.json"
    result = runner.invoke(args=["export-fhir", str(out), "--collection"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["type"] == "collection"


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--from", "2026-13-01"],
            'error: --from must be a date like 2026-11-01, not "2026-13-01"',
        ),
        (["--to", "yesterday"], 'error: --to must be a date like 2026-11-01, not "yesterday"'),
        (
            ["--from", "2026-12-02", "--to", "2026-12-01"],
            "error: --from (2026-12-02) is after --to (2026-12-01)",
        ),
    ],
)
def test_the_cli_refuses_bad_dates_with_one_line(app, runner, tmp_path, args, message):
    make_screening()
    out = tmp_path / "export.json"
    result = runner.invoke(args=["export-fhir", str(out), *args])
    assert result.exit_code == 2
    assert result.output == message + "\n"
    assert "Traceback" not in result.output
    assert not out.exists()
    assert audit_rows("export_fhir") == []


def test_the_cli_refuses_a_folder_that_does_not_exist(app, runner, tmp_path):
    result = runner.invoke(args=["export-fhir", str(tmp_path / "nope" / "out.json")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: cannot write")
    assert audit_rows("export_fhir") == []


# --- the web download --------------------------------------------------------------------------


def test_the_web_download_is_the_audited_transaction_bundle(app, client):
    s = make_screening(rf_bladder_bowel="yes")
    make_clinician()
    sign_in(client)
    response = client.get("/clinician/export.fhir.json")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    bundle = response.get_json()
    _validate(bundle)
    assert bundle["type"] == "transaction"
    [flag] = _of(bundle, "Flag")
    assert flag["resource"]["code"]["coding"][0]["code"] == "rf_bladder_bowel"
    summary, per_screening = audit_rows("export_fhir")
    assert f"count=1 references={s.reference}" in summary.detail
    assert summary.actor_email == "doctor@clinic.example"
    assert per_screening.screening_reference == s.reference
