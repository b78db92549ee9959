"""Patient journey: start page, question steps, check answers, confirmation, save and resume.

Thin views: they validate with the forms built from the questionnaire definition, call the
drafts service, commit once and redirect. The patient's draft is bound to the session by its
token; no id or token ever appears in a URL. Nothing a patient types is logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel.dates import format_skeleton
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from . import advice, drafts, languages, questionnaire, return_email, upgrade
from .engine import red_flag_level, red_flags
from .extensions import db, limiter
from .forms import layout, step_form
from .models import Screening, utcnow
from .presenter import present

bp = Blueprint("patient", __name__)

SESSION_KEY = "screening_token"
# The token of the screening this browser sent. Only that browser reads the confirmation and the
# summary, and only for SENT_SESSION_MINUTES after sending (counted from the stored time, so requests do
# not extend it): a shared device or an earlier resume code shows nothing after that.
SENT_KEY = "sent_token"
_CACHE_KEY = "screening.patient"  # the request's own lookup of its screening
# What this browser sent last, kept after the sent session ends so that "Start now" can say so:
# [reference, time sent (ISO, UTC)], nothing about health. Kept PERMANENT_SESSION_LIFETIME from
# the time sent (later requests do not extend it); "Finish and close" clears it at once.
SENT_BEFORE_KEY = "sent_before"
# A draft answered under earlier questions is converted to the current ones on its next load
# (drafts.upgrade_draft); this browser is then shown first the page with a new or unanswered
# question, once, saying that the questions changed: [token, page key].
UPGRADED_KEY = "upgraded"
# A draft just resumed with its code: the page it lands on says once from which day the answers
# were restored: [token, day of the last save (ISO)]. Nothing about health.
RESTORED_KEY = "restored"


def _steps(answers: dict[str, Any] | None = None) -> tuple[questionnaire.Step, ...]:
    """The pages a patient walks through: those with a question asked under their answers
    (a page about a treatment not tried is skipped). Without answers: every page."""
    if answers is None:
        return questionnaire.STEPS
    return questionnaire.CURRENT.shown_steps(answers)


def _safety_steps() -> tuple[questionnaire.Step, ...]:
    """The safety pages, asked first: emergency signs, then urgent signs."""
    return tuple(questionnaire.STEP_BY_KEY[k] for k in drafts.safety_steps())


# --- helpers ------------------------------------------------------------------------------


def _advice_context(answers: dict[str, Any]) -> dict[str, Any]:
    """The advice at the answers' level and what the patient told us, for the advice box that
    stands first on a page (the macro in templates/patient/_urgent.html); empty without red flags."""
    level = red_flag_level(answers)
    return {
        "advice": advice.at_level(level),
        "told": [str(questionnaire.BY_KEY[f["id"]].row_label) for f in red_flags(answers)],
    }


def _safety_due(screening: Screening) -> bool:
    """Whether the safety pages are asked again before anything else (answered too long ago)."""
    return drafts.safety_due(screening, current_app.config["SAFETY_RECHECK_HOURS"])


def _older_than_a_day(screening: Screening) -> bool:
    started = screening.created_at
    if started is None:
        return False
    if started.tzinfo is None:  # SQLite returns naive datetimes
        started = started.replace(tzinfo=dt.UTC)
    return utcnow() - started > dt.timedelta(days=1)


def _current() -> Screening | None:
    """The draft bound to this browser, or the screening it sent while still readable."""
    # Asked more than once a request (the rate limit's exemption, then the view): look up once.
    # Kept on the request itself: an app context (and its `g`) may outlive one request.
    token = session.get(SESSION_KEY)
    cached = request.environ.get(_CACHE_KEY)
    if cached is None or cached[0] != token:
        screening = drafts.by_token(token)
        if (
            screening is not None
            and not screening.is_submitted
            and upgrade.needs_upgrade(screening.questionnaire_version)
        ):
            screening = _upgrade(screening)
        if screening is not None and screening.is_submitted and not _sent_here(screening):
            # Sent from another device (this browser had resumed it earlier), or sent here
            # too long ago: this browser sees nothing of it any more.
            _forget()
            token = None
            screening = None
        cached = request.environ[_CACHE_KEY] = (token, screening)
    return cached[1]


def _write_draft(write: Callable[[], Any]) -> Response | None:
    """Run a write to this browser's draft and commit; None when it landed.

    A draft sent from another tab a moment ago keeps its sent answers exactly (the confirmation
    is shown); one deleted meanwhile is forgotten here (the deleted page is shown).
    """
    try:
        write()
    except drafts.AlreadySubmitted:
        db.session.rollback()
        return redirect(url_for("patient.confirmation"))
    except drafts.DraftGone:
        db.session.rollback()
        _forget()
        return redirect(url_for("patient.deleted"))
    db.session.commit()
    return None


def _upgrade(screening: Screening) -> Screening | None:
    """Convert a draft answered under earlier questions to the current ones, and commit.

    Sent screenings are never converted: a draft sent meanwhile is returned sent, unchanged.
    None when it was deleted meanwhile.
    """
    try:
        done = drafts.upgrade_draft(screening)
    except drafts.AlreadySubmitted:
        db.session.rollback()
        return screening
    except drafts.DraftGone:
        db.session.rollback()
        return None
    db.session.commit()
    if done is not None and done.landing is not None:
        session[UPGRADED_KEY] = [screening.token, done.landing]
    return screening


def _landing(screening: Screening) -> questionnaire.Step | None:
    """The page this browser sees first since the draft was converted to the current questions."""
    mark = session.get(UPGRADED_KEY)
    if not mark or mark[0] != screening.token:
        return None
    step = questionnaire.STEP_BY_KEY.get(mark[1])
    if step is None or step.key not in {s.key for s in _steps(screening.answers or {})}:
        session.pop(UPGRADED_KEY, None)
        return None
    return step


def _sent_here(screening: Screening) -> bool:
    if session.get(SENT_KEY) != screening.token or screening.submitted_at is None:
        return False
    sent = screening.submitted_at
    if sent.tzinfo is None:  # SQLite returns naive datetimes
        sent = sent.replace(tzinfo=dt.UTC)
    minutes = current_app.config["SENT_SESSION_MINUTES"]
    return utcnow() < sent + dt.timedelta(minutes=minutes)


def _bind(screening: Screening) -> None:
    session.permanent = True
    session[SESSION_KEY] = screening.token
    session.pop(SENT_KEY, None)
    session.pop(UPGRADED_KEY, None)
    session.pop(RESTORED_KEY, None)


def _forget() -> None:
    """Unbind this browser from any screening."""
    session.pop(SESSION_KEY, None)
    session.pop(SENT_KEY, None)
    session.pop(UPGRADED_KEY, None)
    session.pop(RESTORED_KEY, None)
    request.environ.pop(_CACHE_KEY, None)


@dataclass(frozen=True)
class SentBefore:
    """What this browser sent last: its reference and when (the marker in the session)."""

    reference: str
    sent_at: dt.datetime

    @property
    def sent_on(self) -> str:
        """The day it was sent, in words (22 November 2026)."""
        return questionnaire.long_date(self.sent_at.date())


def _mark_sent(screening: Screening) -> None:
    """Remember on this browser that it sent `screening`: its reference and time only."""
    session[SENT_KEY] = screening.token
    sent = screening.submitted_at or utcnow()
    if sent.tzinfo is None:  # SQLite returns naive datetimes
        sent = sent.replace(tzinfo=dt.UTC)
    session[SENT_BEFORE_KEY] = [
        screening.reference,
        sent.astimezone(dt.UTC).isoformat(timespec="seconds"),
    ]


def _sent_before() -> SentBefore | None:
    """What this browser sent last, while the marker holds; an expired one is dropped."""
    mark = session.get(SENT_BEFORE_KEY)
    if mark is None:
        return None
    sent = None
    # The cookie is signed, so only this app wrote it; an earlier shape is simply dropped.
    if isinstance(mark, list) and len(mark) == 2 and all(isinstance(v, str) for v in mark):
        try:
            sent = dt.datetime.fromisoformat(mark[1])
        except ValueError:
            sent = None
    if sent is None or sent.tzinfo is None:
        session.pop(SENT_BEFORE_KEY, None)
        return None
    if utcnow() >= sent + current_app.permanent_session_lifetime:
        session.pop(SENT_BEFORE_KEY, None)
        return None
    return SentBefore(mark[0], sent)


def own_sent_screening() -> Screening:
    """The screening this browser sent, while it may still read it, or 404."""
    screening = _current()
    if screening is None or not screening.is_submitted:
        abort(404)
    return screening


def _returning() -> bool:
    return request.args.get("return") == "check"


def _step_url(step: questionnaire.Step, returning: bool = False, anchor: str | None = None) -> str:
    args: dict[str, Any] = {"step_key": step.key}
    if returning:
        args["return"] = "check"
    if anchor:
        args["_anchor"] = anchor
    return url_for("patient.step", **args)


def _neighbour(step: questionnaire.Step, answers: dict[str, Any], after: bool):
    """The shown page after (or before) a page, in the order of the tree; None at either end."""
    every = questionnaire.STEPS
    i = every.index(step)
    shown = {s.key for s in _steps(answers)}
    others = every[i + 1 :] if after else reversed(every[:i])
    return next((s for s in others if s.key in shown), None)


def _next_url(step: questionnaire.Step, screening: Screening, rechecking: bool = False) -> str:
    """Where a page's Continue leads: the advice page first when this safety page raised a red
    flag (the highest level of all the answers), else the next page."""
    answers = screening.answers or {}
    asked = {q.key for q in step.questions}
    if step in _safety_steps() and any(f["id"] in asked for f in red_flags(answers)):
        args: dict[str, Any] = {"after": step.key}
        if _returning():
            args["return"] = "check"
        if rechecking:
            args["recheck"] = "1"
        return url_for("patient.urgent", **args)
    return _after(step, screening, rechecking)


def _after(step: questionnaire.Step, screening: Screening, rechecking: bool = False) -> str:
    """The page after `step`, once any advice was shown."""
    answers = screening.answers or {}
    if _returning():
        # A new page that this change opened (a treatment now ticked) is asked before returning.
        missing = questionnaire.first_unanswered_step(answers)
        return _step_url(missing, True) if missing is not None else url_for("patient.check")
    if rechecking and step == _safety_steps()[-1]:
        # Safety pages asked again on coming back: then on to where the patient stopped.
        return _continue_url(screening)
    following = _neighbour(step, answers, after=True)
    return _step_url(following) if following is not None else url_for("patient.check")


def _back_url(step: questionnaire.Step, answers: dict[str, Any]) -> str:
    if _returning():
        return url_for("patient.check")
    before = _neighbour(step, answers, after=False)
    return _step_url(before) if before is not None else url_for("patient.start")


def _continue_url(screening: Screening) -> str:
    if _landing(screening) is None and _safety_due(screening):
        # Back after a long time: the safety pages are asked again before anything else.
        return _step_url(_safety_steps()[0])
    step = _landing(screening) or questionnaire.first_unanswered_step(screening.answers or {})
    return _step_url(step) if step else url_for("patient.check")


def _restored(screening: Screening) -> str | None:
    """ "We've restored your answers from 22 November": once, on the first page shown after
    resuming with a code (the day of the last save; its year too when not this year)."""
    mark = session.pop(RESTORED_KEY, None)
    if not isinstance(mark, list) or len(mark) != 2 or mark[0] != screening.token:
        return None
    try:
        day = dt.date.fromisoformat(str(mark[1]))
    except ValueError:
        return None
    if day.year != utcnow().year:
        words = questionnaire.long_date(day)  # 22 November 2025
    else:
        # The day and month in the reader's language ("22 November", "22 de noviembre"); in
        # English the order of the service's other dates, whatever the English locale.
        locale = get_locale()
        if locale is None or locale.language == "en":
            words = format_date(day, "d MMMM")
        else:
            words = format_skeleton("dMMMM", day, locale=locale)
    return _("We've restored your answers from %(date)s", date=words)


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
    earlier = _sent_before()
    if earlier is not None:
        # Sent from this browser before: say so, and the clinic is told about changes; a new
        # screening only when the patient chooses it (start_new).
        return _sent_before_page(earlier)
    screening = drafts.create_draft()
    db.session.commit()
    _bind(screening)
    return redirect(_step_url(_steps()[0]))


def _sent_before_page(earlier: SentBefore, status: int = 200) -> tuple[str, int]:
    """The interruption after "Start now" on a browser that sent answers before."""
    return (
        render_template(
            "patient/sent_before.html",
            reference=earlier.reference,
            sent_on=earlier.sent_on,
        ),
        status,
    )


@bp.post("/start/new")
@limiter.limit(lambda: current_app.config["START_LIMIT"])
def start_new():
    """Start a new screening on purpose after sending one: a new draft that replaces it.

    The earlier screening is the one this browser's marker names, never one named by the form:
    the form's reference only has to match it (a page left open while another screening was
    sent shows the interruption again). Nothing of the sent screening changes.
    """
    earlier = _sent_before()
    if earlier is None:
        # The marker ended (or Finish and close), or the post came from elsewhere.
        return render_template("patient/start_new_ended.html"), 400
    if request.form.get("reference") != earlier.reference:
        return _sent_before_page(earlier, 400)
    screening = drafts.create_draft(replaces=earlier.reference)
    db.session.commit()
    _bind(screening)
    return redirect(_step_url(_steps()[0]))


# --- steps --------------------------------------------------------------------------------


def _number(step: questionnaire.Step, answers: dict[str, Any]) -> int:
    """The page's number among the pages shown ("Page 3 of 9")."""
    shown = [s.key for s in _steps(answers)]
    return shown.index(step.key) + 1 if step.key in shown else 1


