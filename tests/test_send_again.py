"""Sending again (issue 13, item 2): after sending, "Start now" on the same device says so.

The patient sees when they sent and their reference, and that changes go to the clinic; a new
screening only on purpose ("Start a new screening"), linked to the earlier one, which never
changes. The clinician sees both, each linking to the other, with the answers that differ.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import re

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, update
from support import FULL, csrf_token, full, sent_from
from support.clinic import audit_rows, make_clinician, sign_in, stored_2026_11

from screening import drafts
from screening.changes import Change, between
from screening.extensions import db
from screening.models import Screening
from screening.presenter import AnswerRow, AnswerSection

INTERRUPTION = "You have already sent your answers"
NEW_SCREENING = "Start a new screening"


def _long(day: dt.date) -> str:
    """A date as the pages write it, worked out here: 22 November 2026."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def _count() -> int:
    return db.session.scalar(select(func.count(Screening.id)))


def _row(screening_id: int) -> dict:
    """Every column of a screening as stored."""
    db.session.expire_all()
    table = Screening.__table__
    return dict(
        db.session.execute(select(table).where(table.c.id == screening_id)).mappings().one()
    )


def _newest() -> Screening:
    db.session.expire_all()
    return db.session.scalar(select(Screening).order_by(Screening.id.desc()))


def _sent_at(screening: Screening, when: dt.datetime) -> None:
    db.session.execute(
        update(Screening).values(submitted_at=when).where(Screening.id == screening.id)
    )
    db.session.commit()


def _send_again(client, sent: Screening, answers: dict) -> Screening:
    """Start now, Start a new screening, then send `answers` from the new draft."""
    assert INTERRUPTION in client.post("/start").text
    started = client.post("/start/new", data={"reference": sent.reference})
    assert started.status_code == 302 and started.location.startswith("/step/")
    new = _newest()
    db.session.execute(update(Screening).values(answers=answers).where(Screening.id == new.id))
    db.session.commit()
    assert client.post("/check").location == "/confirmation"
    db.session.expire_all()
    return db.session.get(Screening, new.id)


# --- the patient ---------------------------------------------------------------------------


def test_start_now_after_sending_says_when_and_gives_the_reference(client):
    sent = sent_from(client)
    before = _count()
    page = client.post("/start")
    assert page.status_code == 200
    html = page.text
    assert INTERRUPTION in html
    assert f"You sent answers on {_long(sent.submitted_at.date())}." in html
    assert f"Your reference is {sent.reference}." in html
    assert "If something has changed, tell the clinic." in html
    assert "Contact the clinic that sent you the link" in html
    # Two ways on: back to the start, or a new screening on purpose (a POST).
    assert re.search(r'<a href="/" class="button[^"]*"[^>]*>Go back to the start</a>', html)
    assert re.search(r'<form method="post" action="/start/new"', html)
    assert f'name="reference" value="{sent.reference}"' in html
    assert _count() == before  # nothing was started


def test_it_is_still_said_after_the_sent_session_ended(client, app):
    sent = sent_from(client)
    minutes = app.config["SENT_SESSION_MINUTES"]
    _sent_at(sent, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes + 1))
    # The answers cannot be read here any more...
    assert client.get("/confirmation").status_code == 302
    assert client.get("/summary").status_code == 404
    # ...but Start now still says that they were sent, with the day and reference.
    html = client.post("/start").text
    assert INTERRUPTION in html and sent.reference in html
    # The cookie keeps the reference and the time sent: no token, no name, no answers.
    with client.session_transaction() as session:
        kept = dict(session)
    assert kept["sent_before"][0] == sent.reference
    assert sent.token not in json.dumps(kept)
    assert FULL["name"] not in json.dumps(kept)
    assert set(kept) <= {"sent_before", "_permanent", "_fresh", "csrf_token"}


def test_the_marker_lasts_the_session_lifetime_from_sending_not_from_later_visits(client, app):
    sent = sent_from(client)
    lifetime = dt.timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"])
    now = dt.datetime.now(dt.UTC)

    def sent_ago(delta: dt.timedelta) -> None:
        with client.session_transaction() as session:
            when = (now - delta).isoformat(timespec="seconds")
            session["sent_before"] = [sent.reference, when]

    sent_ago(lifetime - dt.timedelta(minutes=5))
    assert INTERRUPTION in client.post("/start").text
    sent_ago(lifetime + dt.timedelta(minutes=1))
    started = client.post("/start")
    assert started.status_code == 302 and started.location.startswith("/step/")
    assert _newest().replaces_id is None
    with client.session_transaction() as session:
        assert "sent_before" not in session


