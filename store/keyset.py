"""Keyset pagination and capped totals for the long lists (the inbox, the admin lists).

An OFFSET page makes the database walk and throw away every row before it, and a full count
walks every match: at a hundred thousand open tasks both cost more than the page. Here a page
after the first starts *after* the last row of the previous one (an opaque ``cursor`` holding
that row's sort values and the sort itself), and a total is counted only up to a cap.

A sort is a list of ``SortKey``; the last one must be unique (the id) so that ties are broken
and every row comes exactly once. A nullable key sorts its NULLs last in both directions (the
same on SQLite and PostgreSQL, whose own defaults differ).
"""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (ColumnElement, Integer, Select, and_, bindparam, false, func,
                        literal_column, or_, select)

TOTAL_CAP = 10_000  # totals are exact up to here, then reported as capped ("10,000+")


@dataclass
class Page:
    """One page of a list: its rows, the total (exact, or ``cap`` when ``total_capped``), and
    the cursor of the page after it (None on the last page)."""

    rows: list[dict[str, Any]]
    total: int
    total_capped: bool
    next_cursor: str | None

    def body(self, **extra: Any) -> dict[str, Any]:
        """What the API answers: items, total, total_capped, next_cursor (and ``extra``)."""
        return {"items": self.rows, "total": self.total, "total_capped": self.total_capped,
                "next_cursor": self.next_cursor, **extra}


def page_of_rows(rows: list[dict[str, Any]], per_page: int, counted: int, cap: int,
                 sort: str, names: Sequence[str]) -> Page:
    """The page from ``per_page + 1`` fetched rows (one more says there is a next page) and
    a capped count; ``total_count``, if the rows carry it, is dropped from them."""
    more = len(rows) > per_page
    rows = rows[:per_page]
    for row in rows:
        row.pop("total_count", None)
    total, is_capped = capped(counted, cap)
    return Page(rows, total, is_capped,
                encode(sort, rows[-1], names) if more and rows else None)


class BadCursor(ValueError):
    """A cursor this list did not hand out (or one made for another sort)."""


@dataclass(frozen=True)
class SortKey:
    column: ColumnElement[Any]
    descending: bool = False
    nullable: bool = False

    def ordered(self) -> ColumnElement[Any]:
        term = self.column.desc() if self.descending else self.column.asc()
        return term.nulls_last() if self.nullable else term


def order_by(keys: Sequence[SortKey]) -> list[ColumnElement[Any]]:
    return [key.ordered() for key in keys]


def after(keys: Sequence[SortKey], nulls: tuple[bool, ...]) -> ColumnElement[bool]:
    """Rows that sort after the cursor's row; its values are bound as ``after_0``, … (only
    the non-NULL ones: ``nulls`` says which are NULL, so the shape is known when built).

    The usual expansion ``k0 > v0 OR (k0 = v0 AND k1 > v1) OR …``, led by ``k0 >= v0`` so
    the database walks the sort index from the cursor on instead of from the start."""
    branches = []
    equal: list[ColumnElement[bool]] = []
    for i, (key, is_null) in enumerate(zip(keys, nulls)):
        value = bindparam(f"after_{i}", type_=key.column.type)
        if is_null:  # NULLs come last: nothing of this key sorts after a NULL
            equal.append(key.column.is_(None))
            continue
        beyond = key.column < value if key.descending else key.column > value
        if key.nullable:
            beyond = or_(beyond, key.column.is_(None))
        branches.append(and_(*equal, beyond))
        equal.append(key.column == value)
    rest = or_(*branches) if branches else false()
    first, first_null = keys[0], nulls[0]
    if first.nullable or first_null:
        return rest
    start = bindparam("after_0", type_=first.column.type)
    lead = first.column <= start if first.descending else first.column >= start
    return and_(lead, rest)


def cursor_params(values: list[Any]) -> dict[str, Any]:
    """The bound values ``after`` expects (NULLs are part of the statement's shape)."""
    return {f"after_{i}": value for i, value in enumerate(values) if value is not None}


def encode(sort: str, row: dict[str, Any], keys: Sequence[str]) -> str:
    """The opaque cursor after ``row`` in ``sort`` (``keys``: its sort columns' names)."""
    values = [_plain(row[key]) for key in keys]
    raw = json.dumps({"s": sort, "v": values}, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, sort: str, size: int) -> list[Any]:
    """The sort values a cursor holds; ``BadCursor`` for anything not made by ``encode`` for
    this sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        values = [_value(v) for v in data["v"]]
        same_sort = data["s"] == sort
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise BadCursor(cursor) from None
    if not same_sort or len(values) != size:
        raise BadCursor(cursor)
    return values


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def _value(value: Any) -> Any:
    if isinstance(value, dict):
        return datetime.fromisoformat(value["t"])
    if value is None or isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    raise ValueError("not a cursor value")


def capped_count(query: Select) -> Select:
    """``SELECT count(*)`` over at most ``:count_limit`` rows of ``query`` (``cap + 1``:
    ``count_params``; ``TOTAL_CAP`` unless bound): exact up to the cap, and one more says
    "capped" without walking the rest of the matches."""
    limit = bindparam("count_limit", value=TOTAL_CAP + 1, type_=Integer)
    limited = (query.with_only_columns(literal_column("1"), maintain_column_froms=True)
               .order_by(None).offset(None)
               .limit(limit))
    return select(func.count()).select_from(limited.subquery())


def count_params(cap: int) -> dict[str, int]:
    return {"count_limit": cap + 1}


def capped(total: int, cap: int) -> tuple[int, bool]:
    """(total, capped): a count of ``cap + 1`` rows means there are more than ``cap``."""
    return (cap, True) if total > cap else (total, False)


def page_of_query(conn: Any, query: Select, keys: list[SortKey], names: list[str], sort: str,
                  *, page: int, per_page: int, values: list[Any] | None,
                  cap: int = TOTAL_CAP) -> Page:
    """The admin lists' page (cold paths, SQLAlchemy's execution): ``query`` (filtered, not
    ordered) sorted by ``keys``, after the cursor's ``values`` or at ``page``, and its total
    capped at ``cap``."""
    params: dict[str, Any] = {}
    paged = query
    if values is not None:
        paged = query.where(after(keys, tuple(v is None for v in values)))
        params = cursor_params(values)
    paged = (paged.order_by(*order_by(keys)).limit(per_page + 1)
             .offset(0 if values is not None else (page - 1) * per_page))
    rows = [dict(r) for r in conn.execute(paged, params).mappings()]
    counted = conn.execute(capped_count(query), count_params(cap)).scalar_one()
    return page_of_rows(rows, per_page, counted, cap, sort, names)
