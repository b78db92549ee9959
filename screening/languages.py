"""Which language a page is in: the patient's choice, their browser's, or the clinic's.

Patients read the service in the language they chose with the switch on every patient page
(kept in the session; `?lang=es` does the same), else the one their browser asks for
(`Accept-Language`), else the clinic's. Clinicians always read it in the clinic's language
(`CLINIC_LANGUAGE`), whatever their browser asks for, and so does everything made outside a
request (commands, the stored evaluation of a submitted screening, the clinic's emails).
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import Flask, current_app, has_request_context, request, session, url_for
from flask_babel import get_locale, refresh

# The languages there is a catalogue for (English is the source text), each named in itself,
# as a language switch names them.
LANGUAGES = {"en": "English", "es": "Español"}
SOURCE_LANGUAGE = "en"
# The session key of the patient's choice.
SESSION_KEY = "lang"
# The query parameter that chooses a language on any patient page: /?lang=es.
QUERY_KEY = "lang"


def clinic_language() -> str:
    """The clinic's language (`CLINIC_LANGUAGE`): clinician pages, their PDF, commands."""
    return current_app.config.get("CLINIC_LANGUAGE") or SOURCE_LANGUAGE


def is_clinician_request() -> bool:
    """Whether this request is for the clinician workspace (its pages, downloads and errors)."""
    return request.blueprint == "clinician" or request.path.startswith("/clinician/")


def _chosen() -> str | None:
    """The language this request or this browser's session chose, if a known one."""
    asked = request.args.get(QUERY_KEY)
    if asked in LANGUAGES:
        return asked
    kept = session.get(SESSION_KEY)
    return kept if kept in LANGUAGES else None


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    if not has_request_context() or is_clinician_request():
        return clinic_language()
    return _chosen() or request.accept_languages.best_match(
        list(LANGUAGES), default=clinic_language()
    )


def current() -> str:
    """The language of this request (or of the app context), as a code like "es"."""
    locale = get_locale()
    return locale.language if locale is not None else clinic_language()


def name_in(code: str, reader: str) -> str:
    """A language's name in the reader's language, like "Spanish" (English) or "español"."""
    try:
        return Locale.parse(code).get_display_name(reader) or code
    except (ValueError, TypeError):
        return code


def answered_in(code: str | None) -> str:
    """ "Answered in Spanish", in the language of the moment, for a screening answered in
    another language than the clinic's; "" when it is the clinic's or not known."""
    if not code or code == clinic_language():
        return ""
    from flask_babel import gettext as _

    return _("Answered in %(language)s", language=name_in(code, current()))


def _remember_choice() -> None:
    """`?lang=es` on a patient page: keep the choice for the pages that follow."""
    asked = request.args.get(QUERY_KEY)
    if (
        request.method == "GET"
        and request.blueprint == "patient"
        and asked in LANGUAGES
        and session.get(SESSION_KEY) != asked
    ):
        session[SESSION_KEY] = asked


def switch_links() -> list[dict[str, Any]]:
    """The language switch of a patient page: each language, and the link to this page in it."""
    if len(LANGUAGES) < 2 or is_clinician_request():
        return []
    rule = request.url_rule
    links = []
    for code, name in LANGUAGES.items():
        if rule is not None and request.endpoint and "GET" in (rule.methods or ()):
            args = {**request.args.to_dict(), **(request.view_args or {}), QUERY_KEY: code}
            href = url_for(request.endpoint, **args)
        else:  # a page answered to a POST only, or an error page: the start page in that language
            href = url_for("patient.start", **{QUERY_KEY: code})
        links.append({"code": code, "name": name, "href": href, "current": code == current()})
    return links


def _choose_again(*_args: Any) -> None:
    # Flask-Babel keeps the locale it chose on `g`, which an app context held around several
    # requests (a test, a script) would share: each request chooses its own.
    refresh()


def init_app(app: Flask) -> None:
    """Register the choice's request hooks and the language switch's template globals."""
    app.before_request_funcs.setdefault(None, []).insert(0, _choose_again)
    app.before_request(_remember_choice)
    app.teardown_request(_choose_again)

    @app.context_processor
    def _language_globals() -> dict[str, Any]:
        return {"language_switch": switch_links() if has_request_context() else []}


def answered_language(screening: Any) -> str | None:
    """The language a screening was answered in, or None when not known.

    Kept in `Screening.language` (set at submit by drafts.submit, migration 0008); for
    screenings sent before, it is not known.
    """
    code = getattr(screening, "language", None)
    return code if code in LANGUAGES else None