def test_a_device_that_sent_nothing_starts_at_once(client, app):
    sent_from(client)
    other = app.test_client()
    started = other.post("/start")
    assert started.status_code == 302 and started.location.startswith("/step/")
    assert _newest().replaces_id is None


def test_finish_and_close_forgets_it_so_the_next_person_learns_nothing(client):
    sent = sent_from(client)
    assert client.post("/finish").location == "/finished"
    with client.session_transaction() as session:
        assert dict(session) == {}
    started = client.post("/start")
    assert started.status_code == 302 and started.location.startswith("/step/")
    assert sent.reference not in client.get(started.location).text
    assert _newest().replaces_id is None


def test_a_new_screening_is_linked_to_the_earlier_one_which_never_changes(client):
    sent = sent_from(client)
    stored = _row(sent.id)
    new = _send_again(client, sent, full(pain_average=4))
    assert new.id != sent.id
    assert new.status == "submitted" and new.replaces_id == sent.id
    assert new.reference != sent.reference
    assert _row(sent.id) == stored  # the earlier screening, exactly as it was sent
    assert stored["replaces_id"] is None
    # Start now now names the newer one; a third links to the second.
    html = client.post("/start").text
    assert f"Your reference is {new.reference}." in html
    third = _send_again(client, new, full(pain_average=5))
    assert third.replaces_id == new.id
    assert _row(sent.id) == stored


def test_the_new_draft_is_linked_as_soon_as_it_is_started(client):
    sent = sent_from(client)
    client.post("/start")
    client.post("/start/new", data={"reference": sent.reference})
    draft = _newest()
    assert draft.status == "draft" and draft.replaces_id == sent.id
    assert draft.answers == {}
    # The sent one is no longer readable from this browser: it now holds the new draft.
    assert client.get("/summary").status_code == 404


def test_a_start_new_post_without_the_marker_gets_a_friendly_page(client):
    before = _count()
    response = client.post("/start/new", data={"reference": "SIJ-AAAA-AAAA"})
    assert response.status_code == 400
    assert "We could not start new answers" in response.text
    assert 'href="/"' in response.text
    assert _count() == before


def test_a_tampered_reference_starts_nothing_and_shows_the_real_one(client):
    sent = sent_from(client)
    before = _count()
    for data in ({"reference": "SIJ-XXXX-XXXX"}, {}, {"reference": sent.reference.lower()}):
        response = client.post("/start/new", data=data)
        assert response.status_code == 400
        assert INTERRUPTION in response.text and sent.reference in response.text
    assert _count() == before


def test_start_new_needs_the_csrf_token_and_works_with_it(csrf_app):
    client = csrf_app.test_client()
    token = csrf_token(client.get("/").text)
    assert client.post("/start", data={"csrf_token": token}).status_code == 302
    draft = _newest()
    db.session.execute(update(Screening).values(answers=dict(FULL)).where(Screening.id == draft.id))
    db.session.commit()
    check = client.get("/check").text
    assert client.post("/check", data={"csrf_token": csrf_token(check)}).status_code == 302
    page = client.post("/start", data={"csrf_token": token})
    assert INTERRUPTION in page.text
    before = _count()
    sent = _newest()
    # Without the token: the friendly error page, nothing started.
    refused = client.post("/start/new", data={"reference": sent.reference})
    assert refused.status_code == 400
    assert "Something was wrong with that request" in refused.text
    assert _count() == before
    # With the page's own token: a new draft, linked.
    form_token = csrf_token(page.text.split('action="/start/new"', 1)[1])
    started = client.post(
        "/start/new", data={"csrf_token": form_token, "reference": sent.reference}
    )
    assert started.status_code == 302
    assert _newest().replaces_id == sent.id


# --- the clinician -------------------------------------------------------------------------


def _related_section(html: str) -> str:
    match = re.search(r'<section class="clinician-related".*?</section>', html, re.S)
    assert match, "no related section on the page"
    return match.group(0)


