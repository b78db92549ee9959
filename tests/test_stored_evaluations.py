"""What a summary compares is what was stored at submission, for every profile."""

from __future__ import annotations

import dataclasses

from support import FULL

from screening import criteria, drafts, pdf
from screening.extensions import db


def _submitted():
    screening = drafts.create_draft()
    screening.answers = dict(FULL)
    drafts.submit(screening)
    db.session.commit()
    return screening


def test_submit_stores_every_profile_evaluation(app):
    screening = _submitted()
    assert screening.evaluation["profile"] == criteria.DEFAULT_PROFILE
    others = screening.other_evaluations
    assert set(others) == set(criteria.PROFILES) - {criteria.DEFAULT_PROFILE}
    assert others["published"]["overall"] == "consistent"
    assert others["published"]["criteria_version"] == criteria.CRITERIA_VERSION


def test_a_later_criteria_release_does_not_change_a_stored_summary(app, monkeypatch):
    screening = _submitted()
    with app.test_request_context("/"):
        before = pdf.summary_for(screening)
        key_before = pdf.input_hash(screening)
    # A new release makes the published chronic-pain threshold 24 months (FULL has 18).
    published = criteria.PROFILES["published"]
    stricter = tuple(
        dataclasses.replace(c, params={**c.params, "min": 24}) if c.id == "chronic_pain" else c
        for c in published.criteria
    )
    monkeypatch.setitem(
        criteria.PROFILES, "published", dataclasses.replace(published, criteria=stricter)
    )
    monkeypatch.setattr(criteria, "CRITERIA_VERSION", "2099.1-1")
    with app.test_request_context("/"):
        after = pdf.summary_for(screening)
        assert pdf.input_hash(screening) == key_before
    assert after.profiles == before.profiles
    table = {t.key: t for t in after.profiles}["published"]
    assert table.overall == "consistent" and table.stored
    assert table.criteria_version != "2099.1-1"