def _recheck_notice(hours: int) -> str:
    return _(
        "You answered these questions more than %(hours)s hours ago. Things can change, so "
        "answer them again before you carry on.",
        hours=hours,
    )


def _render_step(
    step,
    form,
    answers,
    *,
    notice: str | None = None,
    restored: str | None = None,
    status: int = 200,
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
            number=_number(step, answers),
            total=len(_steps(answers)),
            single=len(blocks) == 1,
            back_url=_back_url(step, answers),
            action_url=_step_url(step, _returning()),
            notice=notice,
            restored=restored,
        ),
        status,
    )


def _session_ended() -> tuple[str, int]:
    """A step post that belongs to no draft of this browser.

    Either the patient's session ended while the page was open, or another site posted the
    form. Nothing is saved, no draft is bound to this browser and nothing posted is shown
    again; the session is not touched, so a patient's own session in this browser survives.
    """
    return render_template("patient/session_ended.html"), 400


@bp.route("/step/<step_key>", methods=["GET", "POST"])
def step(step_key: str):
    """One page of questions. Continue saves the page; save-and-come-back-later gives a code."""
    step = questionnaire.STEP_BY_KEY.get(step_key)
    if step is None:
        abort(404)
    screening = _current()
    if screening is None:
        return _no_draft() if request.method == "GET" else _session_ended()
    if screening.is_submitted:
        return redirect(url_for("patient.confirmation"))
    answers = dict(screening.answers or {})
    landing = _landing(screening)
    if landing is not None and (request.method == "POST" or step.key != landing.key):
        # The questions changed since this page was opened: nothing posted is saved (it
        # answered the earlier questions); the first page with a new question comes first.
        return redirect(_step_url(landing))
    rechecking = landing is None and _safety_due(screening)
    if rechecking and step not in _safety_steps():
        # Back after a long time: the safety pages first, whatever page was asked for. Nothing
        # posted here is saved yet (the patient sees this page again after them).
        return redirect(_step_url(_safety_steps()[0]))
    if request.method == "GET" and step.key not in {s.key for s in _steps(answers)}:
        # A page about something the answers say does not apply (a treatment not tried).
        return redirect(_continue_url(screening))
    if request.method == "GET":
        shown = answers
        if rechecking:
            # Asked again, so nothing is chosen for the patient: each answer is given afresh.
            keys = {q.key for q in step.questions}
            shown = {k: v for k, v in answers.items() if k not in keys}
        form = step_form(step, answers=shown)
        form.check_stored(shown)
        notice = None
        if rechecking:
            notice = _recheck_notice(current_app.config["SAFETY_RECHECK_HOURS"])
        if landing is not None:
            session.pop(UPGRADED_KEY, None)
            notice = _(
                "Some questions have changed a little since you started. Your earlier answers "
                "are kept."
            )
        return _render_step(step, form, answers, notice=notice, restored=_restored(screening))

    saving = request.form.get("action") == "save"
    form = step_form(step, formdata=request.form)
    not_kept: list[questionnaire.Question] = []
    if saving:
        # Save and come back later keeps every valid answer on the page; a wrong one is not
        # stored (the answer saved before stays) and the saved page says which and why.
        values, not_kept = form.keep_valid(answers)
    else:
        values = form.clean(answers)
        if values is None:
            return _render_step(step, form, answers)
    codes: list[str] = []

    def save() -> None:
        drafts.save_step(screening, step.key, values)
        if saving:
            codes.append(
                drafts.issue_resume_code(
                    screening,
                    current_app.config["SECRET_KEY"],
                    current_app.config["RESUME_CODE_DAYS"],
                )
            )

    lost = _write_draft(save)
    if lost is not None:
        return lost
    code = codes[0] if codes else None
    if code is not None:
        dropped = [(q, form[q.key].errors[0]) for q in not_kept]
        return _saved_page(screening, code, step, dropped)
    return redirect(_next_url(step, screening, rechecking))


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
        return _session_ended()
    from .errors import render_error

    return render_error(400)