def _change_rows(section: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(
        r'<dt class="summary-list__key">(.*?)</dt>\s*<dd class="summary-list__value">'
        r'<span class="clinician-changes__before">(.*?)</span>.*?'
        r'<span class="clinician-changes__after">(.*?)</span></dd>',
        section,
        re.S,
    )
    return {label: (before, after) for label, before, after in rows}


def test_the_clinician_sees_both_each_linking_to_the_other_with_what_changed(client, app):
    sent = sent_from(client)
    new = _send_again(client, sent, full(pain_average=4, pain_side="both"))
    _sent_at(sent, dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC))
    _sent_at(new, dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.UTC))
    clinician = app.test_client()
    make_clinician()
    sign_in(clinician)

    newer_page = clinician.get(f"/clinician/screenings/{new.reference}")
    assert newer_page.status_code == 200
    section = _related_section(newer_page.text)
    assert (
        f'Replaces <a href="/clinician/screenings/{sent.reference}">{sent.reference}</a> '
        "(sent 22 November 2026)"
    ) in section
    assert "Replaced by" not in section
    assert f"What changed from {sent.reference} to {new.reference}" in section
    assert _change_rows(section) == {
        "Which side is the pain on?": ("Left side", "Both sides"),
        "Over the past week, how bad was your pain on average?": ("7 out of 10", "4 out of 10"),
    }
    # Near the top: right after the heading, before the patient's details.
    assert newer_page.text.index("clinician-related") < newer_page.text.index("review-status")

    earlier_page = clinician.get(f"/clinician/screenings/{sent.reference}")
    section = _related_section(earlier_page.text)
    assert (
        f'Replaced by <a href="/clinician/screenings/{new.reference}">{new.reference}</a> '
        "(sent 25 November 2026)"
    ) in section
    assert "Replaces" not in section
    assert len(_change_rows(section)) == 2

    # Reading the other screening's answers is an access to it, and recorded.
    related = [(r.screening_reference, r.detail) for r in audit_rows("view_related")]
    assert related == [(sent.reference, new.reference), (new.reference, sent.reference)]


def _worklist_row(page: str, reference: str) -> str:
    start = page.index(f">{reference}</a>")
    return page[start : page.index("</tr>", start)]


def test_the_worklist_row_says_which_one_replaces_which(client, app):
    sent = sent_from(client)
    new = _send_again(client, sent, full(pain_average=4))
    third = _send_again(client, new, full(pain_average=3))
    once = sent_from(app.test_client())
    clinician = app.test_client()
    make_clinician()
    sign_in(clinician)

    page = clinician.get("/clinician/").text
    assert f"Replaced by {new.reference}" in _worklist_row(page, sent.reference)
    assert "Replaces" not in _worklist_row(page, sent.reference)
    middle = _worklist_row(page, new.reference)
    assert f"Replaced by {third.reference}" in middle and f"Replaces {sent.reference}" in middle
    assert f"Replaces {new.reference}" in _worklist_row(page, third.reference)
    assert "Replaced by" not in _worklist_row(page, third.reference)
    assert "Replace" not in _worklist_row(page, once.reference)


