"""The words of every model problem, in Chinese and English: the lint rules' and the ones found
before them (files that do not parse, forms, catalogues, status profiles, the process to start,
SpiffWorkflow's own refusals, its English kept as a ``detail``).

A rule makes its problem with ``problem(key, element, file, **params)``: the key names the
sentence (``en.py``, ``zh.py``; a unit test holds them to the same keys and placeholders), the
parameters fill it in, and the problem keeps the English as its ``message`` (logs, the CLI).
The API says it again in the request's language (``said``), so a modeller on the Chinese
designer reads Chinese, the element id unchanged. A ``kind`` is said in the language
(``WORDS``); a ``reason`` or ``how`` is itself a key, said with the same parameters.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from engine.catalogue import Catalogue
from engine.errors import Problem
from engine.problem_texts import en, zh

CATALOGUE = Catalogue(texts={"zh": zh.TEXTS, "en": en.TEXTS},
                      words={"zh": zh.WORDS, "en": en.WORDS},
                      word_params=("kind",), code_params=("reason", "how"))


def problem(key: str, element: etree._Element | None, file: str, *, line: int | None = None,
            code: str | None = None, element_id: str = "", **params: Any) -> Problem:
    """The problem ``key`` at ``element`` (its id; its line unless ``line`` is given), its
    ``code`` the key's first part unless given, its message the English sentence. A problem
    found before there is an element (a file that does not parse) passes None, and may name
    an ``element_id`` it has only as text."""
    return Problem(CATALOGUE.render(key, params, "en"), file=file,
                   element_id=element.get("id", "") if element is not None else element_id,
                   line=line if line is not None or element is None else element.sourceline,
                   code=code or key.split(".", 1)[0], key=key, params=params)


def said(found: Problem, lang: str) -> str:
    """The problem's sentence in ``lang``; one without a key keeps its message."""
    return CATALOGUE.render(found.key, found.params, lang) if found.key else found.message
