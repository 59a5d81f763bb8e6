"""The declared schema of a process's variables, from its forms: a variable that a start form or
a user task's form declares is checked against that field's schema when an admin corrects it
(``PATCH /instances/{id}/variables``), so a correction cannot store what no form would accept.
The first declaration wins (start form, then user tasks in model order)."""
from __future__ import annotations

from typing import Any

from .errors import FormInvalid
from .forms import validate_form
from .parsing import ParsedDefinition
from .script_limits import MAX_RESULT_CHARS, ScriptLimitExceeded, check_result

_schemas: dict[int, tuple[ParsedDefinition, dict]] = {}  # id -> (definition, schema)


def declared_schema(definition: ParsedDefinition) -> dict:
    """One object schema with every declared field (none required); built once per definition
    so the form validator's cache keeps it."""
    entry = _schemas.get(id(definition))
    if entry is not None and entry[0] is definition:
        return entry[1]
    properties: dict[str, Any] = {}
    forms = [definition.start_form.schema or {}]
    forms += [info.form_schema for info in definition.user_tasks.values()]
    for form in forms:
        for name, field in (form.get("properties") or {}).items():
            properties.setdefault(name, field)
    schema = {"type": "object", "properties": properties}
    if len(_schemas) > 256:
        _schemas.clear()
    _schemas[id(definition)] = (definition, schema)
    return schema


def validate_variables(definition: ParsedDefinition, variables: dict) -> None:
    """Raise FormInvalid naming each variable whose value its form would refuse, or that
    ``check_storable`` refuses."""
    check_storable(variables)
    try:
        validate_form(declared_schema(definition), variables)
    except FormInvalid as exc:
        raise FormInvalid(exc.errors, subject="variables") from None


def check_storable(variables: dict, prefix: str = "") -> None:
    """Raise FormInvalid naming each variable (as ``prefix`` + name) whose name a script could
    not use (scripts see identifiers, and never ``_``-names), or that is larger than a script
    may leave in the data (``script_limits.MAX_RESULT_CHARS``), alone or all together: what
    comes from outside (a correction, a message's or signal's payload) may not store what no
    script could."""
    whole = prefix.rstrip(".") or "(form)"  # the field that holds them all
    unusable = [name for name in variables if not name.isidentifier() or name.startswith("_")]
    if unusable:
        # an empty name has no field of its own: the error is on the whole
        raise FormInvalid([{"field": prefix + name if name else whole,
                            "code": "variable_name", "params": {}, "label": name,
                            "message": f"{name!r} cannot be a variable's name"}
                           for name in unusable], subject="variables")
    too_large = []
    for name, value in variables.items():
        try:
            check_result(value)
        except ScriptLimitExceeded as exc:
            too_large.append({"field": prefix + name, "code": "too_large", "label": name,
                              "params": {"limit": MAX_RESULT_CHARS}, "message": str(exc)})
    if not too_large:
        try:
            check_result(variables)
        except ScriptLimitExceeded as exc:
            too_large.append({"field": whole, "code": "too_large", "label": whole,
                              "params": {"limit": MAX_RESULT_CHARS}, "message": str(exc)})
    if too_large:
        raise FormInvalid(too_large, subject="variables")