def test_the_csv_export_names_the_screening_each_one_replaces(client, app):
    sent = sent_from(client)
    new = _send_again(client, sent, full(pain_average=4))
    once = sent_from(app.test_client())
    clinician = app.test_client()
    make_clinician()
    sign_in(clinician)
    text = clinician.get("/clinician/export.csv", query_string={"from": "2000-01-01"}).text
    rows = {r["reference"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    assert rows[new.reference]["replaces"] == sent.reference
    assert rows[sent.reference]["replaces"] == ""
    assert rows[once.reference]["replaces"] == ""


def test_a_draft_replacing_one_is_not_named_on_the_worklist(client, app):
    sent = sent_from(client)
    client.post("/start")
    client.post("/start/new", data={"reference": sent.reference})
    clinician = app.test_client()
    make_clinician()
    sign_in(clinician)
    assert "Replaced by" not in _worklist_row(clinician.get("/clinician/").text, sent.reference)


def test_a_screening_sent_once_shows_nothing_of_this(client, app):
    sent = sent_from(client)
    make_clinician()
    clinician = app.test_client()
    sign_in(clinician)
    html = clinician.get(f"/clinician/screenings/{sent.reference}").text
    assert "clinician-related" not in html and "Replace" not in html
    assert audit_rows("view_related") == []


def test_a_draft_replacing_a_screening_is_not_shown_to_the_clinician(client, app):
    sent = sent_from(client)
    client.post("/start")
    client.post("/start/new", data={"reference": sent.reference})
    make_clinician()
    clinician = app.test_client()
    sign_in(clinician)
    html = clinician.get(f"/clinician/screenings/{sent.reference}").text
    assert "Replaced by" not in html


def test_answers_under_different_versions_are_each_worded_by_their_own_release(client, app):
    earlier = stored_2026_11("example")
    new = drafts.create_draft(replaces=earlier.reference)
    new.answers = dict(FULL)
    drafts.submit(new)
    db.session.commit()
    assert new.replaces_id == earlier.id
    make_clinician()
    sign_in(client)
    rows = _change_rows(_related_section(client.get(f"/clinician/screenings/{new.reference}").text))
    # Asked only by 2026.11, in its words; asked only by 2026.12, in its words.
    assert rows["How many months have you had this pain?"] == ("18 months", "Not asked")
    assert rows["When did this pain start?"] == ("Not asked", "May 2025")
    # Asked by both and answered the same: not a change.
    assert "Over the past week, how bad was your pain on average?" not in rows


def test_retention_deleting_the_earlier_one_leaves_the_newer_one_unlinked(client):
    sent = sent_from(client)
    new = _send_again(client, sent, full(pain_average=4))
    db.session.execute(sa.delete(Screening).where(Screening.id == sent.id))
    db.session.commit()
    assert _row(new.id)["replaces_id"] is None


# --- what changed, the pure function -----------------------------------------------------------


def _section(key: str, *rows: tuple[str, str, str | None]) -> AnswerSection:
    return AnswerSection(
        key, key.title(), tuple(AnswerRow(k, f"Label {k}", v, True, step=s) for k, v, s in rows)
    )


def test_between_lists_only_the_answers_that_differ_in_the_newer_order():
    earlier = [
        _section("a", ("same", "1", "p"), ("moved", "x", "p"), ("gone", "old", "p")),
        _section("b", ("age", "40", None)),
    ]
    newer = [
        _section("a", ("added", "new", "p"), ("moved", "y", "p"), ("same", "1", "p")),
        _section("b", ("age", "41", None)),  # derived rows are not answers
    ]
    assert between(earlier, newer) == (
        Change("added", "Label added", "Not asked", "new"),
        Change("moved", "Label moved", "x", "y"),
        Change("gone", "Label gone", "old", "Not asked"),
    )
    assert between(newer, newer) == ()


# --- the migration --------------------------------------------------------------------------------


def test_migration_0006_adds_the_link_and_removes_it_keeping_every_row(migrated_app):
    def columns() -> set[str]:
        return {c["name"] for c in sa.inspect(db.engine).get_columns("screening")}

    assert "replaces_id" in columns()
    downgrade(revision="0005")
    assert "replaces_id" not in columns()
    insert = (
        "INSERT INTO screening (id, token, status, answers, created_at, updated_at, "
        "has_red_flags, revision, questionnaire_version) VALUES "
        "(:id, :token, 'submitted', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, false, 0, "
        "'2026.12')"
    )
    with db.engine.begin() as conn:
        for i in (1, 2):
            conn.execute(sa.text(insert), {"id": i, "token": f"t-{i}"})
        conn.execute(
            sa.text(
                "INSERT INTO follow_up (screening_id, created_at, action) "
                "VALUES (2, CURRENT_TIMESTAMP, 'called')"
            )
        )
    upgrade(revision="0006")
    assert "replaces_id" in columns()
    with db.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT replaces_id FROM screening")).scalars().all() == [
            None,
            None,
        ]
        conn.execute(sa.text("UPDATE screening SET replaces_id = 1 WHERE id = 2"))
        # Deleting the earlier one empties the link (ON DELETE SET NULL).
        conn.execute(sa.text("DELETE FROM screening WHERE id = 1"))
        assert (
            conn.execute(sa.text("SELECT replaces_id FROM screening WHERE id = 2")).scalar_one()
            is None
        )
        conn.execute(sa.text("UPDATE screening SET replaces_id = 2 WHERE id = 2"))
    # Copying the table on SQLite must not take the follow-up (ON DELETE CASCADE) with it.
    downgrade(revision="0005")
    assert "replaces_id" not in columns()
    with db.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM follow_up")).scalar_one() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM screening")).scalar_one() == 1
        conn.execute(sa.text("DELETE FROM follow_up"))
        conn.execute(sa.text("DELETE FROM screening"))
    upgrade()


def test_the_newer_pdf_says_which_screening_it_replaces(client, app):
    import io

    import pypdf

    from screening import pdf

    sent = sent_from(client)
    new = _send_again(client, sent, full(pain_average=4))
    _sent_at(sent, dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC))

    def text(screening: Screening) -> str:
        data = pdf.get_or_render_pdf(db.session.get(Screening, screening.id))
        pages = pypdf.PdfReader(io.BytesIO(data)).pages
        return " ".join(" ".join(p.extract_text().split()) for p in pages)

    first_page = text(new).split("At a glance")[0]
    assert (
        f"Replaces {sent.reference} (sent 22 November 2026): the patient sent answers again."
        in first_page
    )
    assert "Replaces" not in text(sent)  # the earlier one is never changed
