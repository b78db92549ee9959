"""Configuration, read from the environment by the app factory (see the README for every variable).

Nothing is read at import: `load(name)` reads the environment each time an app is created, so a
test or a process manager that changes a variable gets it in the next app.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping

NAMES = ("development", "production", "testing")

# Never a committed key for the test suite: a key anyone can read would sign cookies for any
# database the testing configuration is pointed at. One random key per process.
_TESTING_KEY = secrets.token_hex(32)


class SettingError(ValueError):
    """An environment variable whose value cannot be used."""


def _bool(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    value = env.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise SettingError(f"{name} must be a whole number, like {default}") from None


def load(name: str, env: Mapping[str, str] | None = None) -> type:
    """The configuration class of `name` ("development", "production" or "testing"), with every
    setting read from `env` (the process environment) now."""
    env = os.environ if env is None else env

    class Config:
        """Local use: embedded SQLite under the instance folder, a generated persisted secret key."""

        ENV_NAME = "development"
        SECRET_KEY = env.get("SECRET_KEY")
        # None means: a SQLite file under the instance folder (set in create_app).
        SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL")
        SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
        # Health information: keep every request below this size (bytes).
        MAX_CONTENT_LENGTH = _int(env, "MAX_CONTENT_LENGTH", 64 * 1024)
        WTF_CSRF_TIME_LIMIT = _int(env, "WTF_CSRF_TIME_LIMIT", 3600)
        SESSION_COOKIE_HTTPONLY = True
        SESSION_COOKIE_SAMESITE = "Lax"
        REMEMBER_COOKIE_HTTPONLY = True
        REMEMBER_COOKIE_SAMESITE = "Lax"
        HTTPS = _bool(env, "HTTPS")
        SESSION_COOKIE_SECURE = HTTPS
        REMEMBER_COOKIE_SECURE = HTTPS
        # Patients may stop and come back: the cookie outlives a closed tab, drafts live in the DB.
        PERMANENT_SESSION_LIFETIME = _int(env, "SESSION_LIFETIME_SECONDS", 12 * 3600)
        CLINICIAN_IDLE_MINUTES = _int(env, "CLINICIAN_IDLE_MINUTES", 15)
        CLINICIAN_ABSOLUTE_HOURS = _int(env, "CLINICIAN_ABSOLUTE_HOURS", 12)
        CLINICIAN_LOGIN_LIMIT = env.get("CLINICIAN_LOGIN_LIMIT", "10/minute")
        CLINICIAN_ACCOUNT_LOGIN_LIMIT = env.get("CLINICIAN_ACCOUNT_LOGIN_LIMIT", "5/minute;20/hour")
        # The canonical base of the FHIR Questionnaire; a clinic sets its own.
        FHIR_CANONICAL_BASE = env.get("FHIR_CANONICAL_BASE")
        # The clinic's identifier system for patients (a URI): the FHIR export's Patient is
        # identified by the screening reference in it. Unset: the service's own system.
        FHIR_PATIENT_IDENTIFIER_SYSTEM = env.get("FHIR_PATIENT_IDENTIFIER_SYSTEM") or None
        RESUME_CODE_DAYS = _int(env, "RESUME_CODE_DAYS", 30)
        # After sending, the browser that sent reads its confirmation and summary this long, then
        # forgets it (a shared device); "Finish and close" forgets it at once.
        SENT_SESSION_MINUTES = _int(env, "SENT_SESSION_MINUTES", 30)
        DRAFT_RETENTION_DAYS = _int(env, "DRAFT_RETENTION_DAYS", 30)
        # Unset: submitted screenings are kept until the clinic deletes them.
        SUBMITTED_RETENTION_DAYS = (
            _int(env, "SUBMITTED_RETENTION_DAYS", 0)
            if env.get("SUBMITTED_RETENTION_DAYS")
            else None
        )
        PDF_PAPER_SIZE = env.get("PDF_PAPER_SIZE", "A4")  # A4 or Letter
        # Render the clinic's PDF of a screening right after it is sent (in the background, after
        # the response), so that the first download is served from the cache.
        PRERENDER_PDF = _bool(env, "PRERENDER_PDF", True)
        RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "memory://")
        RATELIMIT_ENABLED = _bool(env, "RATELIMIT_ENABLED", True)
        RATELIMIT_HEADERS_ENABLED = True
        # Shared storage (Redis) down: count in this process's memory meanwhile, with a warning in the
        # log ("falling back to in-memory storage"), and try the storage again now and then. Any other
        # failure of the limiter is logged, never answered with a 500.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        RATELIMIT_SWALLOW_ERRORS = True
        # Limits per client address, and per resume code whatever the address (a bearer credential).
        RESUME_LIMIT = env.get("RESUME_LIMIT", "10 per minute;60 per hour")
        RESUME_CODE_LIMIT = env.get("RESUME_CODE_LIMIT", "10 per hour")
        # The optional return email on the saved page, per client address (it sends mail).
        RETURN_EMAIL_LIMIT = env.get("RETURN_EMAIL_LIMIT", "5 per minute;20 per hour")
        # Generous: a clinic's waiting-room tablets share one address.
        START_LIMIT = env.get("START_LIMIT", "30 per minute;300 per hour")
        # Number of proxies (load balancers) in front of the app whose X-Forwarded-For is trusted;
        # without it every client would share the balancer's address for the rate limits.
        TRUSTED_PROXY_COUNT = _int(env, "TRUSTED_PROXY_COUNT", 0)
        # The host names this service answers to (comma-separated, e.g. "screening.clinic.example");
        # a request for any other Host gets a 400. Unset: any host (local use).
        TRUSTED_HOSTS = [
            h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()
        ] or None
        # The clinic's language: clinician pages, the clinician's PDF, commands and the clinic's
        # emails are in it whatever a browser asks for; patients start in it unless their browser
        # asks for another language the service has ("en" or "es"), and may switch.
        CLINIC_LANGUAGE = (env.get("CLINIC_LANGUAGE") or "en").strip().lower()
        BABEL_DEFAULT_LOCALE = CLINIC_LANGUAGE
        # Urgent advice: the numbers and service a patient is told to call (tel: links). Unset:
        # generic words ("your emergency number", "your doctor or an urgent care service").
        EMERGENCY_PHONE = env.get("EMERGENCY_PHONE") or None
        URGENT_ADVICE_PHONE = env.get("URGENT_ADVICE_PHONE") or None
        URGENT_ADVICE_NAME = env.get("URGENT_ADVICE_NAME") or None
        # A draft resumed this long after its safety questions were last answered asks them again.
        SAFETY_RECHECK_HOURS = _int(env, "SAFETY_RECHECK_HOURS", 24)
        # The clinic's address for red-flag alerts (a reference and a sign-in link, no health
        # data). Unset: no alert is queued.
        CLINIC_ALERT_EMAIL = env.get("CLINIC_ALERT_EMAIL") or None
        # Who is asking (screening/clinic.py): shown in the header, on the start, confirmation and
        # information pages, and in the PDF. Unset: neutral words ("the clinic that sent you the
        # link"), and a warning at start in production. CLINIC_CONTROLLER names the organisation
        # responsible for the data in the privacy notice (unset: CLINIC_NAME).
        CLINIC_NAME = (env.get("CLINIC_NAME") or "").strip() or None
        CLINIC_PHONE = (env.get("CLINIC_PHONE") or "").strip() or None
        CLINIC_EMAIL = (env.get("CLINIC_EMAIL") or "").strip() or None
        CLINIC_ADDRESS = (env.get("CLINIC_ADDRESS") or "").strip() or None
        CLINIC_CONTROLLER = (env.get("CLINIC_CONTROLLER") or "").strip() or None
        MAIL_SERVER = env.get("MAIL_SERVER", "localhost")
        MAIL_PORT = _int(env, "MAIL_PORT", 25)
        MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        MAIL_USE_TLS = _bool(env, "MAIL_USE_TLS")
        MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER", "no-reply@localhost")
        MAIL_TIMEOUT_SECONDS = _int(env, "MAIL_TIMEOUT_SECONDS", 10)
        # The address clinicians open the service at, for links in alert emails (sent from the
        # command line too, where there is no request to take it from).
        PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        # Argon2id parameters for clinician passwords: argon2-cffi's RFC 9106 low-memory profile.
        # Not read from the environment: only the test suite uses the cheapest profile.
        ARGON2_PROFILE = "RFC_9106_LOW_MEMORY"

    class DevelopmentConfig(Config):
        """Local development and `make run`."""

    class ProductionConfig(Config):
        """Production: SECRET_KEY and DATABASE_URL must come from the environment."""

        ENV_NAME = "production"

    class TestingConfig(Config):
        """The test suite: an isolated database per test, rate limits off unless a test turns them on."""

        ENV_NAME = "testing"
        TESTING = True
        # Never a committed key: a key anyone can read would sign cookies for any database this
        # configuration is pointed at. A new random key per process, unless SECRET_KEY is set (to share
        # one between the workers of a server started with APP_ENV=testing).
        SECRET_KEY = env.get("SECRET_KEY") or _TESTING_KEY
        SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL") or "sqlite://"
        RATELIMIT_ENABLED = False
        RATELIMIT_STORAGE_URI = "memory://"
        # The same hashing code paths at argon2-cffi's cheapest parameters (test passwords only);
        # a server a test starts under gunicorn with APP_ENV=testing uses them too.
        ARGON2_PROFILE = "CHEAPEST"
        # Off: a background render would share the in-memory database with the test; the tests
        # of it turn it on (tests/test_prerender.py).
        PRERENDER_PDF = _bool(env, "PRERENDER_PDF", False)

    return {
        "development": DevelopmentConfig,
        "production": ProductionConfig,
        "testing": TestingConfig,
    }[name]
