"""The clinic's PDF is rendered in the background right after a submission (issue 16), so that
the first download comes from the cache; a failure is logged without health data."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import select
from support import FULL, sent_from
from support.clinic import make_clinician, sign_in

from screening import pdf, prerender
from screening.extensions import db
from screening.models import PdfCache


@pytest.fixture
def prerendering(make_app):
    """An app with PRERENDER_PDF on (the testing configuration turns it off)."""
    app = make_app(PRERENDER_PDF=True)
    with app.app_context():
        yield app
    prerender.wait()


def _cached(screening_id: int) -> list[PdfCache]:
    db.session.expire_all()
    return list(db.session.scalars(select(PdfCache).where(PdfCache.screening_id == screening_id)))


def test_the_testing_configuration_turns_it_off_and_the_others_on(app, make_app):
    from config import load

    assert app.config["PRERENDER_PDF"] is False
    assert load("production", {})().PRERENDER_PDF is True
    assert load("development", {"PRERENDER_PDF": "0"})().PRERENDER_PDF is False


def test_after_a_submit_the_clinician_s_first_download_comes_from_the_cache(
    prerendering, monkeypatch
):
    started = []
    real_start = prerender.start

    def spy(app, screening_id):
        # The response is sent (closed) before the render starts.
        started.append(threading.current_thread().name)
        return real_start(app, screening_id)

    monkeypatch.setattr(prerender, "start", spy)
    patient = prerendering.test_client()
    screening = sent_from(patient, close=True)
    prerender.wait()
    assert len(started) == 1
    [cached] = _cached(screening.id)
    assert cached.pdf.startswith(b"%PDF")

    # The clinician's download: served from the cache, nothing rendered.
    def no_render(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(pdf, "render_pdf", no_render)
    make_clinician()
    clinician = prerendering.test_client()
    sign_in(clinician)
    response = clinician.get(f"/clinician/screenings/{screening.reference}/summary.pdf")
    assert response.status_code == 200
    assert response.data == bytes(cached.pdf)
    assert len(_cached(screening.id)) == 1


def test_a_submit_does_not_wait_for_the_render(prerendering, monkeypatch):
    release = threading.Event()
    real = pdf.render_pdf

    def slow(*args, **kwargs):
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(pdf, "render_pdf", slow)
    screening = sent_from(prerendering.test_client(), close=True)  # returns while the render waits
    assert screening.is_submitted
    assert _cached(screening.id) == []
    # Asked again for the same screening while it renders: no second render.
    assert prerender.start(prerendering, screening.id) is None
    # Nor another screening's while one renders (one at a time per process): the other's PDF
    # is rendered on demand, and the patient's requests keep the interpreter.
    other = sent_from(prerendering.test_client(), close=True)
    assert _cached(other.id) == []
    assert list(prerender._running) == [screening.id]
    release.set()
    prerender.wait()
    assert len(_cached(screening.id)) == 1


def test_a_failed_render_is_logged_without_the_answers(prerendering, monkeypatch, caplog):
    name = "Zebedee Quartermaine"

    def broken(html, *args, **kwargs):
        raise ValueError(f"cannot lay out {html[:5000]}")  # its message quotes the answers

    monkeypatch.setattr(pdf, "render_pdf", broken)
    with caplog.at_level(logging.INFO):
        screening = sent_from(prerendering.test_client(), {**FULL, "name": name}, close=True)
        prerender.wait()
    [record] = [r for r in caplog.records if r.name == "screening.prerender"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "ValueError" in message and str(screening.id) in message
    assert record.exc_info is None
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert name not in logged and "Zebedee" not in logged
    assert _cached(screening.id) == []
    # Rendered on demand, as without pre-rendering.
    monkeypatch.undo()
    make_clinician()
    clinician = prerendering.test_client()
    sign_in(clinician)
    response = clinician.get(f"/clinician/screenings/{screening.reference}/summary.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert len(_cached(screening.id)) == 1


def test_off_nothing_is_rendered_after_a_submit(app, monkeypatch):
    started = []
    monkeypatch.setattr(prerender, "start", lambda *args: started.append(args))
    screening = sent_from(app.test_client(), close=True)
    assert screening.is_submitted
    assert started == [] and _cached(screening.id) == []


def test_a_missing_screening_renders_nothing(prerendering):
    assert prerender.render(123456) is False
