"""Patient journey: start page, question steps, check answers, confirmation, save and resume.

Thin views: they validate with the forms built from the questionnaire definition, call the
drafts service, commit once and redirect. The patient's draft is bound to the session by its
token; no id or token ever appears in a URL. Nothing a patient types is logged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from . import drafts, questionnaire
from .criteria import (
    OVERALL_EXPLANATIONS,
    OVERALL_LABELS,
    RED_FLAG_ADVICE,
    RED_FLAG_TITLE,
    STATUS_LABELS,
)
from .engine import red_flags
from .extensions import db, limiter
from .forms import layout, step_form
from .models import Screening, utcnow

bp = Blueprint("patient", __name__)

SESSION_KEY = "screening_token"
CODE_KEY = "resume_code"  # the code just issued, shown on the "saved" page until used
STEPS = questionnaire.STEPS
RED_FLAGS_QUESTION = questionnaire.BY_KEY["red_flags"]
SAFETY_STEP = next(s for s in STEPS if RED_FLAGS_QUESTION in s.questions)


# --- helpers ------------------------------------------------------------------------------


@bp.context_processor
def _red_flag_words() -> dict[str, Any]:
    # One wording of the urgent advice for every patient page that shows it.
    return {"red_flag_title": RED_FLAG_TITLE, "red_flag_advice": RED_FLAG_ADVICE}


def _current() -> Screening | None:
    # Asked more than once a request (the rate limit's exemption, then the view): look up once.
    token = session.get(SESSION_KEY)
    cached = g.get("patient_screening")
    if cached is None or cached[0] != token:
        g.patient_screening = (token, drafts.by_token(token))
    return g.patient_screening[1]


def _bind(screening: Screening) -> None:
    session.permanent = True
    session[SESSION_KEY] = screening.token
    session.pop(CODE_KEY, None)


def _returning() -> bool:
    return request.args.get("return") == "check"


def _step_url(step: questionnaire.Step, returning: bool = False, anchor: str | None = None) -> str:
    args: dict[str, Any] = {"step_key": step.key}
    if returning:
        args["return"] = "check"
    if anchor:
        args["_anchor"] = anchor
    return url_for("patient.step", **args)


def _index(step: questionnaire.Step) -> int:
    return STEPS.index(step)


def _next_url(step: questionnaire.Step, screening: Screening) -> str:
    if step is SAFETY_STEP and red_flags(screening.answers or {}):
        return url_for("patient.urgent", **({"return": "check"} if _returning() else {}))
    if _returning():
        return url_for("patient.check")
    i = _index(step)
    if i + 1 < len(STEPS):
        return _step_url(STEPS[i + 1])
    return url_for("patient.check")


def _back_url(step: questionnaire.Step) -> str:
    if _returning():
        return url_for("patient.check")
    i = _index(step)
    return _step_url(STEPS[i - 1]) if i > 0 else url_for("patient.start")


def _continue_url(screening: Screening) -> str:
    step = questionnaire.first_unanswered_step(screening.answers or {})
    return _step_url(step) if step else url_for("patient.check")


def _red_flags_in_words(answers: dict[str, Any]) -> list[str]:
    return [RED_FLAGS_QUESTION.label_of(v) for v in red_flags(answers)]


def _no_draft() -> Response:
    return redirect(url_for("patient.start"))


# --- start --------------------------------------------------------------------------------


@bp.get("/")
def start():
    """The start page: what this is for, how long it takes, and that it does not diagnose."""
    screening = _current()
    draft = screening if screening is not None and not screening.is_submitted else None
    return render_template(
        "patient/start.html",
        continue_url=_continue_url(draft) if draft else None,
        sent=screening is not None and screening.is_submitted,
    )


@bp.post("/start")
@limiter.limit(lambda: current_app.config["START_LIMIT"])
def begin():
    """Start a new screening: a new draft bound to this session."""
    current = _current()
    if (
        current is not None
        and not current.is_submitted
        and current.answers
        and request.form.get("again") != "yes"
    ):
        # Never drop answers in progress by accident: ask first.
        return render_template("patient/start_again.html", continue_url=_continue_url(current))
    screening = drafts.create_draft()
    db.session.commit()
    _bind(screening)
    return redirect(_step_url(STEPS[0]))


# --- steps --------------------------------------------------------------------------------


def _render_step(
    step, form, answers, *, notice: str | None = None, status: int = 200, session_ended=False
):
    errors = form.error_list
    blocks = layout(form, answers)
    return (
        render_template(
            "patient/step.html",
            step=step,
            form=form,
            blocks=blocks,
            errors=errors,
            error_title=bool(errors),
            number=_index(step) + 1,
            total=len(STEPS),
            single=len(blocks) == 1,
            back_url=_back_url(step),
            action_url=_step_url(step, _returning()),
            notice=notice,
            session_ended=session_ended,
        ),
        status,
    )


def _has_draft() -> bool:
    return _current() is not None


@bp.route("/step/<step_key>", methods=["GET", "POST"])
# A post without a session starts a new draft (below): it counts towards the start limit.
@limiter.limit(lambda: current_app.config["START_LIMIT"], methods=["POST"], exempt_when=_has_draft)
def step(step_key: str):
    """One page of questions. Continue saves the page; save-and-come-back-later gives a code."""
    step = questionnaire.STEP_BY_KEY.get(step_key)
    if step is None:
        abort(404)
    screening = _current()
    if screening is None and request.method == "GET":
        return _no_draft()
    if screening is not None and screening.is_submitted:
        return redirect(url_for("patient.confirmation"))
    answers = dict(screening.answers or {}) if screening else {}
    if request.method == "GET":
        return _render_step(step, step_form(step, answers=answers), answers)

    saving = request.form.get("action") == "save"
    form = step_form(step, formdata=request.form)
    values = form.clean(answers, partial=saving)
    if values is None:
        notice = None
        if saving:
            notice = _(
                "Your answers on this page are not saved yet. Correct the answers below, or "
                "clear them, then select ‘Save and come back later’ again."
            )
        return _render_step(step, form, answers, notice=notice)
    if screening is None:
        # The session ended while the page was open: keep what was typed in a new draft
        # rather than lose it. Earlier answers stay with the old draft and its resume code.
        screening = drafts.create_draft()
        _bind(screening)
    drafts.save_step(screening, step.key, values)
    if saving:
        code = drafts.issue_resume_code(
            screening, current_app.config["SECRET_KEY"], current_app.config["RESUME_CODE_DAYS"]
        )
        db.session.commit()
        session[CODE_KEY] = code
        session["resume_from"] = step.key
        return redirect(url_for("patient.saved"))
    db.session.commit()
    return redirect(_next_url(step, screening))


@bp.errorhandler(CSRFError)
def csrf_error(e: CSRFError):
    """An expired or missing security token: show the page again with what was typed."""
    step = questionnaire.STEP_BY_KEY.get((request.view_args or {}).get("step_key", ""))
    screening = _current()
    notice = _(
        "This page was open for a long time, so for your safety your answers on it were not "
        "saved yet. Check them and select Continue again."
    )
    if request.endpoint == "patient.step" and step is not None and screening is not None:
        answers = dict(screening.answers or {})
        return _render_step(step, step_form(step, formdata=request.form), answers, notice=notice)
    if request.endpoint == "patient.step" and step is not None:
        # No session at all (it expired): nothing is lost that was saved, and what was typed
        # on this page is shown again with a fresh token, so Continue keeps it.
        notice = _(
            "Your session ended, so this page is not linked to your saved answers any more. "
            "If you saved your answers with a code, use it to go back to them. Or select "
            "Continue to keep the answers on this page and carry on from here."
        )
        form = step_form(step, formdata=request.form)
        return _render_step(step, form, {}, notice=notice, session_ended=True)
    from .errors import render_error

    return render_error(400)


@bp.get("/urgent")
def urgent():
    """Shown as soon as the safety step is answered with a red flag."""
    screening = _current()
    if screening is None:
        return _no_draft()
    answers = screening.answers or {}
    flags = _red_flags_in_words(answers)
    if not flags:
        return redirect(_continue_url(screening))
    next_url = (
        url_for("patient.confirmation") if screening.is_submitted else url_for("patient.check")
    )
    return render_template(
        "patient/urgent.html",
        flags=flags,
        next_url=next_url,
        back_url=_step_url(SAFETY_STEP, _returning()),
    )


# --- check answers and submit --------------------------------------------------------------


def _sections(answers: dict[str, Any]) -> list[dict[str, Any]]:
    step_of = {q.key: s for s in STEPS for q in s.questions}
    out = []
    for section in questionnaire.SECTIONS:
        rows = []
        for q in questionnaire.QUESTIONS:
            if q.section != section.key or not q.is_asked(answers):
                continue
            label = q.text if not q.when else str(q.short)[:1].upper() + str(q.short)[1:]
            rows.append(
                {
                    "key": q.key,
                    "label": label,
                    "value": q.in_words(answers.get(q.key)),
                    "short": q.short,
                    "change_url": _step_url(step_of[q.key], True, q.key),
                }
            )
        out.append({"title": section.title, "rows": rows})
    return out


@bp.route("/check", methods=["GET", "POST"])
def check():
    """Every answer in words, with Change links; the submit button locks the answers."""
    screening = _current()
    if screening is None:
        return _no_draft()
    if screening.is_submitted:
        return redirect(url_for("patient.confirmation"))
    answers = dict(screening.answers or {})
    missing = questionnaire.first_unanswered_step(answers)
    if missing is not None:
        return redirect(_step_url(missing, True))
    if request.method == "GET":
        return render_template(
            "patient/check.html",
            sections=_sections(answers),
            back_url=_step_url(STEPS[-1]),
        )
    try:
        drafts.submit(screening)
    except drafts.AlreadySubmitted:
        db.session.rollback()
        return redirect(url_for("patient.confirmation"))
    except questionnaire.AnswerError:
        db.session.rollback()
        return redirect(_continue_url(screening))
    db.session.commit()
    session.pop(CODE_KEY, None)
    return redirect(url_for("patient.confirmation"))


@bp.get("/confirmation")
def confirmation():
    """The reference, what happens next, and the comparison in plain words."""
    screening = _current()
    if screening is None:
        return _no_draft()
    if not screening.is_submitted:
        return redirect(_continue_url(screening))
    evaluation = screening.evaluation or {}
    return render_template(
        "patient/confirmation.html",
        screening=screening,
        red_flags=_red_flags_in_words(screening.answers or {}),
        criteria=evaluation.get("criteria", []),
        flags=evaluation.get("flags", []),
        overall_label=OVERALL_LABELS.get(evaluation.get("overall", ""), ""),
        overall_explanation=OVERALL_EXPLANATIONS.get(evaluation.get("overall", ""), ""),
        status_labels=STATUS_LABELS,
    )


# --- save and resume ------------------------------------------------------------------------


@bp.get("/saved")
def saved():
    """The resume code just issued, to write down."""
    screening = _current()
    if screening is None:
        return _no_draft()
    if screening.is_submitted:
        return redirect(url_for("patient.confirmation"))
    code = session.get(CODE_KEY)
    if not code:
        return redirect(_continue_url(screening))
    days = current_app.config["RESUME_CODE_DAYS"]
    expires = screening.resume_expires_at or (utcnow() + dt.timedelta(days=days))
    step = questionnaire.STEP_BY_KEY.get(session.get("resume_from", ""))
    return render_template(
        "patient/saved.html",
        red_flags=_red_flags_in_words(screening.answers or {}),
        code=code,
        days=days,
        expires=format_date(expires.date(), "d MMMM y"),
        continue_url=_step_url(step) if step else _continue_url(screening),
    )


def _code_key() -> str:
    """Rate-limit key of a resume code, so one code cannot be tried from many addresses."""
    plain = drafts.normalise_code(request.form.get("code", ""))[:32]
    # An empty code is nobody's: count it against the address instead.
    if not plain:
        return f"resume-empty:{request.remote_addr}"
    # The key lands in the limiter's storage (Redis) and its log lines: never the code itself.
    return "resume-code:" + drafts.hash_code(plain, current_app.config["SECRET_KEY"])[:32]


@bp.route("/resume", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESUME_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["RESUME_CODE_LIMIT"],
    key_func=_code_key,
    methods=["POST"],
)
def resume():
    """Go back to saved answers with a resume code (any case, with or without hyphens)."""
    error = None
    code = ""
    if request.method == "POST":
        code = request.form.get("code", "")
        deleting = request.form.get("action") == "delete"
        plain = drafts.normalise_code(code)
        if not plain:
            error = _("Enter the code you were given when you saved your answers")
        elif len(plain) != 12:
            error = _(
                "The code must have 12 letters and numbers, like K7QM-9XDA-2PTW. Check it "
                "and try again"
            )
        else:
            screening = drafts.find_by_resume_code(code, current_app.config["SECRET_KEY"])
            if screening is None:
                error = _(
                    "This code does not open any saved answers. Check it and try again. "
                    "Codes stop working %(days)s days after you get them",
                    days=current_app.config["RESUME_CODE_DAYS"],
                )
            else:
                _bind(screening)
                if deleting:
                    return redirect(url_for("patient.delete"))
                return redirect(_continue_url(screening))
    return render_template(
        "patient/resume.html",
        code=code,
        error=error,
        error_title=bool(error),
        back_url=url_for("patient.start"),
    )


# --- delete ----------------------------------------------------------------------------------


@bp.route("/delete", methods=["GET", "POST"])
def delete():
    """Delete the draft for good, after a confirmation page."""
    screening = _current()
    if screening is None:
        return _no_draft()
    if screening.is_submitted:
        return redirect(url_for("patient.confirmation"))
    if request.method == "POST":
        drafts.delete_draft(screening)
        db.session.commit()
        session.pop(SESSION_KEY, None)
        session.pop(CODE_KEY, None)
        return redirect(url_for("patient.deleted"))
    return render_template(
        "patient/delete.html",
        cancel_url=_continue_url(screening),
    )


@bp.get("/deleted")
def deleted():
    """Confirmation that the answers are gone."""
    return render_template("patient/deleted.html")
