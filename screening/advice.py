"""What a patient with a red flag is told to do, in one place, at its level.

Two levels (`criteria.LEVELS`): "emergency" (call the emergency number or go to an emergency
department now) and "urgent" (contact a doctor today, or an urgent care service). The numbers and
the service come from the configuration (`EMERGENCY_PHONE`, `URGENT_ADVICE_PHONE`,
`URGENT_ADVICE_NAME`); when unset, generic words that are true everywhere. Every patient page
that shows advice (the interruption pages, check answers, saved, confirmation) and the summary
and PDF read it from here. Plain words, reading age about 9; every string goes through gettext.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context

from .criteria import EMERGENCY, LEVELS, URGENT  # noqa: F401 - the levels, named once
from .i18n import gettext as _


@dataclass(frozen=True)
class Phone:
    """A number to call, shown as a `tel:` link."""

    number: str  # as configured, for reading: "999", "0300 123 4567"
    href: str  # "tel:999"
    link_text: str  # "Call 999"


@dataclass(frozen=True)
class Advice:
    """The advice at one level, in words, action first."""

    level: str
    title: str  # the action, as the heading: "Call 999 or go to an emergency department now"
    action: str  # the same action as a sentence, with the service named
    phone: Phone | None  # the main number (None: no number configured)
    why: str  # why, in one plain sentence
    not_in_time: str  # the clinic will not read the answers in time
    escalate: str  # urgent only: when to get emergency help instead ("" for emergency)
    escalate_phone: Phone | None  # urgent only: the emergency number
    specialist: str  # for the specialist: "call 999 or go to an emergency department"


def _config(config: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if config is not None:
        return config
    return current_app.config if has_app_context() else {}


def tel_href(number: str) -> str:
    """A `tel:` URI of a configured number: digits and a leading + only ("0300 123" -> "tel:0300123")."""
    plain = re.sub(r"[^0-9+]", "", number)
    return "tel:" + (plain[:1] + plain[1:].replace("+", ""))


def _phone(number: str | None) -> Phone | None:
    if not number or not number.strip():
        return None
    number = number.strip()
    return Phone(number, tel_href(number), _("Call %(number)s", number=number))


def emergency(config: Mapping[str, Any] | None = None) -> Advice:
    """Emergency advice: call the emergency number or go to an emergency department now."""
    c = _config(config)
    phone = _phone(c.get("EMERGENCY_PHONE"))
    if phone is not None:
        title = _(
            "Call %(number)s or go to an emergency department now",
            number=phone.number,
        )
        specialist = _("call %(number)s or go to an emergency department now", number=phone.number)
    else:
        title = _("Call your emergency number or go to an emergency department now")
        specialist = _("call the emergency number or go to an emergency department now")
    return Advice(
        level=EMERGENCY,
        title=title,
        action=title + ".",
        phone=phone,
        why=_(
            "What you told us can be a sign of a serious problem. A doctor needs to check it "
            "straight away."
        ),
        not_in_time=_(
            "The clinic will not read your answers in time. Do not wait for your appointment."
        ),
        escalate="",
        escalate_phone=None,
        specialist=specialist,
    )


def urgent(config: Mapping[str, Any] | None = None) -> Advice:
    """Urgent advice: contact a doctor today, or the configured urgent advice service."""
    c = _config(config)
    phone = _phone(c.get("URGENT_ADVICE_PHONE"))
    name = (c.get("URGENT_ADVICE_NAME") or "").strip()
    if name and phone is not None:
        action = _(
            "Contact your doctor today, or %(service)s on %(number)s.",
            service=name,
            number=phone.number,
        )
        specialist = _(
            "contact their doctor today, or %(service)s on %(number)s",
            service=name,
            number=phone.number,
        )
    elif phone is not None:
        action = _(
            "Contact your doctor today, or call an urgent care service on %(number)s.",
            number=phone.number,
        )
        specialist = _(
            "contact their doctor today, or an urgent care service on %(number)s",
            number=phone.number,
        )
    elif name:
        action = _("Contact your doctor today, or %(service)s.", service=name)
        specialist = _("contact their doctor today, or %(service)s", service=name)
    else:
        action = _("Contact your doctor today, or an urgent care service.")
        specialist = _("contact their doctor today, or an urgent care service")
    sos = _phone(c.get("EMERGENCY_PHONE"))
    if sos is not None:
        escalate = _(
            "If you feel very unwell, or it gets worse quickly, call %(number)s or go to an "
            "emergency department.",
            number=sos.number,
        )
    else:
        escalate = _(
            "If you feel very unwell, or it gets worse quickly, call your emergency number or go "
            "to an emergency department."
        )
    return Advice(
        level=URGENT,
        title=_("Contact your doctor today"),
        action=action,
        phone=phone,
        why=_(
            "What you told us needs to be checked by a doctor soon. It cannot wait for your appointment."
        ),
        not_in_time=_("The clinic will not read your answers in time."),
        escalate=escalate,
        escalate_phone=sos,
        specialist=specialist,
    )


def at_level(level: str | None, config: Mapping[str, Any] | None = None) -> Advice | None:
    """The advice for a level ("emergency", "urgent"), or None for no red flag."""
    if level == EMERGENCY:
        return emergency(config)
    if level == URGENT:
        return urgent(config)
    return None


def highest(levels: Iterable[str | None]) -> str | None:
    """The highest of some levels: "emergency" over "urgent"; None when there is none."""
    seen = set(levels)
    return next((level for level in LEVELS if level in seen), None)


# --- times, for the specialist -----------------------------------------------------------------


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO time of the red-flag history, in UTC (None when it is not one)."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def short_time(moment: dt.datetime) -> str:
    """ "14:03" (UTC)."""
    return moment.strftime("%H:%M")


def day_and_time(moment: dt.datetime) -> str:
    """ "4 Dec 2026 14:03 UTC"."""
    return _(
        "%(day)s %(month)s %(year)s %(time)s UTC",
        day=moment.day,
        month=_MONTHS[moment.month - 1](),
        year=moment.year,
        time=short_time(moment),
    )


_MONTHS = (
    lambda: _("Jan"),
    lambda: _("Feb"),
    lambda: _("Mar"),
    lambda: _("Apr"),
    lambda: _("May"),
    lambda: _("Jun"),
    lambda: _("Jul"),
    lambda: _("Aug"),
    lambda: _("Sep"),
    lambda: _("Oct"),
    lambda: _("Nov"),
    lambda: _("Dec"),
)
