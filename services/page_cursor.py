"""The ``cursor`` a list call was given, read back (``store.keyset``): a cursor from another
list or sort, or not made by Flowdesk at all, is the caller's mistake (400), never a 500."""
from __future__ import annotations

from typing import Any

from services.errors import Invalid, coded_field
from store import keyset


def cursor_values(cursor: str | None, sort: str, size: int) -> list[Any] | None:
    """The sort values after which the page starts, or None for a page by number."""
    if not cursor:
        return None
    try:
        return keyset.decode(cursor, sort, size)
    except keyset.BadCursor:
        raise Invalid.of("page.cursor", [coded_field("cursor", "field.cursor", "query")]
                         ) from None
