"""The application factory: configuration, instance files, extensions, blueprints, commands.

Imported only when an app is created, so that the pure modules (the questionnaire, the criteria,
the engine) can be imported without Flask.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from flask import Flask
from flask.logging import default_handler
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from . import ROOT, ConfigError
from .extensions import babel, csrf, db, limiter, login_manager, migrate

# A checkout (`make run`) keeps templates/, migrations/ and instance/ beside the package; an
# installed wheel carries templates and migrations inside it (pyproject maps them there) and
# leaves the instance folder to Flask (<prefix>/var/screening-instance).
CHECKOUT = (ROOT / "pyproject.toml").is_file() and (ROOT / "templates").is_dir()


def _data_dir(name: str) -> Path:
    return ROOT / name if CHECKOUT else Path(__file__).resolve().parent / name


# Production refuses shorter keys: the key signs sessions and CSRF tokens and keys resume-code hashes.
MIN_SECRET_KEY_LENGTH = 32
# Flask-Limiter storages that talk to a Redis (or Valkey) server over a socket.
_REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://", "valkey://", "valkeys://")


@contextmanager
def _folder_locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on the folder, so that workers starting at once take turns."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        with suppress(OSError):  # a file system without locks: best effort, as before
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _make_private(path: Path, logger: logging.Logger) -> None:
    """Owner-only access to a file that holds a secret or health data (an older version may have
    left it readable by others)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & 0o700)
            logger.warning("%s was readable by other users: made owner-only", path)
    except FileNotFoundError:
        pass
    except OSError as e:
        logger.warning("%s is readable by other users and could not be changed: %s", path, e)


def _local_secret_key(instance: Path, logger: logging.Logger) -> str:
    """A generated key kept in the instance folder, so local sessions survive restarts.

    Workers starting together on a fresh folder agree on one key (they take turns); an empty
    file is replaced with a new key, never used; an unreadable one stops the start with a clear
    message.
    """
    path = instance / "secret_key"
    try:
        with _folder_locked(instance):
            if path.exists():
                _make_private(path, logger)
                key = path.read_text(encoding="utf-8").strip()
                if key:
                    return key
                logger.warning("%s was empty: a new key was generated into it", path)
            key = secrets.token_hex(32)
            # Written whole under another name, then renamed: never seen half-written.
            tmp = path.with_name(f".secret_key.{os.getpid()}.tmp")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(key)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
            return key
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
        raise ConfigError(
            f"cannot read or create the secret key file {path}: {reason} "
            "(fix or delete the file, or set SECRET_KEY)"
        ) from e


def _private_sqlite_file(uri: str, instance: Path, logger: logging.Logger) -> None:
    """Create a SQLite database file owner-only (mode 600) before SQLite opens it.

    SQLite gives its -wal, -shm and -journal files the database file's permissions, so they are
    owner-only too. Existing files readable by others are made owner-only.
    """
    try:
        url = make_url(uri)
    except ArgumentError:
        return  # SQLAlchemy reports the bad URL
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return
    if database.startswith("file:") or url.query.get("uri"):
        return  # SQLite URI filenames: their options (mode=memory, ...) are SQLite's to read
    path = Path(database)
    if not path.is_absolute():
        path = instance / path  # where Flask-SQLAlchemy puts a relative SQLite path
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        return  # a missing folder, no permission: SQLite reports it when it opens the file
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        _make_private(name, logger)


