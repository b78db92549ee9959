"""SI joint screening: a patient questionnaire compared with published criteria. Not a diagnosis."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from .extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot work (for example no SECRET_KEY in production)."""


def _local_secret_key(instance: Path) -> str:
    """A generated key kept in the instance folder, so local sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def create_app(config: str | dict[str, Any] | None = None) -> Flask:
    """Create the app. `config` is a config name or a mapping of overrides (tests)."""
    from config import CONFIGS

    overrides: dict[str, Any] = {}
    name = os.environ.get("APP_ENV", "development")
    instance_path = os.environ.get("INSTANCE_PATH", str(ROOT / "instance"))
    if isinstance(config, str):
        name = config
    elif config:
        overrides = dict(config)
        name = overrides.pop("CONFIG_NAME", "testing")
        instance_path = overrides.pop("INSTANCE_PATH", instance_path)
    if name not in CONFIGS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=instance_path,
        instance_relative_config=True,
    )
    app.config.from_object(CONFIGS[name])
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        if name == "production":
            raise ConfigError("DATABASE_URL must be set in production")
        db_file = Path(app.instance_path) / "screening.db"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    if not app.config.get("SECRET_KEY"):
        if name == "production":
            raise ConfigError("SECRET_KEY must be set in production")
        app.config["SECRET_KEY"] = _local_secret_key(Path(app.instance_path))

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


def _init_extensions(app: Flask) -> None:
    from . import auth, database, models  # noqa: F401 - they register tables and loaders

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: app.config["BABEL_DEFAULT_LOCALE"])
    login_manager.init_app(app)
    limiter.init_app(app)
    database.configure(app)


def _register_blueprints(app: Flask) -> None:
    from . import clinician, errors, patient, patient_summary, web  # noqa: F401 - routes on patient.bp

    web.init_app(app)
    errors.init_app(app)
    app.register_blueprint(patient.bp)
    app.register_blueprint(clinician.bp)


def _register_cli(app: Flask) -> None:
    from . import cli

    cli.init_app(app)


def _configure_logging(app: Flask) -> None:
    # Request lines carry paths only (no query strings or bodies); answers never reach a log.
    logging.getLogger("werkzeug").addFilter(_DropQueryStrings())
    # Flask-Limiter logs each breach with its key at INFO; keys are hashed, and breaches are
    # audited where they matter (sign-in), so keep only its warnings.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)


class _DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                a.split("?", 1)[0] if isinstance(a, str) and "?" in a else a for a in record.args
            )
        return True
