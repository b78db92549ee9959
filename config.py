"""Configuration classes, read from the environment (see the README for every variable)."""

from __future__ import annotations

import os


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


class Config:
    """Local use: embedded SQLite under the instance folder, a generated persisted secret key."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # None means: a SQLite file under the instance folder (set in create_app).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Health information: keep every request below this size (bytes).
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 64 * 1024))
    WTF_CSRF_TIME_LIMIT = int(os.environ.get("WTF_CSRF_TIME_LIMIT", 3600))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    HTTPS = _bool("HTTPS")
    SESSION_COOKIE_SECURE = HTTPS
    REMEMBER_COOKIE_SECURE = HTTPS
    # Patients may stop and come back: the cookie outlives a closed tab, drafts live in the DB.
    PERMANENT_SESSION_LIFETIME = int(os.environ.get("SESSION_LIFETIME_SECONDS", 12 * 3600))
    CLINICIAN_IDLE_MINUTES = int(os.environ.get("CLINICIAN_IDLE_MINUTES", 15))
    CLINICIAN_ABSOLUTE_HOURS = int(os.environ.get("CLINICIAN_ABSOLUTE_HOURS", 12))
    CLINICIAN_LOGIN_LIMIT = os.environ.get("CLINICIAN_LOGIN_LIMIT", "10/minute")
    CLINICIAN_ACCOUNT_LOGIN_LIMIT = os.environ.get(
        "CLINICIAN_ACCOUNT_LOGIN_LIMIT", "5/minute;20/hour"
    )
    # The canonical base of the FHIR Questionnaire; a clinic sets its own.
    FHIR_CANONICAL_BASE = os.environ.get("FHIR_CANONICAL_BASE")
    RESUME_CODE_DAYS = int(os.environ.get("RESUME_CODE_DAYS", 30))
    DRAFT_RETENTION_DAYS = int(os.environ.get("DRAFT_RETENTION_DAYS", 30))
    # Unset: submitted screenings are kept until the clinic deletes them.
    SUBMITTED_RETENTION_DAYS = (
        int(os.environ["SUBMITTED_RETENTION_DAYS"])
        if os.environ.get("SUBMITTED_RETENTION_DAYS")
        else None
    )
    PDF_PAPER_SIZE = os.environ.get("PDF_PAPER_SIZE", "A4")  # A4 or Letter
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    # Limits per client address, and per resume code whatever the address (a bearer credential).
    RESUME_LIMIT = os.environ.get("RESUME_LIMIT", "10 per minute;60 per hour")
    RESUME_CODE_LIMIT = os.environ.get("RESUME_CODE_LIMIT", "10 per hour")
    # Generous: a clinic's waiting-room tablets share one address.
    START_LIMIT = os.environ.get("START_LIMIT", "30 per minute;300 per hour")
    # Number of proxies (load balancers) in front of the app whose X-Forwarded-For is trusted;
    # without it every client would share the balancer's address for the rate limits.
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 0))
    BABEL_DEFAULT_LOCALE = "en"


class DevelopmentConfig(Config):
    """Local development and `make run`."""


class ProductionConfig(Config):
    """Production: SECRET_KEY and DATABASE_URL must come from the environment."""

    ENV_NAME = "production"


class TestingConfig(Config):
    """The test suite: an isolated database per test, rate limits off unless a test turns them on."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or "sqlite://"
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}
