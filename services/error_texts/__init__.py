"""The words of every coded refusal (``services.errors.ServiceError.of``), in Chinese and English.

A refusal carries a code (``task.claimed``) and its parameters; ``render`` says it in a language.
The English rendering is also the error's ``detail`` (logs, the CLI); the API says it again in
the request's language (``api.errors``). The catalogues are plain dicts (``zh.py``, ``en.py``)
with the same keys and placeholders (a unit test holds them to it; Chinese may leave out one
that carries an English library's words). A state, status or kind parameter is said in the
language too (``WORDS``), a list is joined in it, and a ``doing`` parameter is itself a code.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.catalogue import LANGUAGES, Catalogue
from services.error_texts import en, zh

__all__ = ["LANGUAGES", "CATALOGUE", "known", "render"]

CATALOGUE = Catalogue(
    texts={"zh": zh.TEXTS, "en": en.TEXTS}, words={"zh": zh.WORDS, "en": en.WORDS},
    word_params=("state", "status", "kind"),  # a state word of ours, said in the language
    code_params=("doing",))  # a parameter that is itself a code, said with the same parameters


def known(code: str | None) -> bool:
    """Whether ``code`` is one of the catalogue's."""
    return CATALOGUE.known(code)


def render(code: str, params: Mapping[str, Any] | None = None, lang: str = "en") -> str:
    """The sentence for ``code`` in ``lang`` (zh or en) with its parameters filled in."""
    return CATALOGUE.render(code, params, lang)
