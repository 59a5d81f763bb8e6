"""A process's words in another language than its model's Chinese: ``i18n.<lang>.json`` in the
bundle (``processes/<folder>/i18n/<lang>.json`` in the repository), used when a request asks
for that language. The model and its forms stay Chinese only; variable names, option values
and element ids never change, only the words people read.

A catalogue::

    {"tasks": {"<bpmn id>": {"name": "...", "documentation": "..."}},
     "forms": {"<form file>": {"title": "...", "description": "...",
                               "properties": {"<field>": {"title": "...", "description": "...",
                                                          "options": {"<value>": "..."},
                                                          "items": {...}, "properties": {...}}}}}}

Missing words fall back to the Chinese.
"""
from __future__ import annotations

import copy
import json
import re
from typing import Any

from .errors import Problem
from .problem_texts import problem

_NAME = re.compile(r"^i18n\.([a-z]{2})\.json$")


def is_catalogue(name: str) -> bool:
    return bool(_NAME.match(name.rsplit("/", 1)[-1].lower()))


def load_catalogues(files: dict[str, bytes]) -> tuple[dict[str, dict], list[Problem]]:
    """The bundle's catalogues by language, and what is wrong with any of them."""
    out: dict[str, dict] = {}
    problems: list[Problem] = []
    for name, data in files.items():
        match = _NAME.match(name.rsplit("/", 1)[-1].lower())
        if not match:
            continue
        try:
            catalogue = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(problem("invalid_catalogue.json", None, name, detail=str(exc)))
            continue
        if not isinstance(catalogue, dict) or not all(
                isinstance(catalogue.get(k, {}), dict) for k in ("tasks", "forms")):
            problems.append(problem("invalid_catalogue.shape", None, name))
            continue
        out[match.group(1)] = catalogue
    return out, problems


def _words(schema: Any, words: Any) -> None:
    """Put ``words`` (a catalogue entry) into ``schema`` (a copy), recursively."""
    if not isinstance(schema, dict) or not isinstance(words, dict):
        return
    for key in ("title", "description"):
        if isinstance(words.get(key), str):
            schema[key] = words[key]
    options = words.get("options")
    if isinstance(options, dict):
        for choice in schema.get("oneOf", []) + schema.get("anyOf", []):
            if isinstance(choice, dict) and str(choice.get("const")) in options:
                choice["title"] = options[str(choice.get("const"))]
        items = schema.get("items")
        if isinstance(items, dict):
            _words(items, {"options": options})
    for name, sub in (words.get("properties") or {}).items():
        _words((schema.get("properties") or {}).get(name), sub)
        for branch in schema.get("allOf", []):  # conditional branches repeat some fields
            if isinstance(branch, dict):
                for part in ("then", "else"):
                    _words(((branch.get(part) or {}).get("properties") or {}).get(name),
                           {k: v for k, v in sub.items() if k == "options"})
    if isinstance(words.get("items"), dict):
        _words(schema.get("items"), words["items"])


def translate_form(schema: dict, words: dict | None) -> dict:
    """The form with the catalogue's words; the schema itself is left untouched."""
    if not words:
        return schema
    out = copy.deepcopy(schema)
    _words(out, words)
    return out


def translate_task(task: dict, catalogue: dict | None, form_name: str | None) -> dict:
    """A task as the API shows it (name, documentation, form_schema) in the catalogue's words."""
    if not catalogue:
        return task
    words = (catalogue.get("tasks") or {}).get(task.get("bpmn_id"), {})
    out = dict(task)
    for key in ("name", "documentation"):
        if isinstance(words.get(key), str):
            out[key] = words[key]
    if form_name and isinstance(out.get("form_schema"), dict):
        out["form_schema"] = translate_form(out["form_schema"],
                                            (catalogue.get("forms") or {}).get(form_name))
    return out
