"""The pages every health service has, linked from every page's footer: privacy notice,
accessibility statement, cookies and contact; and the clinic's logo.

Each page is one template under templates/pages/. A clinic replaces any of them without editing
the package by putting its own file at `<instance folder>/templates/pages/<name>.html` (the
instance folder's templates come first, see `app._template_loader`). The facts they state are
read from configuration (the clinic, the retention periods, the cookie's lifetime) and from the
questionnaire tree (what is asked), never written twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, render_template, send_file
from flask.typing import ResponseReturnValue

from . import clinic as clinic_module
from . import questionnaire

bp = Blueprint("pages", __name__)

# How long browsers may keep the logo before asking again (it changes rarely; an ETag is sent).
LOGO_MAX_AGE = 3600
# When the accessibility statement was last reviewed against the service (update on a review).
ACCESSIBILITY_REVIEWED = dt.date(2026, 12, 4)


@dataclass(frozen=True)
class Topic:
    """One part of the questionnaire as the privacy notice lists it: a title and what it covers."""

    title: str
    covers: tuple[str, ...]


def asked_topics(sections: tuple[questionnaire.Section, ...] | None = None) -> list[Topic]:
    """What the questionnaire asks, from its tree: each section's title, with the short labels
    of its questions when every question has one (the safety signs, name and date of birth),
    else the titles of its other pages (the treatments, the tests)."""
    topics = []
    for section in questionnaire.SECTIONS if sections is None else sections:
        questions = section.questions
        if questions and all(q.label is not None for q in questions):
            covers = [str(q.label) for q in questions]
        else:
            covers = [str(step.title) for step in section.steps]
        title = str(section.title)
        # Each once, in order, and not the section's own title again.
        unique = [c for i, c in enumerate(covers) if c not in covers[:i] and c != title]
        topics.append(Topic(title, tuple(unique)))
    return topics


@bp.get("/privacy")
def privacy() -> ResponseReturnValue:
    """The privacy notice: what is collected, why, who sees it, how long it is kept, rights."""
    config = current_app.config
    return render_template(
        "pages/privacy.html",
        topics=asked_topics(),
        draft_days=config["DRAFT_RETENTION_DAYS"],
        submitted_days=config.get("SUBMITTED_RETENTION_DAYS"),
        resume_days=config["RESUME_CODE_DAYS"],
        sent_minutes=config["SENT_SESSION_MINUTES"],
    )


@bp.get("/accessibility")
def accessibility() -> ResponseReturnValue:
    """The accessibility statement: WCAG 2.2 AA, how it was tested, known issues, contact."""
    return render_template(
        "pages/accessibility.html", reviewed_on=questionnaire.long_date(ACCESSIBILITY_REVIEWED)
    )


@bp.get("/cookies")
def cookies() -> ResponseReturnValue:
    """The one cookie (the session) and why it is strictly necessary; no analytics."""
    config = current_app.config
    return render_template(
        "pages/cookies.html",
        cookie_name=config.get("SESSION_COOKIE_NAME") or "session",
        hours=max(1, round(current_app.permanent_session_lifetime.total_seconds() / 3600)),
    )


@bp.get("/contact")
def contact() -> ResponseReturnValue:
    """How to reach the clinic, and where to go for urgent help."""
    return render_template("pages/contact.html")


@bp.get("/clinic-logo")
def clinic_logo() -> ResponseReturnValue:
    """The clinic's logo from the instance folder (404 when there is none)."""
    clinic = clinic_module.current()
    if clinic.logo_path is None or not clinic.logo_path.is_file():
        abort(404)
    response = send_file(
        clinic.logo_path, mimetype=clinic.logo_mimetype, max_age=LOGO_MAX_AGE, conditional=True
    )
    # Public and cacheable, unlike every other page (set here, so the no-store default is not).
    response.headers["Cache-Control"] = f"public, max-age={LOGO_MAX_AGE}"
    # An SVG opened on its own runs nothing and loads nothing.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    return response