def create_app(config: str | dict[str, Any] | None = None) -> Flask:
    """Create the app. `config` is a config name or a mapping of overrides (tests)."""
    import config as settings

    overrides: dict[str, Any] = {}
    name = os.environ.get("APP_ENV", "development")
    instance_path = os.environ.get("INSTANCE_PATH", str(ROOT / "instance") if CHECKOUT else None)
    if isinstance(config, str):
        name = config
    elif config:
        overrides = dict(config)
        name = overrides.pop("CONFIG_NAME", "testing")
        instance_path = overrides.pop("INSTANCE_PATH", instance_path)
    if name not in settings.NAMES:
        raise ConfigError(f"APP_ENV must be one of {', '.join(settings.NAMES)}, not {name!r}")
    try:
        chosen = settings.load(name)  # the environment, read now
    except settings.SettingError as e:
        raise ConfigError(str(e)) from None

    app = Flask(
        __name__,
        template_folder=str(_data_dir("templates")),
        instance_path=instance_path,
        instance_relative_config=True,
    )
    app.config.from_object(chosen)
    app.config.update(overrides)
    # Owner-only: it holds the local database and the generated secret key.
    Path(app.instance_path).mkdir(parents=True, exist_ok=True, mode=0o700)
    _template_loader(app)
    if name == "testing" and not isinstance(config, dict):  # chosen by APP_ENV, not by a test
        app.logger.warning(
            "APP_ENV=testing is for the test suite only: rate limits are off and, without "
            "SECRET_KEY, the secret key changes at every start; use development or production"
        )

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        if name == "production":
            raise ConfigError("DATABASE_URL must be set in production")
        db_file = Path(app.instance_path) / "screening.db"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"], Path(app.instance_path), app.logger)
    _check_secret_key(app, name)
    _rate_limit_storage_timeouts(app)
    from . import clinic

    clinic.init_app(app, name)  # warns in production when the clinic's name or contact is unset

    if app.config.get("TRUSTED_PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind a load balancer: take the client address (rate limits, audit) from it.
        hops = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _configure_logging(app)
    return app


def _template_loader(app: Flask) -> None:
    """The instance folder's templates/ first, then the package's: a clinic replaces a page
    (`instance/templates/pages/privacy.html`) without editing the package."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    own = Path(app.instance_path) / "templates"
    app.jinja_loader = ChoiceLoader(  # type: ignore[assignment]
        [FileSystemLoader(str(own)), FileSystemLoader(str(app.template_folder))]
    )


def _check_secret_key(app: Flask, name: str) -> None:
    key = app.config.get("SECRET_KEY")
    hint = "generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"
    if not key:
        if name == "production":
            raise ConfigError(f"SECRET_KEY must be set in production; {hint}")
        app.config["SECRET_KEY"] = _local_secret_key(Path(app.instance_path), app.logger)
    elif name == "production" and len(key.strip()) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters in production "
            f"(it has {len(key.strip())}); {hint}"
        )


def _rate_limit_storage_timeouts(app: Flask) -> None:
    """A Redis that hangs must not hang requests: give up after seconds and use the fallback."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if uri.startswith(_REDIS_SCHEMES) and not app.config.get("RATELIMIT_STORAGE_OPTIONS"):
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_connect_timeout": 2, "socket_timeout": 2}


def _init_extensions(app: Flask) -> None:
    from . import auth, database, languages, models  # noqa: F401 - tables, loaders, languages

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_data_dir("migrations")), render_as_batch=True)
    csrf.init_app(app)
    _init_languages(app)
    babel.init_app(app, locale_selector=languages.select_locale)
    login_manager.init_app(app)
    limiter.init_app(app)
    database.configure(app)


def _init_languages(app: Flask) -> None:
    """The clinic's language, and where the compiled catalogues are (`make install` compiles
    translations/<lang>/LC_MESSAGES/messages.po; a wheel carries them compiled, built in)."""
    from . import languages

    clinic = str(app.config.get("CLINIC_LANGUAGE") or languages.SOURCE_LANGUAGE).strip().lower()
    if clinic not in languages.LANGUAGES:
        raise ConfigError(
            f"CLINIC_LANGUAGE must be one of {', '.join(languages.LANGUAGES)}, not {clinic!r}"
        )
    app.config["CLINIC_LANGUAGE"] = app.config["BABEL_DEFAULT_LOCALE"] = clinic
    folder = _data_dir("translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(folder)
    for code in languages.LANGUAGES:
        compiled = folder / code / "LC_MESSAGES" / "messages.mo"
        if code != languages.SOURCE_LANGUAGE and not compiled.is_file():
            app.logger.warning("%s is missing: run `make install` to compile it", compiled)
    languages.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from . import clinician, errors, pages, patient, web

    web.init_app(app)
    errors.init_app(app)
    app.register_blueprint(patient.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(clinician.bp)


def _register_cli(app: Flask) -> None:
    from . import cli

    cli.init_app(app)


def _configure_logging(app: Flask) -> None:
    # Request lines carry paths only (no query strings or bodies); answers never reach a log.
    logging.getLogger("werkzeug").addFilter(_DropQueryStrings())
    # Flask-Limiter logs each breach with its key at INFO; keys are hashed, and breaches are
    # audited where they matter (sign-in), so keep only its warnings and errors (among them "Rate
    # limit storage unreachable - falling back to in-memory storage") and "storage recovered".
    limiter_log = logging.getLogger("flask-limiter")
    limiter_log.setLevel(logging.INFO)
    if not any(isinstance(f, _StorageNewsOnly) for f in limiter_log.filters):
        limiter_log.addFilter(_StorageNewsOnly())
    # Its logger has only a NullHandler, which hides those warnings when nothing configures
    # logging (under gunicorn): send them where Flask's own go (gunicorn's error log, or stderr).
    if not _has_handler(limiter_log):
        limiter_log.addHandler(default_handler)


def _has_handler(logger: logging.Logger) -> bool:
    """Whether a record of this logger reaches a handler that writes it somewhere."""
    current: logging.Logger | None = logger
    while current is not None:
        if any(not isinstance(h, logging.NullHandler) for h in current.handlers):
            return True
        current = current.parent if current.propagate else None
    return False


class _StorageNewsOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.getMessage().startswith(
            "Rate limit storage"
        )


class _DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                a.split("?", 1)[0] if isinstance(a, str) and "?" in a else a for a in record.args
            )
        return True