@bp.get("/urgent")
def urgent():
    """The advice page (an interruption): shown as soon as a safety page is answered with a red
    flag, at the highest level of all the answers (emergency over urgent).

    The action comes first; carrying on with the questions is a plain link below it. Showing
    it is recorded in the draft's red-flag history, with its time, for the clinic.
    """
    screening = _current()
    if screening is None:
        return _no_draft()
    answers = screening.answers or {}
    level = red_flag_level(answers)
    if level is None:
        if screening.is_submitted:
            return redirect(url_for("patient.confirmation"))
        return redirect(_continue_url(screening))
    safety = _safety_steps()
    after = questionnaire.STEP_BY_KEY.get(request.args.get("after", ""))
    if after not in safety:
        after = safety[-1]
    if screening.is_submitted:
        next_url = url_for("patient.confirmation")
    else:
        rechecking = request.args.get("recheck") == "1"
        next_url = _after(after, screening, rechecking)
        lost = _write_draft(lambda: drafts.record_advice(screening, level))
        if lost is not None:
            return lost
    return render_template(
        "patient/urgent.html",
        **_advice_context(answers),
        next_url=next_url,
        back_url=_step_url(after, _returning()),
    )


# --- check answers and submit --------------------------------------------------------------


@bp.route("/check", methods=["GET", "POST"])
def check():
    """Every answer in words, with Change links; the submit button locks the answers."""
    screening = _current()
    if screening is None:
        return _no_draft()
    if screening.is_submitted:
        return redirect(url_for("patient.confirmation"))
    answers = dict(screening.answers or {})
    landing = _landing(screening)
    if landing is not None:
        # Converted to the current questions: nothing is sent before the patient sees them.
        return redirect(_step_url(landing))
    if _safety_due(screening):
        # Back after a long time: the safety pages are asked again before anything is sent.
        return redirect(_step_url(_safety_steps()[0]))
    missing = questionnaire.first_unanswered_step(answers)
    if missing is not None:
        return redirect(_step_url(missing, True))
    if request.method == "GET":
        return render_template(
            "patient/check.html",
            **_advice_context(answers),
            sections=present(answers),
            back_url=_step_url(_steps(answers)[-1]),
            # "Has anything changed since you started?" for a draft started over a day ago.
            changed_url=(
                _step_url(_safety_steps()[0], True) if _older_than_a_day(screening) else None
            ),
            restored=_restored(screening),
        )
    try:
        # Kept for the clinic: "Answered in Spanish" beside the answers, in their own words.
        drafts.submit(screening, language=languages.current())
    except drafts.AlreadySubmitted:
        # A double click: the first request sent it, from this same browser a moment ago.
        db.session.rollback()
        _mark_sent(screening)
        return redirect(url_for("patient.confirmation"))
    except drafts.DraftGone:
        db.session.rollback()
        _forget()
        return redirect(url_for("patient.deleted"))
    except questionnaire.AnswerError as e:
        # An answer saved under an older rule: back to its page, where the error shows.
        db.session.rollback()
        step = questionnaire.step_of(e.key)
        return redirect(_step_url(step, True, e.key) if step else _continue_url(screening))
    db.session.commit()
    _mark_sent(screening)
    # The clinic's red-flag email (a reference only): after the commit, never failing the
    # patient's submission; one that cannot be sent now is sent by `flask send-alerts`.
    from . import alerts

    alerts.try_send(screening.id)
    # The clinic's PDF, rendered once this response is sent, so the first download is cached.
    from . import prerender

    return prerender.after_submit(redirect(url_for("patient.confirmation")), screening.id)


