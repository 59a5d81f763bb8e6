"""Babel extraction methods for the UI's message keys, named in ``web/babel.cfg``.

The msgids are keys (``login.title``), so ``pybabel extract`` must find every key a page
uses, or ``pybabel update`` would mark its entry obsolete. Babel's own extractors, with the
keywords ``babel.cfg`` names per section (``keywords = t translate:2``), see ``t('key')`` in
Python and templates; these methods add what they cannot see:

- a page script's keys get its page's prefix (``prefixes = admin.js.``): ``t("saved")`` in
  ``admin.js`` is ``admin.js.saved``;
- a key built at run time from a literal prefix (``t("col." + name)``, ``t('view.' ~ name)``)
  stands for every catalogue entry under that prefix, which keeps those entries.
"""
from __future__ import annotations

import functools
import io
import re
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.pofile import read_po

Result = tuple[int, None, str, list[str]]


def _keywords(options: Mapping[str, Any]) -> dict[str, int]:
    """The section's ``keywords`` (Babel parses ``t button:2`` into ``{"t": None, "button":
    (2,)}``) → which argument holds the key: ``{"t": 1, "button": 2}``."""
    return {name: (spec or (1,))[0] for name, spec in (options.get("keywords") or {}).items()}


@functools.cache
def _catalogue_keys() -> tuple[str, ...]:
    """Every msgid of the catalogues, translated or not (an entry waiting for its text must
    not be retired)."""
    from .i18n import LANGUAGES, TRANSLATIONS

    keys: dict[str, None] = {}
    for lang in LANGUAGES:
        with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as file:
            keys.update(dict.fromkeys(message.id for message in read_po(file) if message.id))
    return tuple(keys)


def _family(prefix: str) -> list[str]:
    """The catalogues' keys under ``prefix``."""
    return [key for key in _catalogue_keys() if key.startswith(prefix)]


def template(fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
             options: Mapping[str, Any]) -> Iterator[Any]:
    """Jinja's extractor (``t('key')``), plus ``t('prefix.' ~ name)`` as the prefix's keys."""
    from jinja2.ext import babel_extract

    source = fileobj.read()
    yield from babel_extract(io.BytesIO(source), keywords, comment_tags, options)
    text = source.decode(str(options.get("encoding", "utf-8")))
    names = "|".join(re.escape(name) for name in _keywords(options))
    for match in re.finditer(rf"\b(?:{names})\(\s*(['\"])([\w.]+)\1\s*~", text):
        lineno = text.count("\n", 0, match.start()) + 1
        for key in _family(match[2]):
            yield lineno, None, key, []


_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_LINE_COMMENT = re.compile(r"^[ \t]*//[^\n]*", re.M)
_ARG = r"""(?:"[^"\n]*"|'[^'\n]*'|[\w.$]+)"""  # an argument before the key's
_KEY = r"""(?P<q{n}>["'])(?P<key{n}>[\w.]+)(?P=q{n})"""  # a string that can be a key
_CONDITION = r"""(?:[^,()?"'\n]|"[^"\n]*"|'[^'\n]*')+\?"""


def _blank(match: re.Match[str]) -> str:
    """A comment as spaces, keeping its line breaks (and so the line numbers)."""
    return re.sub(r"[^\n]", " ", match[0])


def _key_argument(name: str, index: int) -> re.Pattern[str]:
    """``name("key"``, ``name("prefix." +``, ``name(a ? "key" : "key"`` (or ``name[``), the key
    being argument ``index``."""
    head = rf"(?<![\w.$]){re.escape(name)}\s*[(\[]\s*(?:{_ARG}\s*,\s*){{{index - 1}}}"
    return re.compile(
        head + rf"(?:{_KEY.format(n=1)}\s*(?P<end>[,)\]+])"
        rf"|{_CONDITION}\s*{_KEY.format(n=2)}\s*:\s*{_KEY.format(n=3)}\s*[,)\]])")


def page_script(fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
                options: Mapping[str, Any]) -> Iterator[Result]:
    """Keys in a page script, under each of its page's ``prefixes``.

    For a keyword followed by ``(`` or ``[`` (``t("saved")``, ``MESSAGES["action." + x]``), the
    argument that holds the key: a string is a key, or a prefix if ``+`` follows, and both
    strings of ``a ? "x" : "y"`` are keys. Comments are left out."""
    prefixes = str(options.get("prefixes", "")).split() or [""]
    source = fileobj.read().decode(str(options.get("encoding", "utf-8")))
    source = _LINE_COMMENT.sub(_blank, _BLOCK_COMMENT.sub(_blank, source))
    for name, index in _keywords(options).items():
        for match in _key_argument(name, index).finditer(source):
            lineno = source.count("\n", 0, match.start()) + 1
            if match["end"] == "+":
                found = [key for prefix in prefixes for key in _family(prefix + match["key1"])]
            else:
                texts = [match["key1"]] if match["key1"] else [match["key2"], match["key3"]]
                found = [prefix + text for prefix in prefixes for text in texts]
            for key in found:
                yield lineno, None, key, []
