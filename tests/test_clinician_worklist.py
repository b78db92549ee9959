"""Worklist, a screening's page, the PDF download and review; each access audited."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from support import csrf_token
from support.clinic import (
    audit_rows,
    form_group,
    make_clinician,
    make_draft,
    make_screening,
    sign_in,
)

from screening.extensions import db
from screening.models import Screening

URGENT_FLAG = {"id": "rf_fever", "level": "urgent", "text": "High temperature"}
EMERGENCY_FLAG = {"id": "rf_bladder_bowel", "level": "emergency", "text": "Bladder problems"}


@pytest.fixture
def doctor_client(app, client):
    """A client signed in as a clinician."""
    make_clinician()
    assert sign_in(client).status_code == 302
    return client


def _submitted_at(screening: Screening, when: dt.datetime) -> None:
    screening.submitted_at = when
    db.session.commit()


def flagged(level: str | None, name: str, **answers) -> Screening:
    """A sent screening with red flags stored as the safety-first release stores them."""
    s = make_screening(name=name, **answers)
    flags = {"emergency": [EMERGENCY_FLAG, URGENT_FLAG], "urgent": [URGENT_FLAG], None: []}
    s.red_flag_level = level
    s.has_red_flags = level is not None
    s.overall = "urgent" if level else s.overall
    s.evaluation = {**s.evaluation, "red_flags": flags[level]}
    db.session.commit()
    return s


def test_worklist_shows_submitted_screenings_newest_first_never_drafts(doctor_client):
    older = make_screening(name="Older Patient")
    newer = make_screening(name="Newer Patient", appointment_date="2026-12-24")
    _submitted_at(older, dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC))
    _submitted_at(newer, dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC))
    make_draft(name="Draft Person")
    page = doctor_client.get("/clinician/").text
    assert page.index(newer.reference) < page.index(older.reference)
    assert "Newer Patient" in page and "2026-12-24" in page and "2026-11-02 09:00" in page
    assert "Draft Person" not in page
    assert "Not reviewed" in page
    # Each profile's main criteria counted, stricter first (FULL meets every one of both).
    row = _row(page, newer.reference)
    assert row.index("Published policies (a composite)") < row.index(
        "What the patient articles mention"
    )
    assert row.count("<dd>9 of 9 met, 0 not met, 0 not known</dd>") == 1
    assert row.count("<dd>4 of 4 met, 0 not met, 0 not known</dd>") == 1
    assert "0 points to discuss" in row
    assert "Every main criterion met" not in row  # counts, not the lenient outcome alone


def test_worklist_is_paginated(doctor_client):
    for i in range(27):
        make_screening(name=f"Patient {i:02d}")
    first = doctor_client.get("/clinician/").text
    assert first.count("/clinician/screenings/SIJ-") == 25
    assert "Page 1 of 2" in first
    # Keyset pages: "Next page" carries a cursor (an old ?page= number is ignored).
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    second = doctor_client.get(html.unescape(next_link)).text
    assert second.count("/clinician/screenings/SIJ-") == 2
    assert "Page 2 of 2" in second and 'rel="next"' not in second
    assert doctor_client.get("/clinician/?page=99").status_code == 200


def _row(page: str, reference: str) -> str:
    start = page.rindex("<tr", 0, page.index(reference))
    return page[start : page.index("</tr>", start)]


def test_red_flags_stand_out_and_can_be_filtered(doctor_client):
    urgent = flagged("emergency", "Urgent Person")
    calm = make_screening(name="Calm Person")
    page = doctor_client.get("/clinician/").text
    assert "clinician-row--red-flag" in _row(page, urgent.reference)
    assert "Emergency red flag" in _row(page, urgent.reference)  # words, not colour only
    assert "red-flag" not in _row(page, calm.reference)
    only = doctor_client.get("/clinician/?red_flags=1").text
    assert urgent.reference in only and calm.reference not in only
    by_outcome = doctor_client.get("/clinician/?outcome=urgent").text
    assert urgent.reference in by_outcome and calm.reference not in by_outcome


def test_red_flags_come_first_emergency_then_urgent_each_newest_first(doctor_client):
    made = {
        "calm_new": make_screening(name="Calm New"),
        "urgent_old": flagged("urgent", "Urgent Old"),
        "emergency_old": flagged("emergency", "Emergency Old"),
        "calm_old": make_screening(name="Calm Old"),
        "urgent_new": flagged("urgent", "Urgent New"),
        "emergency_new": flagged("emergency", "Emergency New"),
    }
    hours = {"old": 1, "new": 5}
    for key, s in made.items():
        when = dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC) + dt.timedelta(hours=hours[key[-3:]])
        _submitted_at(s, when)
    page = doctor_client.get("/clinician/").text
    order = sorted(made, key=lambda k: page.index(made[k].reference))
    assert order == [
        "emergency_new",
        "emergency_old",
        "urgent_new",
        "urgent_old",
        "calm_new",
        "calm_old",
    ]
    # Each red flag's level in words, in its row.
    assert "Emergency red flag" in _row(page, made["emergency_old"].reference)
    assert "Urgent red flag" in _row(page, made["urgent_new"].reference)
    assert "Emergency" not in _row(page, made["urgent_new"].reference)
    assert "No follow-up yet" in _row(page, made["urgent_new"].reference)
    assert "follow-up" not in _row(page, made["calm_new"].reference).lower()
    # Newest first, whatever the red flags, when asked.
    newest = doctor_client.get("/clinician/?sort=newest").text
    assert newest.index(made["calm_new"].reference) < newest.index(made["emergency_old"].reference)
    assert '<option value="newest" selected>' in newest
    # One level only.
    urgent = doctor_client.get("/clinician/?red_flags=urgent").text
    assert [k for k in made if made[k].reference in urgent] == ["urgent_old", "urgent_new"]
    emergency = doctor_client.get("/clinician/?red_flags=emergency&sort=newest").text
    assert [k for k in made if made[k].reference in emergency] == [
        "emergency_old",
        "emergency_new",
    ]
    assert '<option value="emergency" selected>' in emergency


def test_a_followed_up_red_flag_says_so_in_the_worklist(doctor_client):
    s = flagged("urgent", "Urgent Person")
    doctor_client.post(
        f"/clinician/screenings/{s.reference}/follow-up", data={"action": "patient_contacted"}
    )
    row = _row(doctor_client.get("/clinician/").text, s.reference)
    assert "Followed up" in row and "No follow-up yet" not in row


def test_search_by_reference_or_name(doctor_client):
    alex = make_screening(name="Alex Example")
    sam = make_screening(name="Sam Other")
    by_name = doctor_client.get("/clinician/?q=alex").text
    assert alex.reference in by_name and sam.reference not in by_name
    plain = sam.reference.replace("-", "").lower()
    by_ref = doctor_client.get(f"/clinician/?q={plain}").text
    assert sam.reference in by_ref and alex.reference not in by_ref
    none = doctor_client.get("/clinician/?q=%25").text  # a LIKE wildcard matches nothing
    assert alex.reference not in none and "No submitted screenings match" in none


def test_filter_by_reviewed(doctor_client):
    seen = make_screening(name="Seen Person")
    unseen = make_screening(name="Unseen Person")
    doctor_client.post(f"/clinician/screenings/{seen.reference}/review")
    yes = doctor_client.get("/clinician/?reviewed=yes").text
    no = doctor_client.get("/clinician/?reviewed=no").text
    assert seen.reference in yes and unseen.reference not in yes
    assert unseen.reference in no and seen.reference not in no


def test_searches_are_audited_without_the_search_words(doctor_client):
    alex = make_screening(name="Alex Example")
    doctor_client.get("/clinician/?q=Alex+Example&reviewed=no")
    doctor_client.get(f"/clinician/?q={alex.reference}")
    searches = audit_rows("search")
    assert len(searches) == 2
    assert "query=yes" in searches[0].detail and "reviewed=no" in searches[0].detail
    assert "results=1" in searches[0].detail
    assert f"shown={alex.reference}" in searches[0].detail
    assert searches[1].screening_reference == alex.reference
    for row in audit_rows():
        assert "Alex" not in (row.detail or "")
    assert len(audit_rows("worklist")) == 0
    doctor_client.get("/clinician/")
    assert len(audit_rows("worklist")) == 1


def test_screening_page_shows_the_summary_and_is_audited(doctor_client):
    s = flagged("urgent", "Alex Example")
    page = doctor_client.get(f"/clinician/screenings/{s.reference}")
    assert page.status_code == 200
    text = page.text
    assert s.reference in text and "Alex Example" in text
    assert "At a glance" in text and "All answers" in text  # the summary's sections
    assert "Mark as reviewed" in text
    assert f"/clinician/screenings/{s.reference}/summary.pdf" in text
    assert "Urgent red flag" in text and "High temperature" in text
    assert page.headers["Cache-Control"] == "no-store"
    [view] = audit_rows("view")
    assert view.screening_reference == s.reference
    assert view.actor_email == "doctor@clinic.example"


def test_lowercase_reference_finds_the_screening(doctor_client):
    s = make_screening()
    assert doctor_client.get(f"/clinician/screenings/{s.reference.lower()}").status_code == 200


def test_unknown_reference_and_drafts_are_404(doctor_client):
    assert doctor_client.get("/clinician/screenings/SIJ-AAAA-AAAA").status_code == 404
    draft = make_draft()
    assert draft.reference is None
    assert doctor_client.get(f"/clinician/screenings/{draft.token}").status_code == 404
    assert doctor_client.get("/clinician/screenings/SIJ-AAAA-AAAA/summary.pdf").status_code == 404
    assert doctor_client.post("/clinician/screenings/SIJ-AAAA-AAAA/review").status_code == 404
    assert audit_rows("view") == []


def test_pdf_download_is_an_audited_attachment(doctor_client):
    s = make_screening()
    response = doctor_client.get(f"/clinician/screenings/{s.reference}/summary.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    [row] = audit_rows("pdf_download")
    assert row.screening_reference == s.reference


def test_printable_summary_is_audited(doctor_client):
    s = make_screening()
    response = doctor_client.get(f"/clinician/screenings/{s.reference}/summary")
    assert response.status_code == 200
    assert s.reference in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert audit_rows("view_summary")[0].screening_reference == s.reference


def test_mark_as_reviewed_records_who_and_when(doctor_client):
    s = make_screening()
    before = dt.datetime.now(dt.UTC)
    response = doctor_client.post(f"/clinician/screenings/{s.reference}/review")
    assert response.status_code == 302
    db.session.expire_all()
    reviewed = db.session.get(Screening, s.id)
    assert reviewed.reviewed_by.email == "doctor@clinic.example"
    at = reviewed.reviewed_at.replace(tzinfo=reviewed.reviewed_at.tzinfo or dt.UTC)
    assert at >= before - dt.timedelta(seconds=1)
    [row] = audit_rows("review")
    assert row.screening_reference == s.reference
    page = doctor_client.get(f"/clinician/screenings/{s.reference}").text
    assert "Reviewed by doctor@clinic.example" in page
    assert "Mark as reviewed" not in page
    # A second click keeps the first review.
    doctor_client.post(f"/clinician/screenings/{s.reference}/review")
    assert len(audit_rows("review")) == 1


def test_review_needs_post(doctor_client):
    s = make_screening()
    assert doctor_client.get(f"/clinician/screenings/{s.reference}/review").status_code == 405


def test_review_needs_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_clinician()
        ref = make_screening().reference
        db.session.remove()
    client = app.test_client()
    token = csrf_token(client.get("/clinician/login").text)
    sign_in(client, csrf_token=token)
    assert client.post(f"/clinician/screenings/{ref}/review").status_code == 400
    page = client.get(f"/clinician/screenings/{ref}").text
    token = csrf_token(page[page.index('action="/clinician/screenings/') :])
    response = client.post(f"/clinician/screenings/{ref}/review", data={"csrf_token": token})
    assert response.status_code == 302


def test_no_audit_row_contains_answers(doctor_client):
    s = make_screening(name="Zebediah Quux", rf_bladder_bowel="yes")
    ref = s.reference
    doctor_client.get("/clinician/?q=Zebediah")
    doctor_client.get(f"/clinician/screenings/{ref}")
    doctor_client.get(f"/clinician/screenings/{ref}/summary.pdf")
    doctor_client.post(f"/clinician/screenings/{ref}/review")
    doctor_client.post(
        f"/clinician/screenings/{ref}/follow-up",
        data={"action": "patient_contacted", "note": "Zebediah has bladder trouble"},
    )
    doctor_client.get("/clinician/export.csv")
    doctor_client.get("/clinician/export.fhir.json")
    doctor_client.post("/clinician/logout")
    rows = audit_rows()
    assert {r.action for r in rows} >= {
        "sign_in",
        "search",
        "view",
        "pdf_download",
        "review",
        "follow_up",
        "export_csv",
        "export_fhir",
        "sign_out",
    }
    forbidden = ["Zebediah", "Quux", "bladder", "1972-05-14", "lower_back", "Example"]
    for row in rows:
        text = " ".join(str(v) for v in (row.detail, row.actor_email, row.screening_reference))
        for word in forbidden:
            assert word not in text, (row.action, text)


def _summary(page: str) -> str:
    return page.split('class="error-summary__list"', 1)[1].split("</ul>", 1)[0]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-11-02&to=2026-11-01", "The end date must be the same as or after the start"),
        ("from=2026-11-01&to=2026-11-31", "Enter the end date as a real date"),
    ],
)
def test_an_end_date_error_is_shown_at_the_end_date(doctor_client, query, message):
    response = doctor_client.get(f"/clinician/export.csv?{query}")
    assert response.status_code == 302
    page = doctor_client.get(response.headers["Location"]).text
    assert "<title>Error:" in page
    summary = _summary(page)
    assert 'href="#to"' in summary and 'href="#from"' not in summary and message in summary
    end = form_group(page, "to")
    assert "form-group--error" in end and "input--error" in end
    assert 'class="error-message" id="to-error"' in end
    assert f'<span class="visually-hidden">Error:</span> {message}' in end
    assert 'aria-describedby="to-hint to-error"' in end
    start = form_group(page, "from")
    assert "form-group--error" not in start and "error-message" not in start


def test_each_date_error_is_shown_at_its_own_field(doctor_client):
    page = doctor_client.get("/clinician/export?from=2026-13-01&to=2026-02-30").text
    summary = _summary(page)
    assert summary.index('href="#from"') < summary.index('href="#to"')
    assert "Enter the start date as a real date" in form_group(page, "from")
    assert "Enter the end date as a real date" in form_group(page, "to")
    assert "start date" not in form_group(page, "to")


def test_a_name_typed_with_a_separate_accent_finds_the_stored_name(doctor_client):
    make_screening(name="José Núñez")  # stored composed (NFC)
    # The same name typed with combining accents (NFD), as some keyboards send it.
    html = doctor_client.get("/clinician/", query_string={"q": "Jose\u0301 Nu\u0301n\u0303ez"}).text
    assert "José Núñez" in html