@bp.get("/confirmation")
def confirmation():
    """The reference, what happens next, and what the specialist may ask about (no verdict)."""
    screening = _current()
    if screening is None:
        return _no_draft()
    if not screening.is_submitted:
        return redirect(_continue_url(screening))
    from .pdf import summary_for

    summary = summary_for(screening, audience="patient")
    return render_template(
        "patient/confirmation.html",
        screening=screening,
        **_advice_context(screening.answers or {}),
        not_known=summary.not_known,
        questions=summary.questions,
        minutes=current_app.config["SENT_SESSION_MINUTES"],
    )


@bp.post("/finish")
def finish():
    """Finish and close: this browser forgets the screening at once (a shared device)."""
    _forget()
    session.clear()
    return redirect(url_for("patient.finished"))


@bp.get("/finished")
def finished():
    """After Finish and close: nothing of the answers is shown here any more."""
    return render_template("patient/finished.html")


# --- the patient's own summary, while this browser may read it -------------------------------


@bp.get("/summary")
def summary() -> Response:
    """The print-friendly HTML summary of the screening this browser sent."""
    from .pdf import render_summary_html

    # The patient's version: their answers, what happens next, what the specialist may ask
    # about; no statuses or counts (those are for the clinic).
    response = Response(
        render_summary_html(
            own_sent_screening(),
            audience="patient",
            back_url=url_for("patient.confirmation"),
        ),
        mimetype="text/html",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/summary.pdf")
def summary_pdf() -> Response:
    """The PDF summary of the screening this browser sent, as a download."""
    from .pdf import pdf_response  # WeasyPrint: only when a PDF is asked for

    response = pdf_response(own_sent_screening(), audience="patient")
    db.session.commit()  # keep the freshly rendered bytes in the cache
    return response


# --- save and resume ------------------------------------------------------------------------


def _saved_page(
    screening: Screening,
    code: str | None,
    step: questionnaire.Step,
    not_kept: list[tuple[questionnaire.Question, str | None]] = (),  # type: ignore[assignment]
    *,
    email: str = "",
    email_error: str | None = None,
    emailed: str | None = None,
    email_failed: bool = False,
    status: int = 200,
) -> tuple[str, int]:
    """The resume code just issued, shown once in the answer to the post that made it.

    The code is never stored where it can be read again (only its hash is kept; it is not in
    the session cookie): reloading this page saves again and gives a new code. The page also
    lists the answers that were not kept (wrong), the return address, a Print button and the
    optional form that emails the link and this same code (`saved_email`).
    """
    days = current_app.config["RESUME_CODE_DAYS"]
    expires = screening.resume_expires_at or (utcnow() + dt.timedelta(days=days))
    return (
        render_template(
            "patient/saved.html",
            **_advice_context(screening.answers or {}),
            code=code,
            days=days,
            expires=questionnaire.long_date(expires.date()),
            continue_url=_step_url(step),
            step_key=step.key,
            not_kept=[(_capital(q.short), q.key, why) for q, why in not_kept],
            resume_link=return_email.resume_link(),
            email=email,
            email_error=email_error,
            error_title=bool(email_error),
            emailed=emailed,
            email_failed=email_failed,
        ),
        status,
    )


def _capital(text: Any) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


@bp.post("/saved/email")
@limiter.limit(lambda: current_app.config["RETURN_EMAIL_LIMIT"])
def saved_email():
    """Email the return link and the code shown on the saved page, once, to a typed address.

    The page posts back the code it shows (a hidden field): it is sent only when it is this
    browser's draft's current code (keyed-hash compare), so no code is kept anywhere for the
    send and the patient never gets a different code from the one they may have written down.
    The address is used for this one message and kept nowhere.
    """
    screening = _current()
    if screening is None:
        return _session_ended()
    if screening.is_submitted:
        return redirect(url_for("patient.confirmation"))
    step = questionnaire.STEP_BY_KEY.get(request.form.get("step", ""))
    if step is None:
        step = questionnaire.STEPS[0]
    not_kept = [
        (questionnaire.BY_KEY[k], None)
        for k in request.form.getlist("not_kept")
        if k in step.keys and k in questionnaire.BY_KEY
    ]
    code = request.form.get("code", "")
    if not drafts.holds_code(screening, code, current_app.config["SECRET_KEY"]):
        # Saved again since (a newer code), or the code ran out: nothing is sent or shown.
        return _saved_page(screening, None, step, status=400)
    code = drafts.format_code(drafts.normalise_code(code))
    typed = request.form.get("email", "")[:1000]
    address, error = return_email.check_address(typed)
    if address is None:
        return _saved_page(
            screening, code, step, not_kept, email=typed, email_error=error, status=400
        )
    expires = screening.resume_expires_at
    sent = return_email.send(address, code, expires.date())
    return _saved_page(
        screening,
        code,
        step,
        not_kept,
        email="" if sent else typed,
        emailed=address if sent else None,
        email_failed=not sent,
    )


@bp.get("/saved")
def saved():
    """The code is shown once, when it is made; this address only leads back to the answers."""
    screening = _current()
    if screening is None:
        return _no_draft()
    if screening.is_submitted:
        return redirect(url_for("patient.confirmation"))
    return redirect(_continue_url(screening))


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
                # The day of the last save, read before a conversion (which keeps it anyway).
                saved_at = screening.updated_at or screening.created_at or utcnow()
                # Loaded as this browser's draft: converted when answered under earlier questions.
                screening = _current()
                if screening is None:
                    return redirect(url_for("patient.start"))
                if screening.is_submitted:
                    return redirect(url_for("patient.confirmation"))
                session[RESTORED_KEY] = [screening.token, saved_at.date().isoformat()]
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
        try:
            drafts.delete_draft(screening)
        except drafts.AlreadySubmitted:
            # Sent from another tab a moment ago: a sent screening is never deleted.
            db.session.rollback()
            return redirect(url_for("patient.confirmation"))
        except drafts.DraftGone:
            db.session.rollback()
        db.session.commit()
        _forget()
        return redirect(url_for("patient.deleted"))
    return render_template(
        "patient/delete.html",
        cancel_url=_continue_url(screening),
    )


@bp.get("/deleted")
def deleted():
    """Confirmation that the answers are gone."""
    return render_template("patient/deleted.html")
