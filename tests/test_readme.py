"""Every URL the README names is a page of the app, at exactly that path."""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from screening import ROOT

README = ROOT / "README.md"

# A fenced code block (```...```), whose lines are not inline code spans.
FENCE = re.compile(r"^```.*?^```[ \t]*$", re.MULTILINE | re.DOTALL)
# The app on this machine, as `make run` and `make serve` start it: http://127.0.0.1:5000/resume.
APP_URL = re.compile(r"https?://(?:127\.0\.0\.1|localhost)(?::\d+)?(?P<path>/[^\s`<>()\[\]\"']*)?")
# An inline code span holding a path, optionally after its method: `/clinician/export`,
# `POST /start`, `/clinician/screenings/<reference>`.
CODE_PATH = re.compile(r"`(?:(?P<method>GET|POST) )?(?P<path>/[^`\s]*)`")
# A placeholder in a path, as in Flask's rules: <reference>, <int:account_id>.
PLACEHOLDER = re.compile(r"<(?:[a-z_]+:)?[a-z_]+>")
# What a placeholder stands for in the check; a variable part of a rule must take it.
SAMPLE = "1"


def named_urls(markdown: str) -> set[tuple[str, str]]:
    """(method, path) of every app URL in a Markdown text; GET unless a method is named."""
    found: set[tuple[str, str]] = set()
    for match in APP_URL.finditer(markdown):
        path = (match.group("path") or "/").rstrip(".,;:!?")
        found.add(("GET", path or "/"))
    for match in CODE_PATH.finditer(FENCE.sub("", markdown)):
        found.add((match.group("method") or "GET", match.group("path")))
    # A query string or a fragment is not part of the route.
    return {(method, re.split(r"[?#]", path)[0] or "/") for method, path in found}


def problem(app, method: str, path: str) -> str | None:
    """Why the app has no page at this path for this method, or None when it has one."""
    placeholders = PLACEHOLDER.findall(path)
    concrete = PLACEHOLDER.sub(SAMPLE, path)
    adapter = app.url_map.bind("localhost")
    try:
        rule, args = adapter.match(concrete, method=method, return_rule=True)
    except RequestRedirect as redirect:
        return f"{method} {path} redirects to {redirect.new_url}: name the page's own URL"
    except HTTPException as e:
        return f"{method} {path}: no such page ({e.code} {e.name})"
    # Each placeholder must be a variable part of the rule, not a literal that happens to match.
    taken = [str(v) for v in args.values()].count(SAMPLE)
    if taken != len(placeholders):
        return f"{method} {path}: its placeholders are not the variable parts of {rule.rule}"
    if rule.endpoint == "static":
        return f"{method} {path}: a static file, not a page"
    return None


def test_every_url_the_readme_names_is_a_page_of_the_app(app):
    urls = named_urls(README.read_text())
    # The extraction finds what the README is known to name, so the check below is not empty.
    assert {
        ("GET", "/"),
        ("GET", "/resume"),
        ("GET", "/clinician/login"),
        ("GET", "/clinician/export"),
        ("GET", "/clinician/admin/audit"),
    } <= urls, sorted(urls)
    problems = [p for method, path in sorted(urls) if (p := problem(app, method, path))]
    assert problems == [], "README.md names URLs the app does not have:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/clinician/audit", "no such page (404"),
        ("GET", "/clinician", "redirects to"),
        ("GET", "/start", "no such page (405"),
        ("POST", "/clinician/export", "no such page (405"),
        ("GET", "/clinician/screenings/<reference>/nothing", "no such page (404"),
        ("GET", "/step/<step_key>/<extra>", "no such page (404"),
        ("GET", "/static/<filename>", "static file"),
    ],
)
def test_a_wrong_url_is_reported(app, method, path, expected):
    assert expected in (problem(app, method, path) or "")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/clinician/admin/audit"),
        ("GET", "/clinician/screenings/<reference>"),
        ("GET", "/clinician/screenings/<reference>/summary.pdf"),
        ("POST", "/clinician/admin/accounts/<int:account_id>/disable"),
        ("POST", "/start"),
        ("GET", "/step/<step_key>"),
    ],
)
def test_a_right_url_passes(app, method, path):
    assert problem(app, method, path) is None


def test_urls_are_found_in_text_links_and_code_spans_but_not_in_fenced_code():
    markdown = "\n".join(
        [
            "Run it on http://127.0.0.1:5000, then open http://127.0.0.1:5000/resume), or",
            "http://localhost:8000/clinician/login. See `/clinician/export?format=csv` and",
            "`POST /start`, `/clinician/screenings/<reference>` and (`/clinician/admin/audit`).",
            "Not a URL: `screening/cli.py`, `instance/secret_key`, `redis://127.0.0.1:6379`.",
            "```sh",
            "curl `/not/inline/code`  # in a fenced block",
            "```",
        ]
    )
    assert named_urls(markdown) == {
        ("GET", "/"),
        ("GET", "/resume"),
        ("GET", "/clinician/login"),
        ("GET", "/clinician/export"),
        ("POST", "/start"),
        ("GET", "/clinician/screenings/<reference>"),
        ("GET", "/clinician/admin/audit"),
    }
