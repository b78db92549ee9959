"""Every profile on the worklist and in the CSV: counts of main criteria, stricter profile first,
the points to discuss, red flags with their levels and the review status.

The evaluations here are written out by hand (stored as a submission stores them), so that the
expected counts never come from the code under test.
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event
from support.clinic import make_clinician, make_screening, sign_in, stored_2026_11

from screening import counts, exports
from screening.extensions import db
from screening.models import Screening


def _criterion(cid: str, status: str, core: bool = True) -> dict:
    return {
        "id": cid,
        "status": status,
        "core": core,
        "title": cid,
        "answer": "",
        "requirement": "",
    }


# The lenient profile: 3 of 4 main criteria met, 1 not known; a supporting criterion not met.
DOCUMENTS = {
    "profile": "documents",
    "criteria_version": "2026.12-1",
    "overall": "incomplete",
    "criteria": [
        _criterion("chronic_pain", "met"),
        _criterion("pain_affects_daily_life", "met"),
        _criterion("treatments_tried", "met"),
        _criterion("diagnostic_injection", "unknown"),
        _criterion("exam", "not_met", core=False),
        _criterion("imaging", "met", core=False),
        _criterion("pain_area", "met", core=False),
    ],
    "flags": [
        {"id": "both_sides", "text": "Pain on both sides"},
        {"id": "risk_factors", "text": "BMI 34"},
        {"id": "metal_allergy", "text": "Allergic to metal"},
    ],
    "flags_unknown": [{"id": "pregnancy", "title": "Pregnancy"}],
    "red_flags": [],
}
# The stricter profile: 5 of 9 met, 2 not met, 2 not known.
PUBLISHED = {
    "profile": "published",
    "criteria_version": "2026.12-1",
    "overall": "not_consistent",
    "criteria": [
        _criterion("conservative_care", "not_met"),
        _criterion("pain_severity", "met"),
        _criterion("chronic_pain", "met"),
        _criterion("diagnostic_injection", "not_met"),
        _criterion("exam", "unknown"),
        _criterion("imaging", "unknown"),
        _criterion("no_inflammatory_arthritis", "met"),
        _criterion("no_generalised_pain", "met"),
        _criterion("nicotine_free", "met"),
        _criterion("pain_pattern", "not_met", core=False),
    ],
    "flags": DOCUMENTS["flags"],
    "flags_unknown": DOCUMENTS["flags_unknown"],
    "red_flags": [],
}


def differing(name: str = "Differing Profiles", level: str | None = None) -> Screening:
    """A sent screening whose two profiles' comparisons differ (stored as written above)."""
    s = make_screening(name=name)
    s.evaluation = DOCUMENTS
    s.other_evaluations = {"published": PUBLISHED}
    s.overall = "incomplete"
    if level:
        s.red_flag_level, s.has_red_flags = level, True
    db.session.commit()
    return s


@pytest.fixture
def doctor_client(app, client):
    make_clinician()
    assert sign_in(client).status_code == 302
    return client


def _row(page: str, reference: str) -> str:
    start = page.rindex("<tr", 0, page.index(reference))
    return page[start : page.index("</tr>", start)]


def _text(html: str) -> str:
    """The words of some HTML, tags dropped and spaces squeezed."""
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- the worklist --------------------------------------------------------------------------------


def test_a_row_shows_both_profiles_counts_stricter_first_and_the_points_to_discuss(
    doctor_client,
):
    s = differing()
    row = _row(doctor_client.get("/clinician/").text, s.reference)
    words = _text(row)
    published = "Published policies (a composite) 5 of 9 met, 2 not met, 2 not known"
    documents = "What the patient articles mention 3 of 4 met, 0 not met, 1 not known"
    assert published in words and documents in words
    assert words.index(published) < words.index(documents)
    assert "3 points to discuss" in words
    assert "Not reviewed" in words
    # Statuses and counts, never a decision.
    for verdict in ("eligible", "candidate", "consistent", "Matches", "qualif"):
        assert verdict.lower() not in words.lower()


def test_the_red_flag_level_and_the_review_status_are_in_the_row(doctor_client):
    s = differing(level="urgent")
    doctor_client.post(f"/clinician/screenings/{s.reference}/review")
    words = _text(_row(doctor_client.get("/clinician/").text, s.reference))
    assert "Urgent red flag" in words and "3 points to discuss" in words
    assert "Reviewed" in words and "Not reviewed" not in words


