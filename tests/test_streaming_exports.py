"""Streaming exports (issue 16): CSV and FHIR are sent as they are read, in a fixed number of
statements, with the audit rows written in one statement; FHIR Bulk Data NDJSON line by line."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import event, select
from support.clinic import (
    audit_rows,
    make_clinician,
    make_screening,
    sign_in,
    stored_2026_11,
)
from test_exports import flagged

from screening import exports
from screening.extensions import db
from screening.fhir import ndjson, response
from screening.models import AuditEvent, Screening


@pytest.fixture
def doctor_client(app, client):
    """A client signed in as a clinician."""
    make_clinician()
    sign_in(client)
    return client


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs meanwhile."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@contextmanager
def screenings_loaded() -> Iterator[list[str]]:
    """The reference of every Screening row the ORM loads from the database meanwhile."""
    loaded: list[str] = []

    def on_load(target, context, *attrs):
        loaded.append(target.reference)

    # "load" for a new object, "refresh" for one this session held (expired) and read again.
    event.listen(Screening, "load", on_load)
    event.listen(Screening, "refresh", on_load)
    try:
        yield loaded
    finally:
        event.remove(Screening, "load", on_load)
        event.remove(Screening, "refresh", on_load)


def _lines(text: str) -> list[dict]:
    assert text.endswith("\n")
    return [json.loads(line) for line in text.split("\n")[:-1]]


# --- CSV ---------------------------------------------------------------------------------------


def test_the_streamed_csv_is_byte_identical_to_to_csv(doctor_client):
    flagged(name="Zoë =Formula")
    make_screening(name="Alex Example")
    stored_2026_11("red_flag_unguided")
    db.session.commit()
    expected = "\ufeff" + exports.to_csv(exports.submitted_between(None, None))
    db.session.expire_all()  # read again by the download itself
    response = doctor_client.get("/clinician/export.csv")
    assert response.status_code == 200
    assert response.data == expected.encode("utf-8")
    assert response.data.count(b"\r\n") >= 4  # header and three rows (one has a note)


def test_the_csv_is_sent_before_the_last_row_is_read(doctor_client, monkeypatch):
    references = [make_screening().reference for _ in range(7)]
    monkeypatch.setattr(exports, "EXPORT_BATCH", 2)
    monkeypatch.setattr(exports, "CHUNK_CHARS", 1)  # every row its own chunk
    db.session.expire_all()
    with screenings_loaded() as loaded:
        response = doctor_client.get("/clinician/export.csv", buffered=False)
        chunks = (c for c in response.response if c)  # the first, empty, is not sent
        assert next(chunks) == "\ufeff".encode()
        header = next(chunks)
        assert header.startswith(b"reference,") and loaded == []  # nothing read yet
        first_row = next(chunks)
        assert first_row.startswith(references[0].encode())
        # One batch read: the rest of the rows are still in the cursor.
        assert loaded == references[:2]
        rest = b"".join(chunks)
        response.close()
    assert loaded == references
    assert rest.count(b"SIJ-") >= 6


def test_the_csv_export_runs_the_same_statements_for_5_and_50_screenings(doctor_client):
    flagged()  # follow-ups and their clinician
    counted = []
    for total in (5, 50):
        while db.session.scalar(select(db.func.count()).select_from(Screening)) < total:
            make_screening(rf_fever="yes")
        db.session.expire_all()
        with statements() as seen:
            response = doctor_client.get("/clinician/export.csv")
            assert response.data.count(b"\nSIJ-") == total
        counted.append(len(seen))
    assert counted[0] == counted[1]
    # Sign-in check, count, references, the export's row, every screening's row, commit, the
    # screenings and their follow-ups: never one per screening.
    assert counted[0] < 20


def test_the_audit_rows_of_an_export_are_written_in_one_statement(doctor_client):
    made = [make_screening() for _ in range(12)]
    with statements() as seen:
        doctor_client.get("/clinician/export.csv").close()
    inserts = [s for s in seen if s.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT")]
    assert len(inserts) == 2  # the export's own row, then one INSERT ... SELECT for the rest
    rows = audit_rows("export_csv")
    assert len(rows) == 13
    span = "from=any to=any"
    refs = ",".join(s.reference for s in made)
    assert rows[0].detail == f"{span} count=12 references={refs}"
    assert rows[0].screening_reference is None
    assert [r.screening_reference for r in rows[1:]] == [s.reference for s in made]
    assert {r.detail for r in rows[1:]} == {f"{span} (one of 12)"}
    assert {(r.actor_email, r.actor_id) for r in rows} == {(rows[0].actor_email, rows[0].actor_id)}
    assert rows[0].actor_email == "doctor@clinic.example"
    assert len({r.at for r in rows}) == 1


def test_the_export_row_cuts_a_long_list_of_references(app):
    from screening.accounts import CLI

    for _ in range(80):  # 80 x 14 characters: more than the detail's 1000
        make_screening()
    download = exports.export_csv(None, None, actor=CLI)
    assert download.count == 80
    summary = db.session.scalar(
        select(AuditEvent).where(AuditEvent.screening_reference.is_(None)).order_by(AuditEvent.id)
    )
    assert summary.detail.startswith("from=any to=any count=80 references=SIJ-")
    assert len(summary.detail) == 1000
    assert len(audit_rows("export_csv")) == 81


# --- FHIR Bulk Data NDJSON -----------------------------------------------------------------------


def _validated(lines: list[dict]) -> None:
    for resource in lines:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_the_ndjson_validates_line_by_line(doctor_client):
    a = make_screening(name="Robin Quill", rf_fever="yes")
    b = stored_2026_11("example")
    db.session.commit()
    response = doctor_client.get("/clinician/export.ndjson")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+ndjson"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    text = response.data.decode("utf-8")
    assert "\n\n" not in text and "  " not in text.split("\n")[0][:200]
    lines = _lines(text)
    _validated(lines)
    kinds = [r["resourceType"] for r in lines]
    # The definitions first: both questionnaires (current first), then their terminology.
    assert kinds[:2] == ["Questionnaire", "Questionnaire"]
    assert [r["version"] for r in lines[:2]] == ["2026.12", "2026.11"]
    first_screening = kinds.index("Patient")
    assert set(kinds[:first_screening]) <= {"Questionnaire", "CodeSystem", "ValueSet"}
    assert kinds.count("Patient") == 2 and kinds.count("QuestionnaireResponse") == 2
    responses = [r for r in lines if r["resourceType"] == "QuestionnaireResponse"]
    # Oldest first: the 2026.11 screening was sent long before.
    assert [r["identifier"]["value"] for r in responses] == [b.reference, a.reference]
    # One Flag for the fever, one per red flag of the 2026.11 screening.
    assert kinds.count("Flag") == 1 + len(b.evaluation["red_flags"])
    # Every resource has an id, every reference points at a line of the file.
    ids = {f"{r['resourceType']}/{r['id']}" for r in lines}
    assert len(ids) == len(lines)
    references = []

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("reference"), str):
                references.append(value["reference"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(lines)
    assert references and not [r for r in references if r.startswith("urn:")]
    assert set(references) <= ids
    [patient] = [r for r in lines if r.get("name") == [{"text": "Robin Quill"}]]
    assert responses[1]["subject"]["reference"] == f"Patient/{patient['id']}"
    assert responses[1]["id"] == a.reference
    assert responses[1]["item"][0]["text"]  # the translated texts made it in
    [summary, *_] = audit_rows("export_fhir")
    assert "count=2" in summary.detail and "Robin" not in summary.detail


def test_the_ndjson_of_one_resource_type(doctor_client):
    make_screening(rf_fever="yes")
    make_screening()
    flags = _lines(doctor_client.get("/clinician/export.ndjson?type=Flag").data.decode())
    assert [r["resourceType"] for r in flags] == ["Flag"]
    _validated(flags)
    patients = doctor_client.get("/clinician/export.ndjson?type=Patient")
    assert patients.headers["Content-Disposition"].endswith('.Patient.ndjson"')
    assert [r["resourceType"] for r in _lines(patients.data.decode())] == ["Patient"] * 2
    questionnaires = _lines(doctor_client.get("/clinician/export.ndjson?type=Questionnaire").text)
    assert [r["version"] for r in questionnaires] == ["2026.12"]
    assert doctor_client.get("/clinician/export.ndjson?type=Bundle").status_code == 400


def test_the_ndjson_and_the_bundle_hold_the_same_resources(app):
    from screening import fhir

    s = flagged()
    bundle = fhir.fhir_collection_bundle([s])
    in_bundle = sorted(e["resource"]["resourceType"] for e in bundle["entry"])
    lines = [*ndjson.definition_resources(["2026.12"]), *ndjson.screening_resources(s)]
    assert sorted(r["resourceType"] for r in lines) == in_bundle


def test_the_ndjson_is_sent_before_the_last_screening_is_read(doctor_client, monkeypatch):
    references = [make_screening().reference for _ in range(5)]
    monkeypatch.setattr(exports, "EXPORT_BATCH", 2)
    monkeypatch.setattr(exports, "CHUNK_CHARS", 1)
    db.session.expire_all()
    with screenings_loaded() as loaded:
        response = doctor_client.get("/clinician/export.ndjson?type=Patient", buffered=False)
        chunks = (c for c in response.response if c)  # the first, empty, is not sent
        first = json.loads(next(chunks))
        assert first["resourceType"] == "Patient"
        assert first["identifier"][0]["value"] == references[0]
        assert loaded == references[:2]
        assert len(list(chunks)) == 4
        response.close()
    assert loaded == references


@pytest.mark.parametrize("path", ["/clinician/export.ndjson", "/clinician/export.fhir.json"])
def test_the_fhir_exports_run_the_same_statements_for_5_and_50_screenings(doctor_client, path):
    flagged()  # follow-ups and their clinician
    counted = []
    for total in (5, 50):
        while db.session.scalar(select(db.func.count()).select_from(Screening)) < total:
            make_screening(rf_fever="yes")
        db.session.expire_all()
        with statements() as seen:
            response = doctor_client.get(path)
            assert response.data.count(b'"resourceType":"QuestionnaireResponse"') == total
        counted.append(len(seen))
    assert counted[0] == counted[1]


def test_question_texts_are_translated_once_per_export(app, monkeypatch):
    from babel.support import LazyProxy

    translated = []
    real = LazyProxy.value

    def counting(self):
        translated.append(self)
        return real.fget(self)

    # Every lazy text of the tree turned into words, whatever translates it.
    monkeypatch.setattr(LazyProxy, "value", property(counting))
    screenings = [make_screening() for _ in range(4)]
    with response.translated_once():
        ndjson.screening_resources(screenings[0])
        first = len(translated)
        for s in screenings[1:]:
            ndjson.screening_resources(s)
    each_after = (len(translated) - first) / 3
    translated.clear()
    ndjson.screening_resources(screenings[0])
    uncached = len(translated)
    # The questionnaire's texts (titles, questions, answer displays) come from the cache after the
    # first screening: what is left are the words made from each one's own answers.
    assert each_after < uncached / 2, (each_after, uncached)


def test_the_bundle_download_is_compact_and_the_same_bundle(doctor_client):
    from screening import fhir

    s = flagged()
    response = doctor_client.get("/clinician/export.fhir.json")
    assert b"\n " not in response.data and b'":"' in response.data
    streamed = response.get_json()
    db.session.expire_all()
    built = fhir.fhir_transaction_bundle([db.session.get(Screening, s.id)])
    for bundle in (streamed, built):
        del bundle["timestamp"]
    assert streamed == built


# --- the export page and the command line --------------------------------------------------------


def test_the_export_page_says_how_many_screenings_the_range_holds(doctor_client):
    old = make_screening()
    old.submitted_at = dt.datetime(2020, 3, 1, 12, tzinfo=dt.UTC)
    db.session.commit()
    make_screening()
    make_screening()
    today = dt.date.today().isoformat()
    page = doctor_client.get(f"/clinician/export?from={today}&to={today}")
    assert f"2 screenings were sent from {today} to {today}." in page.text
    page = doctor_client.get("/clinician/export?from=2020-03-01&to=2020-03-01")
    assert "1 screening was sent from 2020-03-01 to 2020-03-01." in page.text
    assert 'href="/clinician/export.ndjson?type=Observation' in page.text
    # The proposed range (the last 30 days) is counted too; a wrong range is not.
    assert "2 screenings were sent" in doctor_client.get("/clinician/export").text
    wrong = doctor_client.get("/clinician/export?from=2020-03-02&to=2020-03-01")
    assert "were sent" not in wrong.text and "There is a problem" in wrong.text


def test_the_cli_writes_ndjson(app, tmp_path):
    s = make_screening(rf_fever="yes")
    out = tmp_path / "export.ndjson"
    result = app.test_cli_runner().invoke(args=["export-fhir", str(out), "--ndjson"])
    assert result.exit_code == 0, result.output
    assert "wrote an NDJSON file of 1 screening(s)" in result.output
    lines = _lines(out.read_text())
    _validated(lines)
    [qr] = [r for r in lines if r["resourceType"] == "QuestionnaireResponse"]
    assert qr["identifier"]["value"] == s.reference
    assert out.stat().st_mode & 0o077 == 0
    assert len(audit_rows("export_fhir")) == 2
    both = app.test_cli_runner().invoke(args=["export-fhir", "-", "--ndjson", "--collection"])
    assert both.exit_code == 2 and both.output.count("\n") == 1


@pytest.mark.node
def test_a_sample_of_ndjson_lines_is_valid_r4(doctor_client):
    from test_fhir_validation import assert_valid

    flagged()
    stored_2026_11("red_flag_unguided")
    db.session.commit()
    lines = _lines(doctor_client.get("/clinician/export.ndjson").data.decode())
    sample = {}
    for resource in lines:
        kind = resource["resourceType"]
        if kind in ("Patient", "QuestionnaireResponse", "Flag", "Observation", "Questionnaire"):
            sample.setdefault(f"{kind}/{len(sample)}", resource) if sum(
                k.startswith(kind + "/") for k in sample
            ) < 3 else None
    assert_valid(sample)
