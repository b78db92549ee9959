"""CSV and FHIR exports: columns from the definition, round trip, formula safety, R4B validity."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from support import full
from support.clinic import audit_rows, make_clinician, make_screening, sign_in, stored_2026_11

from screening import exports, fhir, follow_up, questionnaire
from screening.accounts import Actor
from screening.criteria import DEFAULT_PROFILE, PROFILES
from screening.extensions import db
from screening.models import Screening

HISTORY = [
    {"key": "rf_bladder_bowel", "answer": "yes", "at": "2026-12-04T14:03:00+00:00"},
    {"key": "rf_fever", "answer": "yes", "at": "2026-12-04T14:03:00+00:00"},
    {"advised": "emergency", "at": "2026-12-04T14:03:00+00:00"},
    {"key": "rf_bladder_bowel", "answer": "no", "at": "2026-12-04T14:05:00+00:00"},
    {"advised": "urgent", "at": "2026-12-04T14:05:30+00:00"},
]
FLAGS = [
    {"id": "rf_fever", "level": "urgent", "text": "High temperature"},
    {"id": "rf_saddle_numbness", "level": "emergency", "text": "Numbness around the genitals"},
]


def flagged(**answers) -> Screening:
    """A sent screening with red flags, their history and a follow-up, stored as the
    safety-first release stores them."""
    s = make_screening(**answers)
    s.red_flag_level, s.has_red_flags = "emergency", True
    s.evaluation = {**s.evaluation, "red_flags": FLAGS}
    s.red_flag_history = HISTORY
    db.session.commit()
    doctor = Actor.of(make_clinician("dr@clinic.example"))
    follow_up.record(s, "patient_contacted", "=Went to A&E; fine, seen by the on-call team", doctor)
    follow_up.record(s, "other", "", doctor)
    db.session.commit()
    return s


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --- CSV -------------------------------------------------------------------------------------


def test_csv_header_comes_from_the_definition(app):
    header = next(csv.reader(io.StringIO(exports.to_csv([]))))
    assert header[:9] == [
        "reference",
        "submitted_at",
        "questionnaire_version",
        "criteria_version",
        "overall",
        "red_flag_level",
        "red_flags_raised",
        "red_flag_history",
        "follow_ups",
    ]
    criteria = [f"criterion_{c.id}" for c in PROFILES[DEFAULT_PROFILE].criteria]
    assert header[9 : 9 + len(criteria)] == criteria
    # The current questions in the order patients answer them, then the questions only
    # questionnaire 2026.11 asked (its screenings are exported under their own keys).
    keys = [q.key for q in questionnaire.QUESTIONS]
    start = header.index(keys[0])
    assert header[start : start + len(keys)] == keys
    old_only = header[start + len(keys) :]
    assert "pain_duration_months" in old_only and "diagnostic_injection_guided" in old_only
    assert "physical_therapy_tried" in old_only and "name" not in old_only
    assert len(header) == len(set(header))


def test_a_2026_11_screening_is_exported_under_its_own_keys(app):
    s = stored_2026_11("example")
    [row] = _rows(exports.to_csv([s]))
    assert row["questionnaire_version"] == "2026.11"
    assert row["pain_duration_months"] == "18"
    assert row["pain_started"] == ""
    assert row["criterion_quality_of_life"] == "met"
    assert exports.answers_from_row(row) == s.answers


def test_a_fhir_bundle_of_both_versions_has_each_questionnaire_and_validates(app):
    old = stored_2026_11("example")
    new = make_screening()
    bundle = fhir.fhir_bundle([old, new])
    Bundle.model_validate(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    questionnaires = {r["version"]: r for r in resources if r["resourceType"] == "Questionnaire"}
    assert set(questionnaires) == {"2026.11", "2026.12"}
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert [r["questionnaire"].rsplit("|", 1)[1] for r in responses] == ["2026.11", "2026.12"]
    old_ids = [i["linkId"] for i in _items(responses[0])]
    assert "pain_duration_months" in old_ids and "pain_started" not in old_ids
    # Each response's linkIds are items of its own version of the Questionnaire.
    for response in responses:
        version = response["questionnaire"].rsplit("|", 1)[1]
        known = {i["linkId"] for i in _items(questionnaires[version])}
        assert {i["linkId"] for i in _items(response)} <= known


def test_csv_round_trips_the_answers_of_a_submitted_screening(app):
    s = make_screening(name="Zoë O'Brien, Jr.", rf_leg_weakness="yes", rf_cancer="yes")
    [row] = _rows(exports.to_csv([s]))
    assert row["reference"] == s.reference
    assert row["overall"] == s.overall == "urgent"
    assert dt.datetime.fromisoformat(row["submitted_at"]).tzinfo is not None
    assert row["pain_locations"] == "lower_back;buttock"
    assert row["date_of_birth"] == "1972-05-14"
    assert exports.answers_from_row(row) == s.answers
    # Typed as the definition says.
    back = exports.answers_from_row(row)
    assert isinstance(back["pain_average"], int) and isinstance(back["imaging"], list)
    for c in s.evaluation["criteria"]:
        assert row[f"criterion_{c['id']}"] == c["status"]
        assert c["status"] in ("met", "not_met", "unknown")


def test_csv_unanswered_questions_are_empty(app):
    s = make_screening(name=None, date_of_birth=None, pain_triggers=None)
    [row] = _rows(exports.to_csv([s]))
    assert row["name"] == "" and row["pain_triggers"] == "" and row["exam_positive_tests"] == "4"


@pytest.mark.parametrize("evil", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_csv_is_safe_against_formula_injection(app, evil):
    s = make_screening(name=evil)
    text = exports.to_csv([s])
    [row] = _rows(text)
    assert row["name"] == "'" + evil
    for line in text.splitlines()[1:]:
        for cell in next(csv.reader([line])):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert exports.answers_from_row(row)["name"] == evil  # and still round-trips


def test_safe_cell_handles_tab_and_carriage_return():
    assert exports.safe_cell("\tcmd") == "'\tcmd"
    assert exports.safe_cell("\rcmd") == "'\rcmd"
    assert exports.safe_cell("plain") == "plain"
    assert exports.unsafe_cell("'=1") == "=1" and exports.unsafe_cell("'quoted") == "'quoted"


def test_submitted_between_uses_the_submission_day(app):
    a = make_screening()
    b = make_screening()
    a.submitted_at = dt.datetime(2026, 10, 31, 23, 59, tzinfo=dt.UTC)
    b.submitted_at = dt.datetime(2026, 11, 1, 0, 0, tzinfo=dt.UTC)
    db.session.commit()
    got = exports.submitted_between(dt.date(2026, 11, 1), dt.date(2026, 11, 1))
    assert [s.reference for s in got] == [b.reference]
    both = exports.submitted_between(dt.date(2026, 10, 31), None)
    assert [s.reference for s in both] == [a.reference, b.reference]


def test_csv_carries_red_flags_by_level_their_history_and_the_follow_ups(app):
    s = flagged()
    [row] = _rows(exports.to_csv([s]))
    assert row["red_flag_level"] == "emergency"
    # Emergency first, as the clinic reads them.
    assert row["red_flags_raised"] == "rf_saddle_numbness:emergency;rf_fever:urgent"
    assert row["red_flag_history"] == (
        "rf_bladder_bowel=yes@2026-12-04T14:03:00Z;rf_fever=yes@2026-12-04T14:03:00Z;"
        "advised=emergency@2026-12-04T14:03:00Z;rf_bladder_bowel=no@2026-12-04T14:05:00Z;"
        "advised=urgent@2026-12-04T14:05:30Z"
    )
    first, second = s.follow_ups
    stamp = exports._stamp
    assert row["follow_ups"].split("\n") == [
        f"patient_contacted@{stamp(first.created_at)} by dr@clinic.example: "
        "=Went to A&E; fine, seen by the on-call team",
        f"other@{stamp(second.created_at)} by dr@clinic.example",
    ]
    # The answers still read back exactly.
    assert exports.answers_from_row(row) == s.answers


def test_csv_red_flag_cells_are_safe_against_formula_injection(app):
    s = make_screening()
    doctor = Actor.of(make_clinician("=evil@clinic.example"))
    follow_up.record(s, "other", "", doctor)
    db.session.commit()
    [row] = _rows(exports.to_csv([s]))
    assert row["follow_ups"].startswith("other@")  # a cell never starts with the email
    s.red_flag_history = [{"key": "=cmd", "answer": "yes", "at": "2026-12-04T14:03:00Z"}]
    [row] = _rows(exports.to_csv([s]))
    assert row["red_flag_history"] == "'=cmd=yes@2026-12-04T14:03:00Z"


def test_csv_of_a_screening_without_red_flags_has_empty_red_flag_cells(app):
    [row] = _rows(exports.to_csv([make_screening()]))
    assert (row["red_flag_level"], row["red_flags_raised"], row["follow_ups"]) == ("", "", "")
    # Every answer to the safety questions is kept, "no" included.
    assert row["red_flag_history"].count("=no@") == 12


def test_a_2026_11_red_flag_is_exported_as_an_emergency(app):
    s = stored_2026_11("red_flag_unguided")
    s.red_flag_level = "emergency"  # as migration 0005 set it
    [row] = _rows(exports.to_csv([s]))
    assert row["red_flag_level"] == "emergency"
    assert row["red_flags_raised"] == "saddle_numbness:emergency"
    assert row["red_flag_history"] == "" and row["follow_ups"] == ""
    assert row["red_flags"] == "saddle_numbness"  # 2026.11's own checklist answer, kept
    response = fhir.fhir_questionnaire_response(s)
    QuestionnaireResponse.model_validate(response)
    flag = _extensions(response, "red-flag")[0]
    assert _parts(flag) == {
        "flag": "saddle_numbness",
        "level": "emergency",
        "text": "Numbness or tingling around your genitals or bottom",
    }


# --- FHIR ------------------------------------------------------------------------------------


def _extensions(resource: dict, name: str) -> list[dict]:
    url = f"{fhir.canonical_base()}/StructureDefinition/{name}"
    return [e for e in resource.get("extension", []) if e["url"] == url]


def _parts(extension: dict) -> dict:
    return {
        p["url"]: next(v for k, v in p.items() if k.startswith("value"))
        for p in extension["extension"]
    }


def test_fhir_response_carries_red_flags_history_and_follow_ups_and_validates(app):
    s = flagged()
    bundle = fhir.fhir_bundle([s])
    Bundle.model_validate(bundle)
    [response] = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    [level] = _extensions(response, "red-flag-level")
    assert level["valueCode"] == "emergency"
    assert [_parts(e) for e in _extensions(response, "red-flag")] == [
        {"flag": "rf_saddle_numbness", "level": "emergency", "text": FLAGS[1]["text"]},
        {"flag": "rf_fever", "level": "urgent", "text": "High temperature"},
    ]
    assert [_parts(e) for e in _extensions(response, "red-flag-answer")] == [
        {"question": "rf_bladder_bowel", "answer": "yes", "at": "2026-12-04T14:03:00+00:00"},
        {"question": "rf_fever", "answer": "yes", "at": "2026-12-04T14:03:00+00:00"},
        {"question": "rf_bladder_bowel", "answer": "no", "at": "2026-12-04T14:05:00+00:00"},
    ]
    assert [_parts(e) for e in _extensions(response, "red-flag-advice")] == [
        {"level": "emergency", "at": "2026-12-04T14:03:00+00:00"},
        {"level": "urgent", "at": "2026-12-04T14:05:30+00:00"},
    ]
    contacted, other = (_parts(e) for e in _extensions(response, "follow-up"))
    assert contacted["action"] == {
        "system": f"{fhir.canonical_base()}/CodeSystem/follow-up-action",
        "code": "patient_contacted",
        "display": "Patient contacted",
    }
    assert contacted["by"] == "dr@clinic.example"
    assert contacted["note"] == "=Went to A&E; fine, seen by the on-call team"
    assert dt.datetime.fromisoformat(contacted["at"]).tzinfo is not None
    assert "note" not in other and other["action"]["code"] == "other"
    # The answers are the same items as before: they read back exactly.
    got = {
        item["linkId"]: item["answer"]
        for item in _items(response)
        if "answer" in item and questionnaire.BY_KEY[item["linkId"]].type == "text"
    }
    assert got["name"] == [{"valueString": s.answers["name"]}]
    QuestionnaireResponse.model_validate(response)


def test_fhir_response_without_red_flags_has_only_the_answer_history(app):
    response = fhir.fhir_questionnaire_response(make_screening())
    urls = {e["url"].rsplit("/", 1)[1] for e in response.get("extension", [])}
    assert urls == {"red-flag-answer"}
    QuestionnaireResponse.model_validate(response)


def _items(resource: dict) -> list[dict]:
    out = []
    for item in resource.get("item", []):
        out.append(item)
        out.extend(_items(item))
    return out


def test_fhir_questionnaire_validates_and_follows_the_definition(app):
    resource = fhir.fhir_questionnaire()
    model = Questionnaire.model_validate(resource)
    assert model.url == fhir.questionnaire_url()
    assert model.version == questionnaire.QUESTIONNAIRE_VERSION
    # Questions, beside groups and the display items that carry a question's hint as help text.
    questions = [i for i in _items(resource) if i["type"] not in ("group", "display")]
    assert [i["linkId"] for i in questions] == [q.key for q in questionnaire.QUESTIONS]
    helps = [i for i in _items(resource) if i["type"] == "display"]
    assert [i["linkId"] for i in helps] == [
        f"{q.key}-help" for q in questionnaire.QUESTIONS if q.hint
    ]
    link_ids = [i["linkId"] for i in _items(resource)]
    assert len(link_ids) == len(set(link_ids))
    for item in questions:
        q = questionnaire.BY_KEY[item["linkId"]]
        assert item["required"] is q.required
        # A month ("2025-05") is a partial FHIR date.
        expected_type = {
            "text": "string",
            "date": "date",
            "month": "date",
            "integer": "integer",
        }.get(q.type, "choice")
        assert item["type"] == expected_type
        assert item.get("repeats", False) is (q.type == "multi")
        if q.choices:
            codes = [o["valueCoding"]["code"] for o in item["answerOption"]]
            assert codes == list(q.values)
            for option in item["answerOption"]:
                assert option["valueCoding"]["system"] == fhir.code_system(q.key)
                # The export names each code as the questionnaire does.
                assert option["valueCoding"]["display"] == q.label_of(option["valueCoding"]["code"])
        else:
            assert "answerOption" not in item
        assert len(item.get("enableWhen", [])) == len(q.when)
        for cond, w in zip(item.get("enableWhen", []), q.when, strict=True):
            assert cond["question"] == w.key
            if w.op == "nonempty":
                assert cond == {"question": w.key, "operator": "exists", "answerBoolean": True}
            elif w.op == "gte":
                assert cond == {"question": w.key, "operator": ">=", "answerInteger": w.value}
            else:
                assert cond["operator"] == "="
                assert cond["answerCoding"]["code"] == w.value
                assert w.value in questionnaire.BY_KEY[w.key].values
        assert item.get("enableBehavior") == ("any" if len(q.when) > 1 else None)
    # And in words a person wrote, not only as the definition says (which the loop above trusts).
    by_link = {i["linkId"]: i for i in questions}
    side = [
        (o["valueCoding"]["code"], o["valueCoding"]["display"])
        for o in by_link["pain_side"]["answerOption"]
    ]
    assert side == [
        ("left", "Left side"),
        ("right", "Right side"),
        ("both", "Both sides"),
        ("middle", "In the middle"),
    ]
    assert by_link["pain_started"]["type"] == "date"
    assert by_link["pain_locations"]["repeats"] is True
    assert by_link["injection_1_relief"]["enableWhen"] == [
        {"question": "diagnostic_injection_count", "operator": ">=", "answerInteger": 1}
    ]
    assert by_link["injection_2_guidance"]["enableWhen"] == [
        {"question": "diagnostic_injection_count", "operator": ">=", "answerInteger": 2}
    ]
    assert by_link["imaging_other_problem"]["enableWhen"] == [
        {
            "question": "imaging_result",
            "operator": "=",
            "answerCoding": {
                "system": "https://si-joint-screening.example.org/fhir/CodeSystem/imaging-result",
                "code": "other_problem",
                "display": "They showed a different problem",
            },
        }
    ]
    # One injection's questions are a group of their own, for injection 1 and injection 2.
    groups = {i["linkId"]: i for i in _items(resource) if i["type"] == "group"}
    assert [i["linkId"] for i in groups["injection_2"]["item"]] == [
        "injection_2_guidance",
        "injection_2_relief",
        "injection_2_relief_lasted",
    ]
    assert groups["injection_2"]["text"] == "Numbing injection 2"


def test_fhir_questionnaire_response_validates_and_is_typed(app):
    s = make_screening()
    resource = fhir.fhir_questionnaire_response(s)
    model = QuestionnaireResponse.model_validate(resource)
    assert model.status == "completed"
    assert resource["questionnaire"] == (
        f"{fhir.questionnaire_url()}|{questionnaire.QUESTIONNAIRE_VERSION}"
    )
    assert dt.datetime.fromisoformat(resource["authored"]).tzinfo is not None
    got: dict = {}
    for item in _items(resource):
        if "answer" not in item:
            continue
        q = questionnaire.BY_KEY[item["linkId"]]
        values = []
        for answer in item["answer"]:
            [(kind, value)] = answer.items()
            expected_kind = {
                "text": "valueString",
                "date": "valueDate",
                "month": "valueDate",
                "integer": "valueInteger",
            }.get(q.type, "valueCoding")
            assert kind == expected_kind
            if kind == "valueCoding":
                assert value["system"] == fhir.code_system(q.key)
                assert value["code"] in q.values
                value = value["code"]
            values.append(value)
        got[q.key] = values if q.type == "multi" else values[0]
    assert got == s.answers


def test_fhir_bundle_validates(app):
    screenings = [make_screening(), make_screening(name="Second Person")]
    bundle = fhir.fhir_bundle(screenings)
    model = Bundle.model_validate(bundle)
    assert model.type == "collection"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    # The definitions first (the Questionnaire, then its terminology), then each screening's
    # Patient, its response and its results (tests/test_fhir_bundle.py checks them).
    assert kinds[0] == "Questionnaire"
    assert kinds.count("Questionnaire") == 1
    screening_kinds = [k for k in kinds if k not in ("Questionnaire", "CodeSystem", "ValueSet")]
    assert [k for k in screening_kinds if k in ("Patient", "QuestionnaireResponse")] == [
        "Patient",
        "QuestionnaireResponse",
    ] * 2
    json.dumps(bundle)


def test_drafts_cannot_be_exported_as_responses(app):
    from support.clinic import make_draft

    with pytest.raises(ValueError):
        fhir.fhir_questionnaire_response(make_draft())


# --- the export routes -----------------------------------------------------------------------


@pytest.fixture
def doctor_client(app, client):
    """A client signed in as a clinician."""
    make_clinician()
    sign_in(client)
    return client


def test_export_page(doctor_client):
    page = doctor_client.get("/clinician/export")
    assert page.status_code == 200
    assert 'name="from"' in page.text and 'name="to"' in page.text


def test_csv_download_is_an_audited_attachment(doctor_client):
    s = make_screening(name="Alex Example")
    today = dt.date.today().isoformat()
    response = doctor_client.get(f"/clinician/export.csv?from={today}&to={today}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    text = response.data.decode("utf-8-sig")
    [row] = _rows(text)
    assert exports.answers_from_row(row) == full(name="Alex Example")
    summary, per_screening = audit_rows("export_csv")
    assert f"count=1 references={s.reference}" in summary.detail
    assert summary.screening_reference is None
    assert per_screening.screening_reference == s.reference
    assert "Alex" not in summary.detail + per_screening.detail


def test_csv_download_respects_the_date_range(doctor_client):
    make_screening()
    response = doctor_client.get("/clinician/export.csv?from=2020-01-01&to=2020-01-31")
    assert _rows(response.data.decode("utf-8-sig")) == []
    assert "count=0" in audit_rows("export_csv")[0].detail


def test_bad_dates_go_back_to_the_form(doctor_client):
    response = doctor_client.get("/clinician/export.csv?from=2026-13-01&to=2026-11-01")
    assert response.status_code == 302
    page = doctor_client.get(response.headers["Location"])
    assert "There is a problem" in page.text
    assert audit_rows("export_csv") == []
    reversed_range = doctor_client.get("/clinician/export.fhir.json?from=2026-11-02&to=2026-11-01")
    assert reversed_range.status_code == 302


def test_fhir_download_is_an_audited_valid_bundle(doctor_client):
    s = make_screening()
    response = doctor_client.get("/clinician/export.fhir.json")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    bundle = Bundle.model_validate(response.get_json())
    assert bundle.type == "transaction"
    [qr] = [
        e.resource
        for e in bundle.entry
        if e.resource.get_resource_type() == "QuestionnaireResponse"
    ]
    assert qr.identifier.value == s.reference
    assert s.reference in audit_rows("export_fhir")[0].detail


@pytest.mark.parametrize("text", ["'=HYPERLINK(1)", "''x", "'plain", "=1+1", "-3", "plain"])
def test_csv_cells_read_back_exactly(text):
    assert exports.unsafe_cell(exports.safe_cell(text)) == text


def test_fhir_none_of_these_is_an_exclusive_option():
    from screening import questionnaire

    item = fhir.questionnaire_item(questionnaire.BY_KEY["treatments_tried"])
    exclusive = [
        o["valueCoding"]["code"]
        for o in item["answerOption"]
        if any(e["url"].endswith("questionnaire-optionExclusive") for e in o.get("extension", []))
    ]
    assert exclusive == ["none"]


def test_fhir_follow_up_questions_name_their_treatment():
    from screening import questionnaire

    texts = [fhir.questionnaire_item(q)["text"] for q in questionnaire.QUESTIONS]
    assert len(texts) == len(set(texts)), "every question reads on its own, without its page"
