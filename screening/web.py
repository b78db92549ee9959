"""Things every page shares: template globals and security headers."""

from __future__ import annotations

from flask import Flask, Response, abort, request


def init_app(app: Flask) -> None:
    """Register template globals and response headers."""

    @app.context_processor
    def _globals():
        return {"service_name_key": "SI joint screening"}

    @app.before_request
    def _refuse_nul_characters() -> None:
        # No browser sends NUL from a form or link; PostgreSQL text cannot store it.
        fields = [*request.args.lists()]
        if request.method == "POST":
            fields += request.form.lists()
        values = [request.path, *(v for key, vs in fields for v in (key, *vs))]
        if any("\x00" in v for v in values):
            abort(400)

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
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("X-Frame-Options", "DENY")
        if app.config.get("HTTPS"):
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages show health information: never keep them in shared caches or history.
        if not request.path.startswith("/static/"):
            h.setdefault("Cache-Control", "no-store")
        return response