def test_one_point_to_discuss_and_none(doctor_client):
    one = make_screening(name="One Point", pain_side="both")
    none = make_screening(name="No Point")
    page = doctor_client.get("/clinician/").text
    assert "1 point to discuss" in _text(_row(page, one.reference))
    assert "0 points to discuss" in _text(_row(page, none.reference))


def test_a_2026_11_screening_lists_with_its_own_release_words(doctor_client):
    s = stored_2026_11("example")
    response = doctor_client.get("/clinician/")
    assert response.status_code == 200
    words = _text(_row(response.text, s.reference))
    # 2026.11's own profile titles, stricter first; counted from what it stored.
    published = "Stricter published criteria 7 of 7 met, 0 not met, 0 not known"
    documents = "Criteria in the source documents 4 of 4 met, 0 not met, 0 not known"
    assert published in words and documents in words
    assert words.index(published) < words.index(documents)
    assert "0 points to discuss" in words


def test_a_profile_not_stored_is_worked_out_from_the_answers(doctor_client):
    # Sent before the other profiles were stored: FULL meets every main criterion of both.
    s = make_screening(name="Early Sender")
    s.other_evaluations = None
    db.session.commit()
    words = _text(_row(doctor_client.get("/clinician/").text, s.reference))
    assert "Published policies (a composite) 9 of 9 met, 0 not met, 0 not known" in words
    assert "What the patient articles mention 4 of 4 met, 0 not met, 0 not known" in words


