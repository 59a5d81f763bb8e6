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

from services.error_texts import en, zh

LANGUAGES = ("zh", "en")
CATALOGUES: dict[str, dict[str, str]] = {"zh": zh.TEXTS, "en": en.TEXTS}
WORDS: dict[str, dict[str, str]] = {"zh": zh.WORDS, "en": en.WORDS}
# parameters whose value is a state word of ours, said in the language
WORD_PARAMS = ("state", "status", "kind")
CODE_PARAMS = ("doing",)  # a parameter that is itself a code, said with the same parameters
NONE = {"zh": "无", "en": "none"}  # an empty list


def known(code: str | None) -> bool:
    """Whether ``code`` is one of the catalogue's."""
    return bool(code) and code in en.TEXTS


def render(code: str, params: Mapping[str, Any] | None = None, lang: str = "en") -> str:
    """The sentence for ``code`` in ``lang`` (zh or en) with its parameters filled in."""
    lang = lang if lang in LANGUAGES else "zh"
    text = CATALOGUES[lang].get(code) or en.TEXTS.get(code)
    if text is None:  # a code no catalogue has: still a refusal, never a crash (a 500)
        return code + "".join(f" {k}={v}" for k, v in (params or {}).items())
    for name, value in (params or {}).items():
        if name in CODE_PARAMS:
            value = render(str(value), {k: v for k, v in params.items()  # type: ignore[union-attr]
                                        if k not in CODE_PARAMS}, lang)
        elif name in WORD_PARAMS:
            value = WORDS[lang].get(str(value), value)
        elif isinstance(value, (list, tuple)):
            value = (("、" if lang == "zh" else ", ").join(str(v) for v in value)
                     or NONE[lang])
        text = text.replace("{" + name + "}", str(value))
    return text
