"""Gunicorn settings for `make serve`; every value can be overridden from the environment."""

import logging
import multiprocessing
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Workers from the core count: the app is CPU-bound (WeasyPrint) and I/O-bound (database).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Threaded workers (gthread), not sync ones: the arbiter restarts a worker that has not reported
# for `timeout` seconds, and a sync worker reports only between requests, so it was killed in the
# middle of a long export (a year of screenings as CSV or FHIR streams for minutes). A gthread
# worker reports from its main loop while its threads serve requests, so `timeout` restarts a
# worker whose process stopped answering, not one serving a long download. The price: one request
# that never ends keeps one of its worker's threads.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
# Recycle workers now and then: WeasyPrint's font caches grow over many renders.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 1000))
max_requests_jitter = 100
# Paths only: query strings could carry search terms typed by clinicians.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No control socket: its default path ($HOME/.gunicorn/gunicorn.ctl) is shared by every instance
# on the host, and nothing here uses it.
control_socket_disable = True


# --- Rate limits: one count for all workers ---------------------------------------------------
# With memory:// each worker keeps its own counts, so N workers allow N times every limit (resume
# codes, sign-in). Production refuses to start that way; elsewhere it is a warning.


def _on(name: str, default: bool = False) -> bool:
    """The same reading of a yes/no variable as config.py's."""
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _per_worker_rate_limits(workers: int) -> str | None:
    """Why `workers` workers would each count rate limits alone; None when they would not."""
    if workers <= 1 or not _on("RATELIMIT_ENABLED", True):
        return None
    storage = (os.environ.get("RATELIMIT_STORAGE_URI") or "memory://").strip()
    if not storage.lower().startswith("memory://"):
        return None
    return (
        f"{workers} workers with RATELIMIT_STORAGE_URI={storage}: each worker would count rate "
        f"limits alone, allowing {workers} times each limit; set RATELIMIT_STORAGE_URI to a Redis "
        "shared by all workers (redis://host:6379), or WEB_CONCURRENCY=1"
    )


def _must_refuse() -> bool:
    # ALLOW_UNSHARED_RATE_LIMITS=1: only for load benchmarks on one machine (README).
    return os.environ.get("APP_ENV") == "production" and not _on("ALLOW_UNSHARED_RATE_LIMITS")


def on_starting(server) -> None:
    """Before any socket or worker: refuse per-worker rate limits in production."""
    problem = _per_worker_rate_limits(server.num_workers)
    if problem is None:
        return
    if _must_refuse():
        # gunicorn prints "Error: <this>" on one line and exits with status 1.
        raise RuntimeError(f"refusing to start with APP_ENV=production: {problem}")
    server.log.warning(problem)


def nworkers_changed(server, new_value: int, old_value: int | None) -> None:
    """Workers added while running (TTIN, gunicornc, a reload): the same rule as at start."""
    if old_value is None or new_value <= old_value:
        return  # the start itself is checked by on_starting, once the environment is complete
    problem = _per_worker_rate_limits(new_value)
    if problem is None:
        return
    if _must_refuse():
        server.log.error("not adding workers: %s; keeping %s", problem, old_value)
        server.num_workers = old_value
    else:
        server.log.warning(problem)


# --- Logs: no query string in any line ----------------------------------------------------------
# Query strings can carry names, search words or resume codes. The access log format above names
# the path only; this logger also keeps them out of gunicorn's own messages (a malformed request's
# line is quoted in "Invalid request from ip=..."), out of tracebacks, and out of any access log
# format an operator may set (%(r)s, %(q)s, headers, environ). Note: setting logger_class turns
# off gunicorn's automatic switch to its statsd logger when statsd_host is set.

_FROM_QUESTION_MARK = re.compile(r"\?.*")  # to the end of the line
# A client's bytes quoted in a parse error: "Invalid HTTP Version: 'Doe&code=... HTTP/1.1'"
_QUOTED_CLIENT_DATA = re.compile(r": (?:b?['\"]|\().*", re.DOTALL)
_SECRET_ATOMS = {
    "{cookie}i",
    "{authorization}i",
    "{proxy-authorization}i",
    "{x-csrftoken}i",
    "{x-csrf-token}i",
    "{set-cookie}o",
}


def _scrub(text: str) -> str:
    """The text without anything from a '?' to the end of its line, nor quoted request bytes."""
    if text.startswith("Invalid request from "):
        head, sep, detail = text.partition(": ")
        text = head + sep + _QUOTED_CLIENT_DATA.sub("", detail)
    return _FROM_QUESTION_MARK.sub("", text)


def _path_only(value: object) -> object:
    return value.split("?", 1)[0] if isinstance(value, str) else value


class _NoQueryStrings(logging.Filter):
    """Rewrites every record of gunicorn's error and access logs before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = _scrub(record.getMessage())
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = _scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = _scrub(record.stack_info)
        record.msg, record.args = message, None
        return True


class QueryFreeLogger(Logger):
    """gunicorn's logger, with query strings, cookies and the environ kept out of every line."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, _NoQueryStrings) for f in log.filters):
                log.addFilter(_NoQueryStrings())

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = {
            key: _path_only(value)
            for key, value in super().atoms(resp, req, environ, request_time).items()
            if not key.endswith("}e") and key not in _SECRET_ATOMS
        }
        atoms["q"] = "-"
        atoms["r"] = " ".join(
            (
                environ.get("REQUEST_METHOD") or "-",
                _path_only(environ.get("RAW_URI") or "-"),
                environ.get("SERVER_PROTOCOL") or "-",
            )
        )
        return atoms


logger_class = QueryFreeLogger
