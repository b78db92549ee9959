"""Who is asking: the clinic's name, contact details and logo, read once from configuration.

Every page, the information pages and the PDF take the clinic from here (`clinic` in every
template, `current()` in code), never from the configuration directly, so that the neutral words
used when a setting is missing are chosen in one place.

Settings (config.py, README): CLINIC_NAME, CLINIC_PHONE, CLINIC_EMAIL, CLINIC_ADDRESS and
CLINIC_CONTROLLER (the organisation responsible for the data; CLINIC_NAME when unset). The logo is
a file in the instance folder, `clinic-logo.svg`, `.png` or `.jpg` (the first found, at start),
served by `pages.clinic_logo`. It is not put in the PDF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from .i18n import gettext as _

# The logo files looked for in the instance folder, in this order, with their media types.
LOGO_FILES = {
    "clinic-logo.svg": "image/svg+xml",
    "clinic-logo.png": "image/png",
    "clinic-logo.jpg": "image/jpeg",
}
EXTENSION_KEY = "screening.clinic"


@dataclass(frozen=True)
class Clinic:
    """The clinic as configured; every field may be missing (None)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    controller: str | None = None
    logo_path: Path | None = None
    logo_mimetype: str | None = None

    @classmethod
    def from_config(cls, config: Any, instance_path: str | Path) -> Clinic:
        """The clinic of an app's configuration, with the logo file found in its instance folder."""

        def setting(name: str) -> str | None:
            value = config.get(name)
            return str(value).strip() or None if value else None

        logo_path, logo_mimetype = None, None
        for filename, mimetype in LOGO_FILES.items():
            candidate = Path(instance_path) / filename
            if candidate.is_file():
                logo_path, logo_mimetype = candidate, mimetype
                break
        return cls(
            name=setting("CLINIC_NAME"),
            phone=setting("CLINIC_PHONE"),
            email=setting("CLINIC_EMAIL"),
            address=setting("CLINIC_ADDRESS"),
            controller=setting("CLINIC_CONTROLLER"),
            logo_path=logo_path,
            logo_mimetype=logo_mimetype,
        )

    # --- what pages show --------------------------------------------------------------------

    @property
    def display_name(self) -> str:
        """The clinic's name, or neutral words that fit in a sentence when it is not set."""
        return self.name or _("the clinic that sent you the link")

    @property
    def has_contact(self) -> bool:
        """Whether a patient can be told how to reach the clinic (a phone number or an email)."""
        return bool(self.phone or self.email)

    @property
    def has_logo(self) -> bool:
        """Whether a logo file was found in the instance folder."""
        return self.logo_path is not None

    @property
    def logo_alt(self) -> str:
        """The logo's text alternative: the clinic's name."""
        return self.name or _("The clinic's logo")

    @property
    def phone_href(self) -> str | None:
        """A tel: link for the phone number (digits and a leading +), or None."""
        if not self.phone:
            return None
        digits = re.sub(r"[^0-9+]", "", self.phone)
        return f"tel:{digits}" if digits.strip("+") else None

    @property
    def address_lines(self) -> list[str]:
        """The address, one line per line or comma of CLINIC_ADDRESS."""
        if not self.address:
            return []
        separator = "\n" if "\n" in self.address else ","
        return [line.strip() for line in self.address.split(separator) if line.strip()]

    @property
    def controller_name(self) -> str | None:
        """Who is responsible for the data: CLINIC_CONTROLLER, else CLINIC_NAME."""
        return self.controller or self.name

    def missing(self) -> list[str]:
        """The settings a production service should have and does not (names only)."""
        missing = [] if self.name else ["CLINIC_NAME"]
        if not self.has_contact:
            missing.append("CLINIC_PHONE or CLINIC_EMAIL")
        return missing


def current() -> Clinic:
    """The clinic of the current app."""
    return current_app.extensions[EXTENSION_KEY]


def init_app(app: Flask, env_name: str) -> None:
    """Read the clinic once, offer it to every template as `clinic`, and warn in production when
    patients would not be told who is asking or how to reach the clinic (not fatal)."""
    clinic = Clinic.from_config(app.config, app.instance_path)
    app.extensions[EXTENSION_KEY] = clinic

    @app.context_processor
    def _clinic() -> dict[str, Any]:
        return {"clinic": app.extensions[EXTENSION_KEY]}

    missing = clinic.missing()
    if env_name == "production" and missing:
        app.logger.warning(
            "%s not set: patients are not told which clinic is asking or how to contact it "
            "(they see 'the clinic that sent you the link'); set them in the environment",
            " and ".join(missing),
        )
