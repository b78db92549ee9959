"""SI joint screening: a patient questionnaire compared with published criteria. Not a diagnosis.

Importing the package loads nothing of Flask, SQLAlchemy or WeasyPrint: `create_app` (in
`screening.app`) does, when an app is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot work (for example no SECRET_KEY in production)."""


def create_app(config: str | dict[str, Any] | None = None) -> Flask:
    """Create the app. `config` is a config name or a mapping of overrides (tests)."""
    from .app import create_app as factory

    return factory(config)
