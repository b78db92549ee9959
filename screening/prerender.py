"""The clinic's PDF of a screening, rendered right after it is sent, so that the first download
is served from the cache (`pdf.get_or_render_pdf`).

`after_submit(response, screening_id)` is called by the submit view once the submission is
committed: when the response has been sent and closed (`call_on_close`), a short-lived daemon
thread renders the clinician's PDF with its own app context and database session, and commits it
to the PdfCache. The patient never waits for it. Within a process one screening is rendered by
one thread at a time; a download that renders the same PDF meanwhile (another process) is fine:
the cache insert is a savepoint that keeps the first copy stored (a unique key on the screening
and the hash of its inputs). A failure is logged with the screening's id and the kind of error
only (never its answers, never the error's text) and changes nothing: the PDF is rendered when
first downloaded, as without this.

`PRERENDER_PDF` (default on; off in the testing configuration, where tests turn it on) switches it.
A worker that exits before the thread finishes (a restart) leaves nothing half-done: the cache row
is written in one commit or not at all.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, Response, current_app

log = logging.getLogger(__name__)

_lock = threading.Lock()
_running: dict[int, threading.Thread] = {}  # screening id -> the thread rendering it
# One render at a time per process: a render is a second of CPU that shares the interpreter with
# the requests of this worker. During a burst of submissions the others are not queued: their PDF
# is rendered when first downloaded, as without pre-rendering (a burst of 50 renders at once
# starved the patients' own requests past 30 s in the load test).
MAX_AT_ONCE = 1


def enabled(app: Flask) -> bool:
    """Whether PDFs are rendered after a submission (PRERENDER_PDF, default on)."""
    return bool(app.config.get("PRERENDER_PDF", True))


def after_submit(response: Response, screening_id: int) -> Response:
    """Render the screening's PDF once `response` is sent (when PRERENDER_PDF is on)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if enabled(app):
        response.call_on_close(lambda: start(app, screening_id))
    return response


def start(app: Flask, screening_id: int) -> threading.Thread | None:
    """Start rendering in a daemon thread; None when this screening is already being rendered
    here, another render is running (MAX_AT_ONCE), or the thread cannot be started (logged): the
    PDF is then rendered on demand."""
    with _lock:
        if screening_id in _running or len(_running) >= MAX_AT_ONCE:
            return None
        thread = threading.Thread(
            target=_run,
            args=(app, screening_id),
            name=f"pdf-prerender-{screening_id}",
            daemon=True,
        )
        _running[screening_id] = thread
    try:
        thread.start()
    except RuntimeError as e:  # no more threads in this process
        with _lock:
            _running.pop(screening_id, None)
        log.warning(
            "could not start rendering the PDF of screening %s (%s)", screening_id, type(e).__name__
        )
        return None
    return thread


def render(screening_id: int) -> bool:
    """Render and store the clinician's PDF of a submitted screening (inside an app context);
    False when there is no such screening."""
    from .extensions import db
    from .models import Screening
    from .pdf import get_or_render_pdf

    screening = db.session.get(Screening, screening_id)
    if screening is None or not screening.is_submitted:
        return False
    get_or_render_pdf(screening, audience="clinician")
    db.session.commit()
    return True


def _run(app: Flask, screening_id: int) -> None:
    try:
        # A request context like a clinician's download (the default language, no session),
        # so that the cache key is the one the download computes.
        with app.test_request_context("/clinician/", base_url=app.config.get("PUBLIC_BASE_URL")):
            try:
                render(screening_id)
            except Exception:
                from .extensions import db

                db.session.rollback()
                raise
    except Exception as e:  # never the message: it could quote an answer
        log.warning(
            "rendering the PDF of screening %s after it was sent failed (%s); "
            "it will be rendered when first downloaded",
            screening_id,
            type(e).__name__,
        )
    finally:
        with _lock:
            _running.pop(screening_id, None)


def wait(timeout: float = 60.0) -> None:
    """Wait for the renders started so far (tests; a clean shutdown)."""
    with _lock:
        threads = list(_running.values())
    for thread in threads:
        thread.join(timeout)
