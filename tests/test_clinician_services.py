"""The clinician-side services, without the web: accounts, worklist, review, exports, audit trail.

Each action writes exactly one audit row (an export: one, plus one per screening), naming the
actor it was given, whoever calls it: the web admin pages and the command line share the account
actions. Expected values are written out by hand.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from support.clinic import (
    ADMIN_PASSWORD,
    PASSWORD,
    audit_rows,
    make_clinician,
    make_draft,
    make_screening,
    sign_in,
)

from screening import accounts, audit_trail, exports, worklist
from screening.accounts import CLI, Actor
from screening.extensions import db
from screening.models import Screening
from screening.paging import BadCursor

NOON = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)


def _rows() -> list[tuple[str, int | None, str | None, str | None, str | None, str | None]]:
    return [
        (r.action, r.actor_id, r.actor_email, r.screening_reference, r.detail, r.ip)
        for r in audit_rows()
    ]


@pytest.fixture
def admin(app) -> Actor:
    """An administrator, as the web passes them: their id, email and address."""
    return Actor.of(make_clinician("admin@clinic.example", ADMIN_PASSWORD, admin=True), "192.0.2.9")


# --- accounts ----------------------------------------------------------------------------------


def test_an_actor_names_itself_in_the_row_it_records(app):
    Actor(7, "someone@clinic.example", "192.0.2.1").record("view", reference="SIJ-AAAA-BBBB")
    CLI.record("account_enable", detail="account=x@clinic.example")
    assert _rows() == [
        ("view", 7, "someone@clinic.example", "SIJ-AAAA-BBBB", None, "192.0.2.1"),
        ("account_enable", None, "cli", None, "account=x@clinic.example", None),
    ]


def test_create_account_audits_once_with_the_actor(admin):
    created = accounts.create_account(
        " New.Doctor@Clinic.example ", "a fine long password", is_admin=True, actor=admin
    )
    assert created.email == "new.doctor@clinic.example" and created.is_admin
    assert _rows() == [
        (
            "account_create",
            admin.id,
            "admin@clinic.example",
            None,
            "account=new.doctor@clinic.example admin=yes",
            "192.0.2.9",
        )
    ]


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("nonsense", "a fine long password", "email"),
        ("x@clinic.example", "short", "password"),
        ("ADMIN@clinic.example", "a fine long password", "email"),  # already exists
    ],
)
def test_a_refused_account_audits_nothing(admin, email, password, field):
    with pytest.raises(accounts.AccountError) as refused:
        accounts.create_account(email, password, actor=admin)
    assert refused.value.field == field
    assert _rows() == []


def test_disable_enable_and_password_audit_one_row_each(admin):
    nurse = make_clinician("nurse@clinic.example")
    version = nurse.session_version
    accounts.disable_account(nurse, actor=admin)
    assert nurse.disabled and nurse.session_version == version + 1
    accounts.enable_account(nurse, actor=CLI)
    assert not nurse.disabled
    accounts.change_password(nurse, "a brand new passphrase", actor=CLI)
    assert nurse.session_version == version + 2
    assert accounts.authenticate("nurse@clinic.example", "a brand new passphrase") is nurse
    account = "account=nurse@clinic.example"
    assert _rows() == [
        ("account_disable", admin.id, "admin@clinic.example", None, account, "192.0.2.9"),
        ("account_enable", None, "cli", None, account, None),
        ("account_password", None, "cli", None, account, None),
    ]


def test_nobody_disables_their_own_account(admin):
    me = accounts.get(admin.id)
    with pytest.raises(accounts.AccountError, match="You cannot disable your own account"):
        accounts.disable_account(me, actor=admin)
    assert not me.disabled
    assert _rows() == []


def test_a_too_short_new_password_changes_and_audits_nothing(admin):
    nurse = make_clinician("nurse@clinic.example")
    with pytest.raises(accounts.AccountError):
        accounts.change_password(nurse, "short", actor=admin)
    assert accounts.authenticate("nurse@clinic.example", PASSWORD) is nurse
    assert _rows() == []


@pytest.mark.parametrize("account_id", [0, -1, 2**31, 10**30, 999])
def test_get_finds_no_account_for_impossible_or_unknown_ids(app, account_id):
    make_clinician()
    assert accounts.get(account_id) is None


def test_sign_in_audits_success_and_failure_once_each(app):
    doctor = make_clinician()
    assert accounts.sign_in(" Doctor@clinic.example", PASSWORD, ip="192.0.2.1") is doctor
    assert accounts.sign_in("doctor@clinic.example", "wrong password here", ip="192.0.2.2") is None
    assert accounts.sign_in("doctor@clinic.example", "", ip="192.0.2.3") is None
    assert accounts.sign_in("", "", ip="192.0.2.4") is None
    assert _rows() == [
        ("sign_in", doctor.id, "doctor@clinic.example", None, None, "192.0.2.1"),
        ("sign_in_failed", None, "doctor@clinic.example", None, None, "192.0.2.2"),
        ("sign_in_failed", None, "doctor@clinic.example", None, None, "192.0.2.3"),
        ("sign_in_failed", None, None, None, None, "192.0.2.4"),
    ]


def test_a_disabled_account_cannot_sign_in(app):
    doctor = make_clinician()
    accounts.disable(doctor)
    assert accounts.sign_in("doctor@clinic.example", PASSWORD) is None
    assert [r.action for r in audit_rows()] == ["sign_in_failed"]


def test_sign_out_audits_once_and_ends_every_session(app):
    doctor = make_clinician()
    version = doctor.session_version
    accounts.sign_out(doctor, ip="192.0.2.1")
    accounts.sign_out(doctor, ip="192.0.2.1", idle=True)
    assert doctor.session_version == version + 2
    assert [(r.action, r.actor_email) for r in audit_rows()] == [
        ("sign_out", "doctor@clinic.example"),
        ("sign_out_idle", "doctor@clinic.example"),
    ]


def test_sign_in_limited_is_filed_like_a_failed_sign_in(app):
    make_clinician()
    accounts.sign_in_limited(" DOCTOR@clinic.example", "5 per 1 minute", ip="192.0.2.1")
    assert _rows() == [
        (
            "sign_in_limited",
            None,
            "doctor@clinic.example",
            None,
            "limit=5 per 1 minute",
            "192.0.2.1",
        )
    ]


# --- the web admin pages and the command line share the account actions ------------------------


@pytest.fixture
def spied(monkeypatch) -> list[str]:
    """The names of the account actions called, in order (each still does its work)."""
    calls: list[str] = []
    for name in ("create_account", "disable_account", "enable_account", "change_password"):
        original = getattr(accounts, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(accounts, name, spy)
    return calls


def test_the_web_admin_pages_go_through_the_account_actions(app, client, spied):
    make_clinician("admin@clinic.example", ADMIN_PASSWORD, admin=True)
    nurse_id = make_clinician("nurse@clinic.example").id
    assert sign_in(client, "admin@clinic.example", ADMIN_PASSWORD).status_code == 302
    data = {"email": "new@clinic.example", "password": "a fine long password"}
    assert client.post("/clinician/admin/accounts", data=data).status_code == 302
    assert client.post(f"/clinician/admin/accounts/{nurse_id}/disable").status_code == 302
    assert client.post(f"/clinician/admin/accounts/{nurse_id}/enable").status_code == 302
    assert spied == ["create_account", "disable_account", "enable_account"]
    rows = [(r.action, r.actor_email, r.detail) for r in audit_rows() if r.action != "sign_in"]
    assert rows == [
        ("account_create", "admin@clinic.example", "account=new@clinic.example admin=no"),
        ("account_disable", "admin@clinic.example", "account=nurse@clinic.example"),
        ("account_enable", "admin@clinic.example", "account=nurse@clinic.example"),
    ]


def test_the_command_line_goes_through_the_account_actions(app, spied):
    runner = app.test_cli_runner()
    new = ["clinician", "create", "new@clinic.example", "--password-stdin"]
    assert runner.invoke(args=new, input="a fine long password\n").exit_code == 0
    assert runner.invoke(args=["clinician", "disable", "new@clinic.example"]).exit_code == 0
    assert runner.invoke(args=["clinician", "enable", "new@clinic.example"]).exit_code == 0
    password = ["clinician", "set-password", "new@clinic.example", "--password-stdin"]
    assert runner.invoke(args=password, input="a brand new passphrase\n").exit_code == 0
    assert spied == ["create_account", "disable_account", "enable_account", "change_password"]
    assert [(r.action, r.actor_email, r.detail) for r in audit_rows()] == [
        ("account_create", "cli", "account=new@clinic.example admin=no"),
        ("account_disable", "cli", "account=new@clinic.example"),
        ("account_enable", "cli", "account=new@clinic.example"),
        ("account_password", "cli", "account=new@clinic.example"),
    ]


# --- worklist ------------------------------------------------------------------------------------


@pytest.fixture
def doctor(app) -> Actor:
    return Actor.of(make_clinician(), "192.0.2.1")


@pytest.fixture
def three(app) -> dict[str, Screening]:
    """Three submitted screenings an hour apart (Alex oldest), and a draft."""
    made = {
        "alex": make_screening(name="Alex Example"),
        "jose": make_screening(name="José Núñez"),
        "sam": make_screening(name="Sam Other"),
    }
    for hours, s in enumerate(made.values()):
        s.submitted_at = NOON + dt.timedelta(hours=hours)
    # José's answers raised an urgent red flag (stored as the safety-first release stores it).
    jose = made["jose"]
    jose.red_flag_level, jose.has_red_flags, jose.overall = "urgent", True, "urgent"
    jose.evaluation = {
        **jose.evaluation,
        "red_flags": [{"id": "rf_fever", "level": "urgent", "text": "High temperature"}],
    }
    made["sam"].reviewed_at = NOON + dt.timedelta(hours=5)
    db.session.commit()
    make_draft(name="Alex Drafting")
    return made


def _names(pagination) -> list[str]:
    return [s.patient_name for s in pagination.items]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["José Núñez", "Sam Other", "Alex Example"]),  # red flags first
        ({"sort": "newest"}, ["Sam Other", "José Núñez", "Alex Example"]),
        ({"sort": "bogus"}, ["José Núñez", "Sam Other", "Alex Example"]),
        ({"q": "alex"}, ["Alex Example"]),
        ({"q": "  EXAMPLE "}, ["Alex Example"]),
        ({"q": "Jose\u0301"}, ["José Núñez"]),  # typed with a combining accent
        ({"q": "o"}, ["José Núñez", "Sam Other"]),
        ({"q": "%"}, []),
        ({"q": "_"}, []),
        ({"q": "Drafting"}, []),
        ({"outcome": "urgent"}, ["José Núñez"]),
        ({"outcome": "consistent"}, ["Sam Other", "Alex Example"]),
        ({"outcome": "bogus"}, ["José Núñez", "Sam Other", "Alex Example"]),
        ({"reviewed": "yes"}, ["Sam Other"]),
        ({"reviewed": "no"}, ["José Núñez", "Alex Example"]),
        ({"reviewed": "maybe"}, ["José Núñez", "Sam Other", "Alex Example"]),
        ({"red_flags": True}, ["José Núñez"]),
        ({"red_flags": "1"}, ["José Núñez"]),
        ({"red_flags": "urgent"}, ["José Núñez"]),
        ({"red_flags": "emergency"}, []),
        ({"red_flags": "bogus"}, ["José Núñez", "Sam Other", "Alex Example"]),
        ({"q": "o", "reviewed": "no"}, ["José Núñez"]),
    ],
)
def test_search_by_name_and_filters(doctor, three, filters, expected):
    pagination = worklist.search(worklist.Filters.clean(**filters), actor=doctor)
    assert _names(pagination) == expected
    assert pagination.total == len(expected)


@pytest.mark.parametrize("typed", ["{ref}", "{ref_lower}", "{plain}", " {plain_lower} "])
def test_search_by_reference_with_or_without_hyphens(doctor, three, typed):
    ref = three["jose"].reference
    plain = ref.replace("-", "")
    q = typed.format(ref=ref, ref_lower=ref.lower(), plain=plain, plain_lower=plain.lower())
    pagination = worklist.search(worklist.Filters.clean(q=q), actor=doctor)
    assert _names(pagination) == ["José Núñez"]
    # A search for one exact reference is filed under that screening.
    [row] = audit_rows()
    assert (row.action, row.screening_reference) == ("search", ref)


def test_each_search_is_audited_once_without_the_words(doctor, three):
    refs = {k: s.reference for k, s in three.items()}
    worklist.search(worklist.Filters(), actor=doctor)
    worklist.search(worklist.Filters.clean(q="Núñez", reviewed="no", red_flags=True), actor=doctor)
    assert _rows() == [
        (
            "worklist",
            doctor.id,
            "doctor@clinic.example",
            None,
            "query=no outcome=any reviewed=any red_flags=any sort=red_flags page=1 results=3 "
            f"shown={refs['jose']},{refs['sam']},{refs['alex']}",
            "192.0.2.1",
        ),
        (
            "search",
            doctor.id,
            "doctor@clinic.example",
            None,
            "query=yes outcome=any reviewed=no red_flags=yes sort=red_flags page=1 results=1 "
            f"shown={refs['jose']}",
            "192.0.2.1",
        ),
    ]


def test_search_pages(doctor, three, monkeypatch):
    monkeypatch.setattr(worklist, "PER_PAGE", 2)
    first = worklist.search(worklist.Filters(), actor=doctor)
    assert _names(first) == ["José Núñez", "Sam Other"] and (first.page, first.pages) == (1, 2)
    assert first.prev_cursor is None
    # Keyset pages: the next page is the rows after the cursor, the previous page before it.
    second = worklist.search(worklist.Filters(), first.next_cursor, actor=doctor)
    assert _names(second) == ["Alex Example"] and (second.page, second.next_cursor) == (2, None)
    back = worklist.search(worklist.Filters(), second.prev_cursor, actor=doctor)
    assert _names(back) == _names(first) and back.page == 1 and back.prev_cursor is None
    for tampered in ("", "x", first.next_cursor[:-2], first.next_cursor + "x"):
        if tampered:
            with pytest.raises(BadCursor):
                worklist.search(worklist.Filters(), tampered, actor=doctor)
    # A cursor of one order is refused by the other.
    with pytest.raises(BadCursor):
        worklist.search(worklist.Filters(sort="newest"), first.next_cursor, actor=doctor)


def test_filters_are_cleaned():
    filters = worklist.Filters.clean(
        q="  Nu\u0301n\u0303ez  " + "x" * 200, outcome="bogus", reviewed="maybe", red_flags=False
    )
    assert filters.q == "Núñez  " + "x" * 93 and len(filters.q) == 100
    assert (filters.outcome, filters.reviewed, filters.active) == ("", "", True)
    assert worklist.Filters.clean().active is False
    urgent = worklist.Filters.clean(outcome="urgent", red_flags=True)
    assert urgent.as_args() == {
        "q": "",
        "outcome": "urgent",
        "reviewed": "",
        "red_flags": "yes",
        "sort": "",  # the default order: red flags first
    }
    newest = worklist.Filters.clean(red_flags="emergency", sort="newest")
    assert (newest.red_flags, newest.sort, newest.active) == ("emergency", "newest", True)
    assert worklist.Filters.clean(sort="newest").active is False  # an order narrows nothing


def test_open_screening_audits_each_opening(doctor, three):
    ref = three["alex"].reference
    assert worklist.open_screening(ref.lower(), actor=doctor) is three["alex"]
    worklist.open_screening(ref, actor=doctor, how="pdf_download")
    assert worklist.open_screening("SIJ-AAAA-AAAA", actor=doctor) is None
    assert [(r.action, r.screening_reference) for r in audit_rows()] == [
        ("view", ref),
        ("pdf_download", ref),
    ]


def test_mark_reviewed_once(doctor, three):
    alex = three["alex"]
    assert worklist.mark_reviewed(alex, actor=doctor) is True
    assert worklist.mark_reviewed(alex, actor=doctor) is False
    db.session.expire_all()
    assert alex.reviewed_by_id == doctor.id and alex.reviewed_at is not None
    assert _rows() == [
        ("review", doctor.id, "doctor@clinic.example", alex.reference, None, "192.0.2.1")
    ]
    # A screening reviewed before (Sam) keeps its review.
    assert worklist.mark_reviewed(three["sam"], actor=doctor) is False
    assert len(audit_rows("review")) == 1


def test_record_follow_up_audits_once_without_the_note(doctor, three):
    from screening import follow_up

    jose = three["jose"]
    follow_up.record(jose, "advised_emergency_care", "Told José to go to A&E", doctor)
    follow_up.record(jose, "other", "", doctor)
    assert _rows() == [
        (
            "follow_up",
            doctor.id,
            "doctor@clinic.example",
            jose.reference,
            "action=advised_emergency_care note=yes",
            "192.0.2.1",
        ),
        (
            "follow_up",
            doctor.id,
            "doctor@clinic.example",
            jose.reference,
            "action=other note=no",
            "192.0.2.1",
        ),
    ]
    db.session.expire_all()
    assert [(f.action, f.note) for f in jose.follow_ups] == [
        ("advised_emergency_care", "Told José to go to A&E"),
        ("other", None),
    ]


# --- exports and the audit trail -----------------------------------------------------------------


def test_export_csv_audits_the_export_and_each_screening(doctor, three):
    alex, jose = three["alex"].reference, three["jose"].reference
    day = NOON.date()
    download = exports.export_csv(day, day, actor=doctor)
    assert download.mimetype == "text/csv"
    assert download.filename == "si-joint-screenings_2026-11-02_2026-11-02.csv"
    assert download.body.startswith("\ufeffreference,submitted_at,")
    assert [line.split(",")[0] for line in download.body.splitlines()[1:]] == [
        alex,
        jose,
        three["sam"].reference,
    ]
    span = "from=2026-11-02 to=2026-11-02"
    rows = [(r.action, r.screening_reference, r.detail) for r in audit_rows()]
    assert rows[:3] == [
        ("export_csv", None, f"{span} count=3 references={alex},{jose},{three['sam'].reference}"),
        ("export_csv", alex, f"{span} (one of 3)"),
        ("export_csv", jose, f"{span} (one of 3)"),
    ]
    assert len(rows) == 4


def test_export_fhir_of_an_empty_range(doctor, three):
    download = exports.export_fhir(dt.date(2020, 1, 1), None, actor=doctor)
    today = dt.date.today().isoformat()
    assert download.filename == f"si-joint-screenings_2020-01-01_{today}.fhir.json"
    assert download.mimetype == "application/fhir+json"
    bundle = json.loads(download.body)
    # The transaction Bundle: the Questionnaire (and its terminology), then per screening its
    # Patient, response and results (tests/test_fhir_bundle.py).
    assert bundle["type"] == "transaction"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert [k for k in kinds if k in ("Questionnaire", "QuestionnaireResponse")] == [
        "Questionnaire",
        "QuestionnaireResponse",
        "QuestionnaireResponse",
        "QuestionnaireResponse",
    ]
    empty = exports.export_fhir(None, dt.date(2020, 1, 1), actor=doctor)
    assert empty.filename == "si-joint-screenings_start_2020-01-01.fhir.json"
    assert [(r.action, r.detail) for r in audit_rows()][-1] == (
        "export_fhir",
        "from=any to=2020-01-01 count=0 references=",
    )


def test_reading_the_audit_trail_is_audited(admin):
    CLI.record("account_enable", reference="SIJ-AAAA-BBBB")
    admin.record("view", reference="SIJ-AAAA-BBBB")
    page = audit_trail.read("cli", "sij-aaaa-bbbb", actor=admin)
    assert [(e.action, e.actor_email) for e in page.items] == [("account_enable", "cli")]
    everything = audit_trail.read("", "", actor=admin)
    assert everything.page == 1 and everything.next_cursor is None
    assert [(r.action, r.screening_reference, r.detail) for r in audit_rows("audit_view")] == [
        ("audit_view", "SIJ-AAAA-BBBB", "user=cli page=1"),
        ("audit_view", None, "user=any page=1"),
    ]
