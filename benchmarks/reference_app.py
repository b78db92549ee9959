"""The load benchmark's reference: the smallest app that does what one patient step does.

One Flask-WTF form (CSRF on, session cookie) whose POST writes one row with SQLAlchemy, then
redirects to the next page. Same database kind and SQLite settings as the project. Serve it with
the project's gunicorn.conf.py: `gunicorn --config gunicorn.conf.py 'benchmarks.reference_app:create_app()'`.
Run `python benchmarks/reference_app.py init` once to create the table.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from flask import Flask, redirect, render_template_string, request, url_for
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect, FlaskForm
from sqlalchemy import Integer, String, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, NumberRange


class Base(DeclarativeBase):
    """Declarative base."""


db = SQLAlchemy(model_class=Base)


class Row(db.Model):
    """One posted step."""

    __tablename__ = "reference_row"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient: Mapped[str] = mapped_column(String(64), index=True)
    step: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(Integer)


class StepForm(FlaskForm):
    """One field to keep, as small as a form gets."""

    patient = StringField(validators=[DataRequired()])
    value = IntegerField(validators=[NumberRange(min=0, max=10_000)])


PAGE = """<!doctype html><html lang="en"><title>Step {{ step }}</title>
<form method="post" action="{{ url_for('step', n=step) }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input name="patient"><input name="value"><button>Continue</button></form></html>"""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_app() -> Flask:
    """The reference app, configured from DATABASE_URL and SECRET_KEY like the project."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    db.init_app(app)
    CSRFProtect(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)

    @app.route("/step/<int:n>", methods=["GET", "POST"])
    def step(n: int) -> Any:
        form = StepForm()
        if request.method == "POST":
            if not form.validate_on_submit():
                return "bad form", 400
            db.session.add(Row(patient=form.patient.data, step=n, value=form.value.data))
            db.session.commit()
            return redirect(url_for("step", n=n + 1))
        return render_template_string(PAGE, step=n)

    return app


if __name__ == "__main__":
    if sys.argv[1:] != ["init"]:
        sys.exit("usage: python benchmarks/reference_app.py init")
    with create_app().app_context():
        db.create_all()
