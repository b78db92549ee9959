"""An unexpected error: a friendly 500 page, and a log line that says where but never what."""

from __future__ import annotations

import logging

SECRET = "Jane Secret-Patient 1972-05-14"


def test_an_unexpected_error_logs_its_frames_but_not_its_text(make_app, caplog):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise ValueError(f"could not store {SECRET}")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom?name=Jane")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text
    assert SECRET not in response.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Unhandled ValueError" in logged
    assert "Traceback (most recent call last):" in logged
    assert 'in boom\n    raise ValueError(f"could not store {SECRET}")' in logged
    assert "Jane" not in logged and "1972" not in logged and "name=" not in logged


def test_pages_name_their_language(client):
    assert '<html lang="en">' in client.get("/").text
