"""Pages of a query's rows for the clinician lists (the worklist and the audit trail): keyset
pagination, so that the hundredth page costs what the first does.

A list is ordered by a few columns, all descending, the last one unique (the id), so that every
row has one place. A page is the `per_page` rows after (or before) the last (first) row of the
page that linked to it: "Next" and "Previous" carry that row's keys in an opaque cursor, signed
with the application's secret key and bound to the list and order it was made for; a cursor
that was changed, cut or made for another list raises `BadCursor` (a friendly 400), never an
error of the database. No OFFSET: the database seeks to the cursor in the order's index.

The number of rows is counted up to `COUNT_CAP` (a search over a hundred thousand screenings
says "more than 1,000" instead of counting them all).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, func, literal, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from .extensions import db

# Rows counted at most: more than this is shown as "more than 1,000".
COUNT_CAP = 1000
# A cursor longer than this was not made here.
MAX_CURSOR_LENGTH = 300
# Page numbers are a hint carried in the cursor ("Page 3 of 7"), never used to find rows.
MAX_PAGE = 100_000
_SALT = "list-cursor"


class BadCursor(ValueError):
    """A cursor that was not made here for this list (changed, cut, or from another list)."""


@dataclass(frozen=True)
class Key:
    """One column of a list's order (descending); `kind` says how its value travels in a cursor:
    "int" or "datetime"."""

    column: ColumnElement[Any]
    kind: str
    # The row's value of this key (the list's rows are ORM objects or rows).
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, the links to the pages around it and the rows counted."""

    items: list[Any]
    page: int  # the page's number, as far as the cursors followed tell
    per_page: int
    total: int  # rows counted, up to COUNT_CAP + 1 (then: "more than COUNT_CAP")
    next_cursor: str | None
    prev_cursor: str | None

    @property
    def capped(self) -> bool:
        """Whether there are more rows than were counted."""
        return self.total > COUNT_CAP

    @property
    def pages(self) -> int | None:
        """How many pages there are, when every row was counted."""
        return None if self.capped else max(math.ceil(self.total / self.per_page), 1)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None


def bad_cursor_page(first_page: str) -> tuple[str, int]:
    """The friendly page for a cursor that was not made here (400), with a link to the list's
    first page."""
    from flask import render_template

    return render_template("clinician/bad_cursor.html", first_page=first_page), 400


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _encode(value: Any, kind: str) -> Any:
    if kind == "datetime":
        return value.isoformat()
    return int(value)


def _decode(value: Any, kind: str) -> Any:
    if kind == "datetime" and isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            raise BadCursor("not a time") from None
    if (
        kind == "int"
        and isinstance(value, int)
        and not isinstance(value, bool)
        and abs(value) < 2**63
    ):
        return value
    raise BadCursor(f"not a {kind}")


def make_cursor(scope: str, keys: Sequence[Key], row: Any, direction: str, page: int) -> str:
    """A cursor to the rows after ("next") or before ("prev") `row`, to page number `page`."""
    values = [_encode(k.value(row), k.kind) for k in keys]
    return str(_serializer().dumps({"s": scope, "d": direction, "k": values, "p": page}))


def read_cursor(cursor: str, scope: str, keys: Sequence[Key]) -> tuple[str, list[Any], int]:
    """Direction, key values and page number of a cursor made for `scope`; BadCursor otherwise."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise BadCursor("too long")
    try:
        data = _serializer().loads(cursor)
    except (BadSignature, ValueError, UnicodeError):
        raise BadCursor("not signed here") from None
    if not isinstance(data, dict) or data.get("s") != scope or data.get("d") not in ("n", "p"):
        raise BadCursor("another list")
    values, page = data.get("k"), data.get("p")
    if not isinstance(values, list) or len(values) != len(keys):
        raise BadCursor("wrong keys")
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= MAX_PAGE:
        raise BadCursor("wrong page")
    return data["d"], [_decode(v, k.kind) for v, k in zip(values, keys, strict=True)], page


def capped_count(stmt: Select[Any], cap: int | None = None) -> int:
    """The statement's rows counted, up to cap + 1 (COUNT_CAP + 1 by default)."""
    cap = COUNT_CAP if cap is None else cap
    rows = stmt.order_by(None).limit(cap + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(rows)) or 0


def keyset(
    stmt: Select[Any],
    keys: Sequence[Key],
    cursor: str | None,
    per_page: int,
    *,
    scope: str,
    count: Select[Any] | None = None,
    fetch: Callable[[Select[Any]], list[Any]] | None = None,
) -> Page:
    """One page of the statement's rows in the keys' order (every key descending).

    `cursor` is None for the first page, or a cursor of a page of this list (`scope`);
    BadCursor when it is not. `count` is the statement counted (capped; the statement itself
    by default); `fetch` runs a statement and gives its rows (ORM objects by default).
    """
    run = fetch or (lambda s: list(db.session.scalars(s)))
    columns = [k.column for k in keys]
    newest_first = stmt.order_by(*(c.desc() for c in columns))
    direction, number = "n", 1
    has_prev = False
    rows: list[Any] | None = None
    if cursor:
        direction, values, number = read_cursor(cursor, scope, keys)
        at = tuple_(*(literal(v, k.column.type) for v, k in zip(values, keys, strict=True)))
        if direction == "n":
            rows = run(newest_first.where(tuple_(*columns) < at).limit(per_page + 1))
            has_prev, number = True, max(number, 2)
        else:
            oldest_first = stmt.order_by(*(c.asc() for c in columns))
            before = run(oldest_first.where(tuple_(*columns) > at).limit(per_page + 1))
            before.reverse()
            if len(before) > per_page:
                # Rows before these: a page in the middle; the rows after it exist.
                items, has_prev, has_next = before[1:], True, True
                number = max(number, 2)
            else:
                # Back at the start (fewer rows when some were deleted since): the first page.
                number = 1
                if len(before) == per_page:
                    items, has_next = before, True
                else:
                    rows = None
                    direction = "n"
    if direction == "n":
        if rows is None:
            number = 1
            rows = run(newest_first.limit(per_page + 1))
        items, has_next = rows[:per_page], len(rows) > per_page
    total = capped_count(count if count is not None else stmt)
    return Page(
        items=items,
        page=number,
        per_page=per_page,
        total=total,
        next_cursor=(
            make_cursor(scope, keys, items[-1], "n", min(number + 1, MAX_PAGE))
            if has_next and items
            else None
        ),
        prev_cursor=(
            make_cursor(scope, keys, items[0], "p", max(number - 1, 1))
            if has_prev and items
            else None
        ),
    )
