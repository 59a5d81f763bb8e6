"""Coded sentences in Chinese and English, with their parameters filled in.

The one way Flowdesk says a coded sentence in a language: the services' refusals
(``services.error_texts``) and the engine's model problems (``engine.problem_texts``) each keep
their own words and use this to say them. A code keeps its English (also the sentence logs and
the CLI show); another language falls back to it for a code it lacks, and an unknown code is
said as itself with its parameters (a sentence, never a crash).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LANGUAGES = ("zh", "en")
NONE = {"zh": "无", "en": "none"}  # an empty list
JOINERS = {"zh": "、", "en": ", "}


@dataclass(frozen=True)
class Catalogue:
    """Sentences by language and code, and the words some parameters are said in.

    ``word_params`` name parameters whose value is one of ``words`` (a state, a kind);
    ``code_params`` name parameters that are themselves a code, said with the same parameters.
    """

    texts: Mapping[str, Mapping[str, str]]
    words: Mapping[str, Mapping[str, str]]
    word_params: tuple[str, ...] = ()
    code_params: tuple[str, ...] = ()

    def known(self, code: str | None) -> bool:
        """Whether ``code`` is one of the catalogue's."""
        return bool(code) and code in self.texts["en"]

    def render(self, code: str, params: Mapping[str, Any] | None = None,
               lang: str = "en") -> str:
        """The sentence for ``code`` in ``lang`` (zh or en; else zh) with its parameters."""
        lang = lang if lang in LANGUAGES else "zh"
        params = params or {}
        text = self.texts[lang].get(code) or self.texts["en"].get(code)
        if text is None:  # a code no catalogue has: still a sentence, never a crash (a 500)
            return code + "".join(f" {k}={v}" for k, v in params.items())
        for name, value in params.items():
            if name in self.code_params:
                value = self.render(str(value), {k: v for k, v in params.items()
                                                 if k not in self.code_params}, lang)
            elif name in self.word_params:
                value = self.words[lang].get(str(value), value)
            elif isinstance(value, (list, tuple)):
                value = JOINERS[lang].join(str(v) for v in value) or NONE[lang]
            text = text.replace("{" + name + "}", str(value))
        return text
