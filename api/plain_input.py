"""Input the server can walk and the store can hold, checked once where requests are parsed.

JSON that parses can still break a request later: nesting a few hundred levels deep overflows
Python's recursion in the JSON decoder or in any code that walks the value afterwards, U+0000
cannot be stored in PostgreSQL's text and JSON columns, and a lone UTF-16 surrogate
(``"\\ud800"``) is not UTF-8 at all, so neither database takes it. Each was a 500 after part
of the work was done. ``api.routes.QueryParser`` runs these checks on every JSON body, query
string and form it parses, and ``refuse_unstorable_path_text`` on the path's parameters, so
such input is refused before any view runs: 400 for nesting (the body as a whole), 422 naming
each field that holds such text.
"""
from __future__ import annotations

from typing import Any

from flask import request

from api import language
from api.errors import Unprocessable

MAX_DEPTH = 64  # objects and arrays inside each other; forms and variables use a handful
# in marshmallow's manner: English here, said in Chinese by api.language
TOO_DEEP = "JSON nested too deeply (at most 64 levels of objects and arrays)."
UNSTORABLE = "Text holds U+0000 or a lone surrogate, which cannot be stored."


class TooDeep(ValueError):
    """A JSON value nested past ``MAX_DEPTH``."""


def storable_text(text: str) -> bool:
    """False for text holding U+0000 or a lone surrogate (neither database stores those)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_fields(value: Any) -> list[str]:
    """The paths (``a/0/b``, as field errors name nested fields) of every string, key or value,
    that cannot be stored; raises ``TooDeep`` past ``MAX_DEPTH``. Iterative, so no depth the
    decoder accepted can overflow here."""
    found: list[str] = []
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if not storable_text(item):
                found.append(path or "(body)")
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth >= MAX_DEPTH:
            raise TooDeep(path)
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in pairs:
            name = str(key)
            if isinstance(key, str) and not storable_text(key):
                found.append(f"{path}/{name!r}" if path else repr(name))
                continue
            stack.append((child, f"{path}/{name}" if path else name, depth + 1))
    return sorted(found)


def refuse_unstorable_path_text() -> None:
    """Before every view: no text parameter of the path holds what cannot be stored."""
    bad = [name for name, value in (request.view_args or {}).items()
           if isinstance(value, str) and not storable_text(value)]
    if bad:
        raise Unprocessable(language.detail("fields", fields=", ".join(bad)), [
            {"field": name, "message": language.field_message(UNSTORABLE)[1],
             "location": "path"} for name in bad])