def test_the_worklist_page_costs_the_same_queries_whatever_its_rows(app, doctor_client):
    def statements() -> int:
        seen: list[str] = []

        def record(conn, cursor, statement, *args) -> None:
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert doctor_client.get("/clinician/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len([s for s in seen if s.lstrip().upper().startswith("SELECT")])

    differing("First Row", level="emergency")
    make_screening(name="Second Row")
    few = statements()
    for i in range(6):
        differing(f"More Rows {i}")
    stored_2026_11("example")
    assert statements() == few


# --- counting, pure ------------------------------------------------------------------------------


def test_count_counts_main_criteria_by_status():
    assert counts.count(PUBLISHED["criteria"]) == counts.Counts(met=5, not_met=2, unknown=2)
    assert counts.count(PUBLISHED["criteria"]).total == 9
    everything = counts.count(PUBLISHED["criteria"], main_only=False)
    assert (everything.met, everything.not_met, everything.unknown) == (5, 3, 2)
    assert counts.count([]).in_words() == "0 of 0 met, 0 not met, 0 not known"
    assert counts.Counts(5, 2, 2).in_words() == "5 of 9 met, 2 not met, 2 not known"


def test_the_stricter_profiles_come_before_the_default():
    assert counts.stricter_first(["documents", "published"], "documents") == [
        "published",
        "documents",
    ]
    assert counts.stricter_first(["a", "b", "c"], "b") == ["a", "c", "b"]


def test_a_release_that_lists_its_order_is_read_in_that_order():
    from types import SimpleNamespace

    def release(**criteria):
        return SimpleNamespace(criteria=SimpleNamespace(**criteria))

    profiles = dict.fromkeys(["documents", "published", "other"])
    listed = release(PROFILES=profiles, DEFAULT_PROFILE="documents", STRICTER_FIRST=("other",))
    assert counts.release_order(listed) == ["other", "published", "documents"]
    unlisted = release(PROFILES=profiles, DEFAULT_PROFILE="documents")
    assert counts.release_order(unlisted) == ["published", "other", "documents"]


def test_an_overview_of_a_draft_is_empty():
    assert counts.overview(None).profiles == () and counts.overview(None).flag_count == 0


# --- the CSV -------------------------------------------------------------------------------------


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


PUBLISHED_COLUMNS = [
    "published:main_met",
    "published:main_not_met",
    "published:main_unknown",
    "published:main_total",
    "published:conservative_care",
    "published:pain_severity",
    "published:chronic_pain",
    "published:diagnostic_injection",
    "published:exam",
    "published:imaging",
    "published:no_inflammatory_arthritis",
    "published:no_generalised_pain",
    "published:nicotine_free",
    "published:pain_pattern",
]
DOCUMENTS_COLUMNS = [
    "documents:main_met",
    "documents:main_not_met",
    "documents:main_unknown",
    "documents:main_total",
    "documents:chronic_pain",
    "documents:pain_affects_daily_life",
    "documents:treatments_tried",
    "documents:diagnostic_injection",
    "documents:exam",
    "documents:imaging",
    "documents:pain_area",
    # Only questionnaire 2026.11's documents profile had these.
    "documents:quality_of_life",
    "documents:conservative_care",
    "documents:pain_pattern",
]


def test_csv_has_review_flag_and_every_profile_columns_in_a_stable_order(app):
    header = next(csv.reader(io.StringIO(exports.to_csv([]))))
    start = header.index("reviewed")
    expected = [
        "reviewed",
        "reviewed_at",
        "flags",
        "flags_count",
        "flags_unknown",
        *PUBLISHED_COLUMNS,
        *DOCUMENTS_COLUMNS,
        "replaces",
    ]
    assert header[start : start + len(expected)] == expected
    # Right after the default profile's criterion_ columns, before the question keys.
    assert header[start - 1] == "criterion_pain_pattern"
    assert header[start + len(expected)] == "rf_bladder_bowel"
    assert len(header) == len(set(header))


def test_csv_row_of_a_screening_whose_profiles_differ(app):
    s = differing(level="urgent")
    [row] = _rows(exports.to_csv([s]))
    assert [row[c] for c in PUBLISHED_COLUMNS] == [
        "5",
        "2",
        "2",
        "9",
        "not_met",
        "met",
        "met",
        "not_met",
        "unknown",
        "unknown",
        "met",
        "met",
        "met",
        "not_met",
    ]
    assert [row[c] for c in DOCUMENTS_COLUMNS] == [
        "3",
        "0",
        "1",
        "4",
        "met",
        "met",
        "met",
        "unknown",
        "not_met",
        "met",
        "met",
        "",
        "",
        "",
    ]
    # The default profile's columns of before are unchanged.
    assert row["criterion_diagnostic_injection"] == "unknown" and row["criterion_exam"] == "not_met"
    assert row["flags"] == "both_sides;risk_factors;metal_allergy"
    assert row["flags_count"] == "3"
    assert row["flags_unknown"] == "pregnancy"
    assert row["red_flag_level"] == "urgent"
    assert (row["reviewed"], row["reviewed_at"]) == ("no", "")
    assert exports.answers_from_row(row) == s.answers


def test_csv_review_columns_after_a_review(doctor_client):
    s = differing()
    doctor_client.post(f"/clinician/screenings/{s.reference}/review")
    db.session.expire_all()
    reviewed = db.session.get(Screening, s.id)
    [row] = _rows(exports.to_csv([reviewed]))
    assert row["reviewed"] == "yes"
    assert row["reviewed_at"].endswith("+00:00") and row["reviewed_at"][:4] >= "2026"


def test_csv_of_a_2026_11_screening_fills_its_own_profiles_columns(app):
    s = stored_2026_11("example")
    [row] = _rows(exports.to_csv([s]))
    assert [row[c] for c in PUBLISHED_COLUMNS[:4]] == ["7", "0", "0", "7"]
    assert [row[c] for c in DOCUMENTS_COLUMNS[:4]] == ["4", "0", "0", "4"]
    assert row["documents:quality_of_life"] == "met"
    assert row["documents:pain_affects_daily_life"] == ""  # not a 2026.11 criterion
    assert row["published:no_inflammatory_arthritis"] == ""
    assert (row["flags"], row["flags_count"], row["flags_unknown"]) == ("", "0", "")
    assert exports.answers_from_row(row) == s.answers


def test_csv_flag_cells_are_safe_against_formula_injection(app):
    s = differing()
    s.evaluation = {**DOCUMENTS, "flags": [{"id": "=cmd|' /C calc'!A0", "text": "x"}]}
    db.session.commit()
    [row] = _rows(exports.to_csv([s]))
    assert row["flags"] == "'=cmd|' /C calc'!A0"
    assert row["flags_count"] == "1"


def test_no_profile_column_can_be_mistaken_for_a_count():
    for profile, ids in counts.every_profile():
        assert not set(ids) & set(exports.COUNT_COLUMNS), profile


def test_counting_is_pure_and_loads_nothing_of_the_web_app():
    import json
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import json, sys\n"
        "from screening import counts\n"
        "c = counts.count([{'status': 'met', 'core': True}, {'status': 'unknown', 'core': True}])\n"
        "heavy = ('flask', 'sqlalchemy', 'weasyprint', 'flask_babel', 'werkzeug')\n"
        "print(json.dumps({'loaded': [m for m in heavy if m in sys.modules],"
        " 'words': c.in_words()}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"loaded": [], "words": "1 of 2 met, 0 not met, 1 not known"}
