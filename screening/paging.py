"""Pages of a query's rows, for the clinician lists (the worklist and the audit trail)."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from .extensions import db

# A huge page number would overflow the database's OFFSET (a 500 on SQLite).
MAX_PAGE = 100_000


def paginate(stmt: Select[Any], page: int | None, per_page: int) -> Pagination:
    """Page `page` (1 to MAX_PAGE; anything else is the nearest) of the statement's rows.

    A page past the last is empty, never an error.
    """
    number = max(min(page or 1, MAX_PAGE), 1)
    return db.paginate(stmt, page=number, per_page=per_page, error_out=False)
