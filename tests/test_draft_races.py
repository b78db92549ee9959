"""Once sent, a screening never changes: every write to a draft races safely with a submit.

Real threads, each a browser request on its own connection, on the suite's database (a SQLite
file, or PostgreSQL in CI's second run). Each race is run many times; any run that lets a step
save land on sent answers, gives a 500, or deletes a screening whose patient was told it was
sent, fails the test.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from support import FULL

from screening import drafts
from screening.extensions import db
from screening.models import Screening

RUNS = 25


def _complete_draft() -> Screening:
    screening = drafts.create_draft()
    screening.answers = dict(FULL)
    db.session.commit()
    return screening


# Two tabs of one browser share its cookie; a request sent before the submit's answer arrived
# still carries the cookie without the "sent here" mark, so it is treated as another browser's
# (it sees nothing of the sent screening). Either way nothing changes it.
LOST_RACE = ("/confirmation", "/")


def _browser(app, screening: Screening):
    client = app.test_client()
    with client.session_transaction() as session:
        session["screening_token"] = screening.token
    return client


def _race(*requests):
    """Run the requests at the same moment; return their responses in order."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(i, request):
        barrier.wait()
        try:
            results[i] = request()
        except Exception as e:  # reported by the test, not swallowed
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


# The rest of FULL's "about" page as a browser posts it: the date of birth in three boxes,
# the appointment in three more, height and weight in their metric boxes.
ABOUT_BOXES = {
    "date_of_birth-day": "14",
    "date_of_birth-month": "5",
    "date_of_birth-year": "1972",
    "height_cm": "170",
    "weight_kg": "72",
    "appointment_date-day": "10",
    "appointment_date-month": "12",
    "appointment_date-year": "2026",
}


def _row(screening_id: int) -> Screening | None:
    db.session.expire_all()
    return db.session.get(Screening, screening_id)


@pytest.mark.parametrize("run", range(RUNS))
def test_a_step_save_racing_a_submit_never_changes_the_sent_answers(app, run):
    screening = _complete_draft()
    sender, other_tab = _browser(app, screening), _browser(app, screening)
    new_name = f"Changed In Another Tab {run}"
    about = {"name": new_name, **ABOUT_BOXES}

    submit, save = _race(
        lambda: sender.post("/check"),
        lambda: other_tab.post("/step/about", data=about),
    )

    assert not isinstance(submit, Exception) and not isinstance(save, Exception), (submit, save)
    assert submit.status_code == 302 and submit.location == "/confirmation"
    assert save.status_code in (302, 400)  # 400: "your session ended", nothing saved
    row = _row(screening.id)
    assert row.status == "submitted"
    # What was compared is what is stored: the name the evaluation was made with is the name
    # in the answers, whichever request came first.
    assert row.answers["name"] == row.patient_name
    if save.status_code == 400 or save.location in LOST_RACE:
        # The save lost the race: the sent answers are the ones from before it.
        assert row.answers["name"] == FULL["name"]
    else:
        # The save won: it was sent with the change, and the tab carried on.
        assert save.location == "/step/pain"
        assert row.answers["name"] == new_name


@pytest.mark.parametrize("run", range(RUNS))
def test_a_submit_racing_a_delete_never_500s_nor_deletes_what_was_sent(app, run):
    screening = _complete_draft()
    sender, deleter = _browser(app, screening), _browser(app, screening)

    submit, delete = _race(lambda: sender.post("/check"), lambda: deleter.post("/delete"))

    assert not isinstance(submit, Exception) and not isinstance(delete, Exception), (submit, delete)
    assert submit.status_code == 302 and delete.status_code == 302
    row = _row(screening.id)
    if submit.location == "/confirmation":
        # The patient was told it was sent: it exists, sent, and the delete said so too.
        assert row is not None and row.status == "submitted"
        assert delete.location in LOST_RACE
    else:
        # Deleted first: the submit found it gone (mid-request, or before it began).
        assert submit.location in ("/deleted", "/")
        assert delete.location == "/deleted"
        assert row is None


@pytest.mark.parametrize("run", range(RUNS // 5))
def test_two_tabs_saving_different_steps_at_once_both_keep_their_answers(app, run):
    screening = _complete_draft()
    one, two = _browser(app, screening), _browser(app, screening)
    about = {"name": "Tab One", **ABOUT_BOXES}
    scores = {"pain_average": "3", "pain_interference": "2"}

    first, second = _race(
        lambda: one.post("/step/about", data=about),
        lambda: two.post("/step/pain_scores", data=scores),
    )

    assert first.status_code == 302 and second.status_code == 302
    row = _row(screening.id)
    assert row.answers["name"] == "Tab One"
    assert row.answers["date_of_birth"] == FULL["date_of_birth"] == "1972-05-14"
    assert row.answers["appointment_date"] == FULL["appointment_date"] == "2026-12-10"
    assert row.answers["pain_average"] == 3 and row.answers["pain_interference"] == 2


def test_a_resume_code_is_never_issued_for_a_sent_screening(app):
    screening = _complete_draft()
    drafts.submit(screening)
    db.session.commit()
    with pytest.raises(drafts.AlreadySubmitted):
        drafts.issue_resume_code(screening, app.config["SECRET_KEY"])
    db.session.rollback()
    assert db.session.scalar(select(Screening.resume_code_hash)) is None


def test_a_stale_copy_of_a_sent_screening_cannot_be_saved_over_it(app):
    """The object a request loaded as a draft is sent by another request, then saved."""
    screening = _complete_draft()
    stale = db.session.get(Screening, screening.id)
    # Another request sends it behind this session's back.
    with app.app_context():
        other = db.session.get(Screening, screening.id)
        drafts.submit(other)
        db.session.commit()
    assert stale.status == "draft"  # this session has not seen it yet
    with pytest.raises(drafts.AlreadySubmitted):
        drafts.save_step(stale, "about", {"name": "Too Late"})
    db.session.rollback()
    assert _row(screening.id).answers["name"] == FULL["name"]
