"""`flask summary-pdf`: render a summary from an answers file, without the web."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .cli_input import PROFILE_OPTION, fail, load_answers, one_line
from .engine import evaluate
from .summary import build_summary

PREVIEW_REFERENCE = "SIJ-PREVIEW"


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as e:
        fail(f"{path}: cannot be written ({type(e).__name__})")


@click.command("summary-pdf")
@click.argument("answers_path", metavar="ANSWERS.json")
@click.argument("out_path", metavar="OUT.pdf")
@PROFILE_OPTION
@click.option("--html", "html_path", metavar="OUT.html", help="Also write the summary as HTML.")
def summary_pdf_command(
    answers_path: str, out_path: str, profile: str, html_path: str | None
) -> None:
    """Render the PDF summary of an answers JSON file (a preview dated today)."""
    from .pdf import STYLESHEET, render_html, render_pdf  # WeasyPrint: only when rendering

    answers = load_answers(answers_path)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    evaluation = evaluate(answers, profile, on=now.date()).as_dict()
    summary = build_summary(
        answers, evaluation, now, PREVIEW_REFERENCE, evaluation["criteria_version"], preview=True
    )
    _write(out_path, render_pdf(render_html(summary)))
    if html_path:
        # A standalone file: link the stylesheet where it lies, so it opens from disk.
        _write(html_path, render_html(summary, stylesheet_url=STYLESHEET.as_uri()).encode())
    written = f"wrote {out_path}" + (f" and {html_path}" if html_path else "")
    click.echo(one_line(written))
