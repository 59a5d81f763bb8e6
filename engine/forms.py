"""Validate submitted form data against a user task's JSON schema, field by field."""
from __future__ import annotations

import threading

from jsonschema import Draft202012Validator

from .errors import FormInvalid

_validators: dict[int, tuple[dict, Draft202012Validator]] = {}
_lock = threading.Lock()


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


def _field(error: object) -> str:
    path = list(getattr(error, "absolute_path", []))
    if getattr(error, "validator", None) == "required":
        missing = str(error.message).split("'")  # type: ignore[attr-defined]
        name = missing[1] if len(missing) > 1 else ""
        path.append(name)
    return "/".join(str(p) for p in path) or "(form)"


def validate_form(schema: dict, data: object) -> None:
    """Raise FormInvalid listing every field error (not just the first) if ``data`` fails."""
    if not isinstance(data, dict):
        raise FormInvalid([{"field": "(form)", "message": "form data must be a JSON object"}])
    errors = sorted(_validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise FormInvalid([{"field": _field(e), "message": e.message} for e in errors])
