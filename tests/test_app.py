"""The app factory, configuration and the start page."""

import pytest

from screening import ConfigError, create_app


def test_start_page_says_it_does_not_diagnose(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "does not diagnose" in html
    assert '<html lang="en">' in html


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_unknown_page_is_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_production_requires_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"CONFIG_NAME": "production", "INSTANCE_PATH": str(tmp_path)})


def test_local_secret_key_is_generated_and_persisted(tmp_path):
    overrides = {"CONFIG_NAME": "development", "SECRET_KEY": None, "INSTANCE_PATH": str(tmp_path)}
    first = create_app(dict(overrides, SQLALCHEMY_DATABASE_URI="sqlite://"))
    second = create_app(dict(overrides, SQLALCHEMY_DATABASE_URI="sqlite://"))
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_dates_in_words_follow_the_language_of_the_request(make_app):
    from screening.questionnaire import BY_KEY

    app = make_app()
    with app.test_request_context("/?lang=es"):
        assert BY_KEY["date_of_birth"].in_words("1972-05-04") == "4 de mayo de 1972"
    with app.test_request_context("/"):
        assert BY_KEY["date_of_birth"].in_words("1972-05-04") == "4 May 1972"
    assert BY_KEY["date_of_birth"].in_words("1972-05-04") == "4 May 1972"


def test_settings_are_read_when_the_app_is_made_not_at_import(monkeypatch, tmp_path):
    overrides = {"CONFIG_NAME": "development", "INSTANCE_PATH": str(tmp_path)}
    monkeypatch.setenv("RESUME_CODE_DAYS", "7")
    assert create_app(dict(overrides)).config["RESUME_CODE_DAYS"] == 7
    monkeypatch.setenv("RESUME_CODE_DAYS", "9")
    assert create_app(dict(overrides)).config["RESUME_CODE_DAYS"] == 9


def test_a_setting_that_is_not_a_number_stops_the_start_with_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.setenv("RESUME_CODE_DAYS", "thirty")
    with pytest.raises(ConfigError, match=r"^RESUME_CODE_DAYS must be a whole number, like 30$"):
        create_app({"CONFIG_NAME": "development", "INSTANCE_PATH": str(tmp_path)})
