"""Patient journey: start page, question steps, check answers, confirmation."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("patient", __name__)


@bp.get("/")
def start():
    """The start page: what this is for, how long it takes, and that it does not diagnose."""
    return render_template("patient/start.html")
