"""The clinician lists stay flat as screenings grow (issue 16, item 2): keyset pages that are
complete and in order with ties, a whole reference looked up by its unique index, names found by
prefix and fragment (accents and case aside), a tampered cursor refused kindly, a page's
statements independent of its rows, and migration 0007 filling what it adds.

Expected orders are written out by hand from how the screenings were made, never from the code
under test.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, select
from support.clinic import ADMIN_PASSWORD, make_clinician, make_screening, sign_in

from screening import audit_trail, paging, worklist
from screening.accounts import Actor
from screening.extensions import db
from screening.models import AuditEvent, Screening

NOON = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def doctor(app) -> Actor:
    clinician = make_clinician()
    return Actor(clinician.id, clinician.email, "192.0.2.1")


def _set(s: Screening, level: str | None, when: dt.datetime) -> None:
    s.red_flag_level, s.has_red_flags, s.submitted_at = level, level is not None, when


@pytest.fixture
def tied(app) -> dict[str, Screening]:
    """Fifteen sent screenings, most of them at the same moment and at the same level.

    Made in this order (ids ascending): e0..e2 emergency, u0..u3 urgent, n0..n7 no red flag; all
    at NOON but e2 (an hour earlier), u3 and n7 (an hour later).
    """
    made: dict[str, Screening] = {}
    for key, level, count in (("e", "emergency", 3), ("u", "urgent", 4), ("n", None, 8)):
        for i in range(count):
            made[f"{key}{i}"] = s = make_screening(name=f"Patient {key}{i}")
            _set(s, level, NOON)
    made["e2"].submitted_at = NOON - dt.timedelta(hours=1)
    made["u3"].submitted_at = NOON + dt.timedelta(hours=1)
    made["n7"].submitted_at = NOON + dt.timedelta(hours=1)
    db.session.commit()
    return made


# Red flags first (emergency, urgent, none), newest first within each, then the higher id first.
RED_FLAGS_FIRST = [
    "e1",
    "e0",
    "e2",
    "u3",
    "u2",
    "u1",
    "u0",
    "n7",
    "n6",
    "n5",
    "n4",
    "n3",
    "n2",
    "n1",
    "n0",
]
NEWEST_FIRST = [
    "n7",
    "u3",
    "n6",
    "n5",
    "n4",
    "n3",
    "n2",
    "n1",
    "n0",
    "u2",
    "u1",
    "u0",
    "e1",
    "e0",
    "e2",
]


def _keys(page, made) -> list[str]:
    by_id = {s.id: k for k, s in made.items()}
    return [by_id[s.id] for s in page.items]


@pytest.mark.parametrize(("sort", "expected"), [("", RED_FLAGS_FIRST), ("newest", NEWEST_FIRST)])
def test_next_visits_every_screening_once_in_order_and_previous_walks_back(
    doctor, tied, monkeypatch, sort, expected
):
    monkeypatch.setattr(worklist, "PER_PAGE", 4)
    filters = worklist.Filters.clean(sort=sort)
    pages, cursor = [], None
    while True:
        page = worklist.search(filters, cursor, actor=doctor)
        pages.append(page)
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert [_keys(p, tied) for p in pages] == [expected[i : i + 4] for i in range(0, 15, 4)]
    assert [p.page for p in pages] == [1, 2, 3, 4]
    assert all(p.total == 15 and p.pages == 4 for p in pages)
    # Previous from the last page gives the same pages again, back to the first.
    back, page = [], pages[-1]
    while page.has_prev:
        page = worklist.search(filters, page.prev_cursor, actor=doctor)
        back.append(page)
    assert [_keys(p, tied) for p in back] == [_keys(p, tied) for p in pages[-2::-1]]
    assert [p.page for p in back] == [3, 2, 1]


def test_paging_through_the_worklist_by_its_links(app, client, tied, monkeypatch):
    monkeypatch.setattr(worklist, "PER_PAGE", 6)
    make_clinician()
    sign_in(client)
    seen, url = [], "/clinician/?red_flags=&sort="
    for number in (1, 2, 3):
        page = client.get(url).text
        assert f"Page {number} of 3" in page
        seen += re.findall(r'href="/clinician/screenings/(SIJ-[^"]+)"', page)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        url = html.unescape(found.group(1)) if found else ""
    assert url == ""  # no "Next page" on the last page
    by_ref = {s.reference: k for k, s in tied.items()}
    assert [by_ref[r] for r in seen] == RED_FLAGS_FIRST


def test_a_filtered_list_pages_within_its_filter(doctor, tied, monkeypatch):
    monkeypatch.setattr(worklist, "PER_PAGE", 2)
    filters = worklist.Filters.clean(red_flags="urgent")
    first = worklist.search(filters, actor=doctor)
    second = worklist.search(filters, first.next_cursor, actor=doctor)
    assert (_keys(first, tied), _keys(second, tied)) == (["u3", "u2"], ["u1", "u0"])
    assert second.next_cursor is None and first.total == 4


def test_counts_are_capped(doctor, tied, monkeypatch):
    monkeypatch.setattr("screening.paging.COUNT_CAP", 10)
    page = worklist.search(worklist.Filters(), actor=doctor)
    assert page.capped and page.total == 11 and page.pages is None


# --- search --------------------------------------------------------------------------------------


@pytest.fixture
def named(app) -> dict[str, Screening]:
    return {
        "jose": make_screening(name="José Núñez"),
        "zoe": make_screening(name="Zoë  O'Brien-Smith"),
        "anna": make_screening(name="Anna Bergström"),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("jos", ["jose"]),  # a name's start
        ("NUÑ", ["jose"]),  # a word's start, any case
        ("nunez", ["jose"]),  # without its accents
        ("unez", ["jose"]),  # a fragment
        ("zoe o'b", ["zoe"]),  # spaces squeezed as the name is stored
        ("STRÖM", ["anna"]),
        ("bergstrom", ["anna"]),
        ("brien-sm", ["zoe"]),
        ("xyz", []),
    ],
)
def test_names_by_prefix_and_fragment(doctor, named, q, expected):
    page = worklist.search(worklist.Filters.clean(q=q), actor=doctor)
    assert sorted(k for k, s in named.items() if s in page.items) == expected


def test_a_reference_by_its_start(doctor, named):
    ref = named["jose"].reference  # SIJ-XXXX-XXXX
    for typed in (ref[:6], ref[:6].lower(), ref[4:8], ref[4:8].lower() + ref[9]):
        page = worklist.search(worklist.Filters.clean(q=typed), actor=doctor)
        assert named["jose"] in page.items, typed


@pytest.mark.parametrize(
    "typed",
    ["{ref}", "{lower}", "{plain}", "{plain_lower}", " sij {a} {b} ", "SIJ-{a}{b}", "sij{a}-{b}"],
)
def test_a_whole_reference_in_any_case_and_hyphenation(doctor, named, typed):
    ref = named["zoe"].reference
    a, b = ref[4:8], ref[9:]
    q = typed.format(
        ref=ref,
        lower=ref.lower(),
        plain=ref.replace("-", ""),
        plain_lower=ref.replace("-", "").lower(),
        a=a.lower(),
        b=b,
    )
    assert worklist.whole_reference(q) == ref
    page = worklist.search(worklist.Filters.clean(q=q), actor=doctor)
    assert page.items == [named["zoe"]] and page.total == 1


def _plan(stmt: sa.Select, bitmap: bool = False) -> str:
    """The database's plan of a statement, as text (PostgreSQL: with fresh statistics and
    sequential scans made dear, so that a usable index is used even on a table of a few rows;
    with `bitmap`, only bitmap index scans, the only way a trigram (GIN) index is read)."""
    compiled = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
            return "\n".join(str(r[-1]) for r in rows)
        conn.exec_driver_sql("ANALYZE screening")
        # A handful of rows: make the planner show which index can serve the query (and its
        # order) instead of weighing a scan and a sort of three rows by cost.
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_sort = off")
        if bitmap:
            conn.exec_driver_sql("SET enable_indexscan = off")
            conn.exec_driver_sql("SET enable_indexonlyscan = off")
        else:
            conn.exec_driver_sql("SET enable_bitmapscan = off")
        return "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}").all())


def _unique_reference_index() -> str:
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            for row in conn.exec_driver_sql("PRAGMA index_list(screening)").all():
                columns = conn.exec_driver_sql(f"PRAGMA index_info('{row[1]}')").all()
                if row[2] and [c[2] for c in columns] == ["reference"]:
                    return row[1]
        else:
            return conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'screening' "
                "AND indexdef LIKE 'CREATE UNIQUE INDEX %% (reference)'"
            ).scalar_one()
    raise AssertionError("no unique index on screening.reference")


def test_a_whole_reference_is_looked_up_by_the_unique_index(doctor, named):
    conditions = worklist._conditions(worklist.Filters.clean(q=named["anna"].reference.lower()))
    plan = _plan(select(Screening.id).where(*conditions))
    assert _unique_reference_index() in plan, plan
    assert "name_search" not in plan and "SCAN screening" not in plan


def test_name_fragments_and_the_worklist_order_use_their_indexes(doctor, named):
    order = worklist.ORDERS["red_flags"]
    stmt = (
        select(Screening.id)
        .where(*worklist._conditions(worklist.Filters()))
        .order_by(*(k.column.desc() for k in order))
        .limit(26)
    )
    plan = _plan(stmt)
    assert "ix_screening_worklist" in plan and "TEMP B-TREE" not in plan, plan
    if db.engine.dialect.name == "postgresql":
        # The trigram index answers the name condition (with the other conditions of a real
        # search the planner weighs it against the status indexes by the table's size).
        fragment = worklist._matches("bergs")
        plan = _plan(select(Screening.id).where(fragment), bitmap=True)
        assert "ix_screening_name_search" in plan, plan
    else:
        # SQLite cannot index a fragment: the search (and its capped count) reads the worklist's
        # index, which holds the searched name (0009), never the rows with their evaluations.
        searched = worklist._conditions(worklist.Filters.clean(q="bergs"))
        plan = _plan(select(Screening.id).where(*searched))
        assert "COVERING INDEX" in plan, plan


# --- a cursor changed by hand ------------------------------------------------------------------


def _tampered(cursor: str) -> list[str]:
    """The cursor with its keys changed (signature kept), its signature changed, cut, lengthened,
    and things that were never a cursor."""
    payload, signature = cursor.rsplit(".", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["k"][-1] += 1
    changed = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    return [
        f"{changed}.{signature}",
        f"{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}",
        cursor[:-3],
        cursor + "x",
        "garbage",
        "%00",
        "x" * 5000,
    ]


def test_a_tampered_worklist_cursor_is_a_friendly_400(app, client, tied, monkeypatch):
    monkeypatch.setattr(worklist, "PER_PAGE", 4)
    make_clinician()
    sign_in(client)
    page = client.get("/clinician/?q=Patient").text
    cursor = html.unescape(re.search(r'href="[^"]*cursor=([^"&]+)', page).group(1))
    good = client.get("/clinician/", query_string={"q": "Patient", "cursor": cursor})
    assert good.status_code == 200 and "Page 2 of 4" in good.text
    refused = [*_tampered(cursor)]
    # A cursor of the other order, and one of the audit trail.
    newest = client.get("/clinician/?sort=newest").text
    refused.append(html.unescape(re.search(r'cursor=([^"&]+)', newest).group(1)))
    for bad in refused:
        response = client.get("/clinician/", query_string={"q": "Patient", "cursor": bad})
        assert response.status_code == 400, bad
        assert "This page link does not work" in response.text
        assert 'href="/clinician/?q=Patient"' in response.text  # back to the first page
        assert "Traceback" not in response.text


def test_a_tampered_audit_cursor_is_a_friendly_400(app, client, monkeypatch):
    monkeypatch.setattr(audit_trail, "PER_PAGE", 3)
    make_clinician("admin@clinic.example", ADMIN_PASSWORD, admin=True)
    sign_in(client, "admin@clinic.example", ADMIN_PASSWORD)
    for _ in range(5):
        client.get("/clinician/")
    page = client.get("/clinician/admin/audit").text
    cursor = html.unescape(re.search(r'cursor=([^"&]+)', page).group(1))
    assert client.get(f"/clinician/admin/audit?cursor={cursor}").status_code == 200
    # Signed here, with the same keys, but made for another list.
    row = SimpleNamespace(at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), id=1)
    other_list = paging.make_cursor("worklist:newest", audit_trail.KEYS, row, "n", 2)
    for bad in [*_tampered(cursor), other_list]:
        response = client.get("/clinician/admin/audit", query_string={"cursor": bad})
        assert response.status_code == 400 and "This page link does not work" in response.text


def test_the_audit_trail_pages_newest_first_with_ties(app, monkeypatch):
    monkeypatch.setattr(audit_trail, "PER_PAGE", 4)
    at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    # Ten events at the same moment, by one user, then three others later.
    db.session.add_all(
        AuditEvent(action="view", actor_email="a@clinic.example", at=at, detail=str(i))
        for i in range(10)
    )
    db.session.add_all(
        AuditEvent(action="view", actor_email="b@clinic.example", at=at, detail=f"b{i}")
        for i in range(3)
    )
    db.session.commit()
    reader = Actor(None, "cli")
    seen, cursor = [], None
    while True:
        page = audit_trail.read("a@clinic.example", "", cursor, actor=reader)
        seen += [e.detail for e in page.items]
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert seen == [str(i) for i in range(9, -1, -1)]
    assert page.page == 3 and page.pages == 3


# --- statements per page -------------------------------------------------------------------------


def _selects(client, url: str) -> int:
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len([s for s in seen if s.lstrip().upper().startswith("SELECT")])


def test_the_statements_of_a_page_do_not_grow_with_its_rows(app, client):
    make_clinician("admin@clinic.example", ADMIN_PASSWORD, admin=True)
    sign_in(client, "admin@clinic.example", ADMIN_PASSWORD)
    early = make_screening(name="Early Sender")  # its other profile worked out from its answers
    early.other_evaluations = None
    early.submitted_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)  # on page 1 throughout
    make_screening(name="Second")
    db.session.commit()
    few = _selects(client, "/clinician/"), _selects(client, "/clinician/admin/audit")
    for i in range(30):
        make_screening(name=f"More {i}")
    for _ in range(60):
        db.session.add(AuditEvent(action="view", actor_email="cli"))
    db.session.commit()
    many = _selects(client, "/clinician/"), _selects(client, "/clinician/admin/audit")
    assert many == few
    # Page 2 (by its cursor) costs no more than page 1 (which also reads the early answers).
    page = client.get("/clinician/").text
    url = html.unescape(re.search(r'href="([^"]+)" rel="next"', page).group(1))
    assert _selects(client, url) == few[0] - 1


def test_the_worklist_loads_no_answers(doctor, named):
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = worklist.search(worklist.Filters(), actor=doctor)
        worklist.rows(page.items)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    listing = [s for s in seen if "FROM screening" in s and "LIMIT" in s]
    assert listing and all("screening.answers" not in s for s in listing)
    assert all("red_flag_history" not in s for s in seen)


# --- migration 0007 ------------------------------------------------------------------------------


def test_0007_fills_the_new_columns_of_existing_rows_and_goes_back(migrated_app):
    downgrade(revision="0006")
    insert = sa.text(
        "INSERT INTO screening (token, status, answers, created_at, updated_at, has_red_flags, "
        "revision, questionnaire_version, red_flag_history, reference, submitted_at, "
        "patient_name, red_flag_level) VALUES (:token, 'submitted', '{}', CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP, false, 0, '2026.12', '[]', :ref, CURRENT_TIMESTAMP, :name, :level)"
    )
    with db.engine.begin() as conn:
        for token, ref, name, level in (
            ("t1", "SIJ-AAAA-CCCC", "  José   NÚÑEZ ", "urgent"),
            ("t2", "SIJ-DDDD-EEEE", "Zoë", "emergency"),
            ("t3", "SIJ-FFFF-GGGG", None, None),
        ):
            conn.execute(insert, {"token": token, "ref": ref, "name": name, "level": level})
        screening_id = conn.execute(
            sa.text("SELECT id FROM screening WHERE token = 't1'")
        ).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO follow_up (screening_id, created_at, action) "
                "VALUES (:id, CURRENT_TIMESTAMP, 'called')"
            ),
            {"id": screening_id},
        )
    upgrade(revision="0007")
    with db.engine.begin() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT token, name_search, reference_key, red_flag_priority FROM screening "
                "ORDER BY token"
            )
        ).all()
        follow_ups = conn.execute(sa.text("SELECT count(*) FROM follow_up")).scalar_one()
        if db.engine.dialect.name == "sqlite":
            # Statistics for the planner, gathered after migrating (env.py).
            assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1").scalar_one() > 0
    assert [tuple(r) for r in rows] == [
        ("t1", "jose nunez", "SIJAAAACCCC", 1),
        ("t2", "zoe", "SIJDDDDEEEE", 2),
        ("t3", None, "SIJFFFFGGGG", 0),
    ]
    assert follow_ups == 1  # the table copy (SQLite) lost no follow-up
    downgrade(revision="0006")
    with db.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM screening")).scalar_one() == 3
        assert conn.execute(sa.text("SELECT count(*) FROM follow_up")).scalar_one() == 1
        conn.execute(sa.text("DELETE FROM follow_up"))
        conn.execute(sa.text("DELETE FROM screening"))
    upgrade()
