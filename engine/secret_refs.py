"""References to stored secrets inside model values: ``{{secret:SHOP_KEY}}``.

A model never holds a secret's value, only a reference to it by name. The reference travels
as plain text through task data, stored task inputs, incidents, audit entries and logs; the
HTTP connector swaps in the value at the moment of the call (``substitute``) and swaps it
back out of anything it reports (``Scrubber``).

In a Python f-string ``{{`` is an escaped brace, so ``f"Bearer {{secret:K}}"`` evaluates to
``Bearer {secret:K}``: there, write ``f"Bearer {secret('K')}"`` (the sandbox's ``secret``
helper returns the reference) or concatenate a plain string.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus

# A secret's name: a letter, then letters, digits, '_', '-' or '.'; at most 100 characters.
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,99}")
# Anything shaped like a reference; the name inside is checked separately, so a typo is an
# error that names it rather than text sent as it is.
_REFERENCE = re.compile(r"\{\{\s*secret:([^{}]*?)\s*\}\}")
# What an f-string leaves of a reference written with double braces inside it.
_HALVED = re.compile(r"(?<!\{)\{secret:[^{}]*\}(?!\})")


class BadReference(ValueError):
    """A reference whose name is not a legal secret name."""


def is_name(name: str) -> bool:
    return isinstance(name, str) and NAME.fullmatch(name) is not None


def reference(name: str) -> str:
    """The reference text for ``name`` (the sandbox's ``secret('NAME')``)."""
    if not is_name(name):
        raise BadReference(f"'{name}' is not a secret name (a letter, then letters, digits, "
                           "'_', '-' or '.', at most 100 characters)")
    return "{{secret:" + name + "}}"


def names_in(text: str) -> list[str]:
    """The secret names ``text`` refers to, in order, each once; a malformed name raises."""
    found: list[str] = []
    for match in _REFERENCE.finditer(text):
        name = match.group(1)
        if not is_name(name):
            raise BadReference(f"the secret reference '{match.group(0)}' does not name a "
                               "secret by a legal name (a letter, then letters, digits, '_', "
                               "'-' or '.')")
        if name not in found:
            found.append(name)
    return found


def halved_reference(text: str) -> str | None:
    """A ``{secret:NAME}`` left by an f-string that ate one pair of braces, if any."""
    match = _HALVED.search(text)
    return match.group(0) if match else None


def names_in_value(value: Any) -> list[str]:
    """The secret names referred to by every string inside a JSON-like value (not keys)."""
    found: list[str] = []
    for text in _strings(value):
        found += [n for n in names_in(text) if n not in found]
    return found


def substitute(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every reference replaced by its value (each name must be in ``values``)."""
    return _REFERENCE.sub(lambda m: values[m.group(1)], text)


def substitute_value(value: Any, values: Mapping[str, str]) -> Any:
    """A JSON-like value with references in its strings replaced (keys are left alone)."""
    return _map_strings(value, lambda text: substitute(text, values))


class Scrubber:
    """Puts the reference back wherever a secret's value shows up in text: as it is, or
    percent-encoded as it would be in a URL. Longer spellings go first, so a value that
    contains another is not half-replaced."""

    def __init__(self, values: Mapping[str, str]) -> None:
        spellings = {(spelling, "{{secret:" + name + "}}")
                     for name, value in values.items() if value
                     for spelling in (value, quote(value, safe=""), quote(value),
                                      quote_plus(value))}
        self._spellings = sorted(spellings, key=lambda pair: -len(pair[0]))

    def text(self, text: str) -> str:
        for spelling, ref in self._spellings:
            text = text.replace(spelling, ref)
        return text

    def value(self, value: Any) -> Any:
        """A JSON-like value with secret values scrubbed from its strings, keys included."""
        return _map_strings(value, self.text, keys=True) if self._spellings else value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _strings(item)]
    return []


def _map_strings(value: Any, change: Any, keys: bool = False) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {(change(k) if keys and isinstance(k, str) else k): _map_strings(v, change, keys)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_map_strings(item, change, keys) for item in value]
    return value
