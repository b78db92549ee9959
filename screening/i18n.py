"""Translation for the pure modules (the questionnaire tree, the criteria, the engine).

They must not import Flask, so that the engine runs anywhere (a script, a worker, a test) with
nothing of the web app loaded. Their strings are marked for translation as usual (`_`, `_l`,
`ngettext`: `make messages` collects them). When a string is turned into text inside a Flask
app (a request, a CLI command), Flask-Babel translates it into that context's language; with no
app it is the English source text.
"""

from __future__ import annotations

import sys
from typing import Any

from babel.support import LazyProxy


def _flask_babel() -> Any:
    # Only when the web app is loaded and active: never imported from here.
    flask = sys.modules.get("flask")
    if flask is None or "flask_babel" not in sys.modules or not flask.has_app_context():
        return None
    return sys.modules["flask_babel"]


def gettext(string: str, **variables: Any) -> str:
    """The translation of `string`, with %(name)s placeholders filled."""
    babel = _flask_babel()
    if babel is not None:
        return babel.gettext(string, **variables)
    return string % variables if variables else string


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural translation for `num`; %(num)s is the number."""
    babel = _flask_babel()
    if babel is not None:
        return babel.ngettext(singular, plural, num, **variables)
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


def lazy_gettext(string: str, **variables: Any) -> LazyProxy:
    """A string translated each time it is used, in the language of that moment."""
    return LazyProxy(gettext, string, enable_cache=False, **variables)


def get_locale() -> Any:
    """The active locale inside a Flask app, else None."""
    babel = _flask_babel()
    return babel.get_locale() if babel is not None else None
