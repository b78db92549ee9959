"""Friendly error pages: never a traceback, never a bare status page."""

from __future__ import annotations

import traceback

from flask import Flask, render_template
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

MESSAGES = {
    400: (
        lambda: _("Something was wrong with that request"),
        lambda: _("Go back and try again. Anything you saved is still there."),
    ),
    403: (
        lambda: _("You cannot open this page"),
        lambda: _("You do not have permission to see this page."),
    ),
    404: (
        lambda: _("Page not found"),
        lambda: _("If you typed the web address, check it is correct."),
    ),
    405: (
        lambda: _("Something was wrong with that request"),
        lambda: _("Go back and try again. Anything you saved is still there."),
    ),
    413: (
        lambda: _("What you sent was too large"),
        lambda: _("Go back and make your answers shorter, then try again."),
    ),
    429: (
        lambda: _("Too many tries"),
        lambda: _("For your safety, please wait a minute before you try again."),
    ),
    500: (
        lambda: _("Sorry, there is a problem with the service"),
        lambda: _("Try again later. Anything you saved is still there."),
    ),
}


def render_error(code: int):
    """Render the friendly page for an HTTP status code."""
    title, body = MESSAGES.get(code, MESSAGES[500])
    return render_template("error.html", title=title(), body=body(), code=code), code


def _frames(e: BaseException) -> str:
    """The traceback of `e` without its message: where it happened, in the code's own words."""
    frames = traceback.format_list(traceback.extract_tb(e.__traceback__))
    return "Traceback (most recent call last):\n" + "".join(frames).rstrip()


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        if isinstance(e, SecurityError):
            # A Host the clinic did not configure: no page of ours is built for it (its links
            # would name that host), just a plain refusal.
            return "Bad Request", 400, {"Content-Type": "text/plain; charset=utf-8"}
        code = e.code or 500
        response = render_error(code if code in MESSAGES else 500 if code >= 500 else 400)
        if code == 405 and getattr(e, "valid_methods", None):
            return response[0], 405, {"Allow": ", ".join(e.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        # The traceback's frames (file, line, code) and the type, never the exception's text
        # nor the request: either could contain answers.
        app.logger.error("Unhandled %s\n%s", type(e).__name__, _frames(e))
        # A failed statement leaves the transaction unusable: the error page must not need it.
        from .extensions import db

        db.session.rollback()
        return render_error(InternalServerError.code)
