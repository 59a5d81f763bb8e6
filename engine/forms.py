"""Validate submitted form data against a user task's JSON schema, field by field.

Each error is a code with parameters (``minimum`` {limit: 0}, ``required``, ``const``
{expected: true}...) plus the field's ``label`` (its ``title`` in the form), so the API can say it
in the request's language (engine/form_messages.py) and clients can render their own; the
``message`` kept on each error is jsonschema's English, the text of last resort.
"""
from __future__ import annotations

import threading
from typing import Any

from jsonschema import Draft202012Validator

from .errors import FormInvalid

_validators: dict[int, tuple[dict, Draft202012Validator]] = {}
_lock = threading.Lock()

# jsonschema keyword -> the parameter name its value goes under.
_LIMITS = {"minimum": "limit", "maximum": "limit", "exclusiveMinimum": "limit",
           "exclusiveMaximum": "limit", "minLength": "limit", "maxLength": "limit",
           "minItems": "limit", "maxItems": "limit", "multipleOf": "limit",
           "pattern": "pattern", "format": "format", "type": "expected", "const": "expected",
           "enum": "allowed"}


def _validator(schema: dict) -> Draft202012Validator:
    """Validators are built once per schema object (schemas live in the cached definition)."""
    entry = _validators.get(id(schema))
    if entry is not None and entry[0] is schema:
        return entry[1]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    with _lock:
        if len(_validators) > 4096:
            _validators.clear()
        _validators[id(schema)] = (schema, validator)
    return validator


def _missing_name(error: Any) -> str:
    """The property a ``required`` error is about. jsonschema reports each missing property as
    its own error and names it only in the message (``'name' is a required property``), so the
    name is the required one whose repr starts the message."""
    required = error.validator_value if isinstance(error.validator_value, list) else []
    message = str(error.message)
    for name in required:
        if message.startswith(f"{name!r} "):
            return str(name)
    parts = message.split("'")
    return parts[1] if len(parts) > 1 else ""


def _path(error: Any) -> list:
    path = list(error.absolute_path)
    if error.validator == "required":
        path.append(_missing_name(error))
    return path


def field_schema(schema: dict, path: list) -> dict:
    """The sub-schema of the field at ``path`` (properties / items), {} when the form has none."""
    node: Any = schema
    for part in path:
        if not isinstance(node, dict):
            return {}
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            node = node.get("items", {})
        else:
            node = (node.get("properties") or {}).get(part, {})
    return node if isinstance(node, dict) else {}


def _label(schema: dict, path: list) -> str:
    """The field's title; for an item of a list, the list's (``items/0/amount``: amount's)."""
    names = [p for p in path if not (isinstance(p, int) or str(p).isdigit())]
    if not names:
        return ""
    title = field_schema(schema, path).get("title")
    return str(title) if title else str(names[-1])


def _params(error: Any, schema: dict, path: list) -> dict:
    code = error.validator
    if code == "required":
        return {}
    if code == "additionalProperties" and isinstance(error.instance, dict):
        known = set((error.schema.get("properties") or {}))
        return {"names": sorted(str(k) for k in error.instance if k not in known)}
    name = _LIMITS.get(code)
    if name is None:
        return {}
    value = error.validator_value
    params: dict = {name: value}
    if code in ("const", "enum"):
        options = {o.get("const"): o.get("title") for o in
                   field_schema(schema, path).get("oneOf", []) if isinstance(o, dict)}
        labels = [options.get(v) for v in (value if code == "enum" else [value])]
        if all(isinstance(x, str) for x in labels) and labels:
            params["labels"] = labels
    return params


def form_errors(schema: dict, data: object) -> list[dict]:
    """Every field error (not just the first): {field, code, params, label, message}."""
    if not isinstance(data, dict):
        return [{"field": "(form)", "code": "not_object", "params": {}, "label": "",
                 "message": "form data must be a JSON object"}]
    found = sorted(_validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    out = []
    for error in found:
        path = _path(error)
        out.append({"field": "/".join(str(p) for p in path) or "(form)",
                    "code": str(error.validator), "params": _params(error, schema, path),
                    "label": _label(schema, path), "message": error.message})
    return out


def validate_form(schema: dict, data: object) -> None:
    """Raise FormInvalid listing every field error if ``data`` fails the form."""
    errors = form_errors(schema, data)
    if errors:
        raise FormInvalid(errors)
