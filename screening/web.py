"""Things every page shares: template globals, security headers, origin checks, redirects."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, abort, current_app, redirect, request
from flask_babel import get_locale
from werkzeug.routing import RequestRedirect

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def allowed_origins() -> set[str]:
    """The serialised origins (scheme://host[:port]) of this site for the current request.

    The host is the one the request was sent to (a cross-site page cannot choose it). With the
    HTTPS setting on, the https origin is accepted even when the app sees plain HTTP (TLS ended
    at a proxy that is not trusted for X-Forwarded-Proto): it is still this site.
    """
    host = request.host.lower()  # Werkzeug drops a default port, as browsers do in Origin
    schemes = {request.scheme}
    if current_app.config.get("HTTPS"):
        schemes.add("https")
    origins = set()
    for scheme in schemes:
        default = ":443" if scheme == "https" else ":80"
        origins.add(f"{scheme}://{host.removesuffix(default)}")
    return origins


def refuse_cross_origin_requests() -> None:
    """Refuse a state-changing request whose Origin header names another site (or `null`).

    Browsers send Origin on every POST; a request without one (older browsers, scripts) is left
    to Flask-WTF's token check, and over HTTPS to its same-origin Referer check.
    """
    if request.method not in UNSAFE_METHODS:
        return
    origin = request.headers.get("Origin")
    if origin is not None and origin.strip().lower() not in allowed_origins():
        # The path only: a query string could carry what a clinician searched for.
        current_app.logger.warning(
            "Refused a %s to %s from another origin", request.method, request.path
        )
        abort(400)


def relative_slash_redirect() -> Response | None:
    """Send Werkzeug's slash redirects with a relative Location.

    Werkzeug builds them from the Host header, which a client chooses; Flask passes routing
    redirects to no error handler, so they are answered here, before any view.
    """
    e = request.routing_exception
    if not isinstance(e, RequestRedirect):
        return None
    target = urlsplit(e.new_url)
    # One leading slash: "//host/..." would be read as another site.
    path = "/" + target.path.lstrip("/")
    return redirect(urlunsplit(("", "", path, target.query, "")), e.code)


def init_app(app: Flask) -> None:
    """Register template globals, request checks and response headers."""

    @app.context_processor
    def _globals():
        # The page's language for <html lang>: the locale Flask-Babel chose for this request.
        locale = get_locale()
        lang = (
            "en" if locale is None else "-".join(filter(None, [locale.language, locale.territory]))
        )
        return {"page_lang": lang}

    # First of all before-request functions, ahead of Flask-WTF's: a cross-site POST gets the
    # plain 400 page, never the CSRF error handler that shows a step again with what was posted.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_cross_origin_requests)
    app.before_request(relative_slash_redirect)

    @app.before_request
    def _refuse_nul_characters() -> None:
        # No browser sends NUL from a form or link; PostgreSQL text cannot store it.
        fields = [*request.args.lists()]
        if request.method == "POST":
            fields += request.form.lists()
        values = [request.path, *(v for key, vs in fields for v in (key, *vs))]
        if any("\x00" in v for v in values):
            abort(400)

    @app.get("/summary-print.css", endpoint="summary_print_css")
    def _summary_print_css() -> Response:
        # Words only (the disclaimer, "Page N of M"): nothing of any screening.
        from .print_css import browser_print_css

        return Response(browser_print_css(), mimetype="text/css")

    @app.after_request
    def _security_headers(response: Response) -> Response:
        h = response.headers
        h.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'",
        )
        h.setdefault("X-Content-Type-Options", "nosniff")
        # Same-origin only: Flask-WTF refuses an HTTPS POST without a same-origin Referer, and
        # other sites (links to the criteria's sources) learn nothing of the page.
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        if app.config.get("HTTPS"):
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages show health information: never keep them in shared caches or history.
        if not request.path.startswith("/static/"):
            h.setdefault("Cache-Control", "no-store")
        return response
