"""Keyset pagination: "Berikutnya / Sebelumnya" links that carry the last row's sort key.

OFFSET paging reads and throws away every row before the page, and an exact COUNT(*) reads them all:
both cost seconds at a million rows. A keyset page asks the index for the rows after (or before) the
last row seen, and tells whether there is a next page by fetching one row more than it shows.

The cursor in the URL is the sort key of a boundary row, e.g. `setelah=2026-11-24T05:50:16.123456~42`.
Only ascending orders on columns of the listed entity are supported (plus a descending id order for
newest-first lists); the sort key must end with a unique column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import request, url_for
from sqlalchemy import Select, tuple_

from app.extensions import db

AFTER, BEFORE = "setelah", "sebelum"
SEPARATOR = "~"


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None = None
    prev_cursor: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None


def _encode(values: tuple) -> str:
    return SEPARATOR.join(v.isoformat() if isinstance(v, date | datetime) else str(v) for v in values)


def _decode(cursor: str | None, columns: list) -> tuple | None:
    if not cursor:
        return None
    parts = cursor.split(SEPARATOR)
    if len(parts) != len(columns):
        return None
    values = []
    try:
        for text, column in zip(parts, columns, strict=True):
            kind = column.type.python_type
            if kind is datetime:
                values.append(datetime.fromisoformat(text))
            elif kind is date:
                values.append(date.fromisoformat(text))
            else:
                values.append(kind(text))
    except (ValueError, NotImplementedError):
        return None  # a tampered or stale cursor: start from the first page
    return tuple(values)


def keyset_paginate(
    stmt: Select,
    columns: list,
    *,
    per_page: int,
    after: str | None = None,
    before: str | None = None,
    descending: bool = False,
) -> KeysetPage:
    """One page of `stmt` ordered by `columns` (the last one unique), after or before a cursor."""
    keys = [column.key for column in columns]
    after_key, before_key = _decode(after, columns), _decode(before, columns)
    backwards = before_key is not None and after_key is None
    boundary = before_key if backwards else after_key
    forward_order = [c.desc() if descending else c.asc() for c in columns]
    reverse_order = [c.asc() if descending else c.desc() for c in columns]
    if boundary is not None:
        # "after" in display order means ">" ascending, "<" descending; "before" is the opposite.
        greater = backwards == descending
        row = tuple_(*columns)
        stmt = stmt.where(row > tuple_(*boundary) if greater else row < tuple_(*boundary))
    stmt = stmt.order_by(None).order_by(*(reverse_order if backwards else forward_order)).limit(per_page + 1)
    rows = list(db.session.scalars(stmt))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()

    def key_of(item: Any) -> str:
        return _encode(tuple(getattr(item, k) for k in keys))

    page = KeysetPage(items=rows)
    if rows:
        has_next = True if backwards else more
        has_prev = more if backwards else boundary is not None
        page.next_cursor = key_of(rows[-1]) if has_next else None
        page.prev_cursor = key_of(rows[0]) if has_prev else None
    elif boundary is not None:
        # Past either end: offer the way back.
        page.prev_cursor = None if backwards else after
        page.next_cursor = before if backwards else None
    return page


def cursor_args() -> dict[str, str | None]:
    return {"after": request.args.get(AFTER) or None, "before": request.args.get(BEFORE) or None}


def keyset_url(direction: str, cursor: str) -> str:
    """The current page's URL, filters kept, with another cursor."""
    args = {k: v for k, v in request.args.to_dict().items() if k not in (AFTER, BEFORE, "page")}
    return url_for(request.endpoint, **{**request.view_args, **args, direction: cursor})
