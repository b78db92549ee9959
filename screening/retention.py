"""Retention: delete old drafts and, when the clinic sets a period, old submitted screenings.

Run `flask --app screening purge` daily (cron or a scheduled job). Drafts are deleted
DRAFT_RETENTION_DAYS after their last change; submitted screenings SUBMITTED_RETENTION_DAYS after
submission, with their cached PDFs. Every run writes an audit row with the counts and the
references purged, never any answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import click
from flask import current_app
from sqlalchemy import delete, select

from . import audit
from .extensions import db
from .models import PdfCache, Screening, utcnow

# Rows deleted per statement: keeps IN lists short on every database.
BATCH = 500
# Room for the counts in front of the references in one audit row's detail (1000 characters).
REFERENCES_PER_ROW = 50


@dataclass
class PurgeResult:
    """What one purge deleted (or, in a dry run, would delete)."""

    drafts: int = 0
    submitted: int = 0
    pdfs: int = 0
    references: list[str] = field(default_factory=list)


def _ids_older_than(status: str, column, cutoff: dt.datetime) -> list[int]:
    stmt = select(Screening.id).where(Screening.status == status, column < cutoff)
    return list(db.session.scalars(stmt.order_by(Screening.id)))


def _delete(ids: list[int]) -> int:
    """Delete screenings and their cached PDFs; returns how many PDFs went."""
    pdfs = 0
    for i in range(0, len(ids), BATCH):
        chunk = ids[i : i + BATCH]
        # Explicitly, not only by ON DELETE CASCADE: SQLite enforces it only with foreign_keys on.
        pdfs += db.session.execute(
            delete(PdfCache).where(PdfCache.screening_id.in_(chunk))
        ).rowcount
        db.session.execute(delete(Screening).where(Screening.id.in_(chunk)))
    return pdfs


def purge(
    draft_days: int,
    submitted_days: int | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> PurgeResult:
    """Delete drafts unchanged for `draft_days` and screenings submitted `submitted_days` ago.

    Flushes only; the caller commits. A dry run counts without deleting or auditing.
    """
    if draft_days < 1 or (submitted_days is not None and submitted_days < 1):
        raise ValueError("retention periods must be at least one day")
    now = now or utcnow()
    result = PurgeResult()
    draft_ids = _ids_older_than("draft", Screening.updated_at, now - dt.timedelta(days=draft_days))
    submitted_ids: list[int] = []
    if submitted_days is not None:
        cutoff = now - dt.timedelta(days=submitted_days)
        submitted_ids = _ids_older_than("submitted", Screening.submitted_at, cutoff)
        result.references = (
            sorted(
                db.session.scalars(
                    select(Screening.reference).where(Screening.id.in_(submitted_ids))
                ).all()
            )
            if submitted_ids
            else []
        )
    result.drafts, result.submitted = len(draft_ids), len(submitted_ids)
    if dry_run:
        result.pdfs = sum(
            1
            for _ in db.session.scalars(
                select(PdfCache.id).where(PdfCache.screening_id.in_(draft_ids + submitted_ids))
            )
        )
        return result
    result.pdfs = _delete(draft_ids + submitted_ids)
    _audit(result, draft_days, submitted_days)
    db.session.flush()
    return result


def _audit(result: PurgeResult, draft_days: int, submitted_days: int | None) -> None:
    """One audit row per run, more when many references were purged; never answers."""
    head = (
        f"drafts={result.drafts} submitted={result.submitted} pdfs={result.pdfs} "
        f"draft_days={draft_days} submitted_days={submitted_days or 'keep'}"
    )
    refs = result.references
    chunks = [refs[i : i + REFERENCES_PER_ROW] for i in range(0, len(refs), REFERENCES_PER_ROW)]
    for n, chunk in enumerate(chunks or [[]], start=1):
        part = f" part={n}/{len(chunks)}" if len(chunks) > 1 else ""
        references = f" references={','.join(chunk)}" if chunk else ""
        audit.record("purge", "cli", detail=head + part + references)


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def purge_command(dry_run: bool) -> None:
    """Delete drafts and (when a retention period is set) submitted screenings past retention."""
    config = current_app.config
    draft_days = int(config["DRAFT_RETENTION_DAYS"])
    submitted_days = config.get("SUBMITTED_RETENTION_DAYS")
    result = purge(draft_days, submitted_days, dry_run=dry_run)
    db.session.commit()
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(f"{verb} {result.drafts} draft(s) unchanged for more than {draft_days} days.")
    if submitted_days is None:
        click.echo("Submitted screenings are kept: SUBMITTED_RETENTION_DAYS is not set.")
    else:
        click.echo(
            f"{verb} {result.submitted} submitted screening(s) older than {submitted_days} days, "
            f"with {result.pdfs} cached PDF(s)."
        )
