"""What a person calls a case's variables: the titles its forms give them.

A case page shows ``投诉渠道: 投诉热线``, not ``channel = complaint_hotline``. The forms of the
definition are the one place that names fields and their choices (``oneOf`` of ``const`` and
``title``, or ``enum`` with ``enumNames``), so the labels are read from them; the first form
that titles a field wins, in the order of the definition's files.
"""
from __future__ import annotations

from typing import Any


def _choices(prop: dict) -> dict[str, str]:
    options = prop.get("oneOf") or prop.get("anyOf") or []
    found = {str(o["const"]): str(o["title"]) for o in options
             if isinstance(o, dict) and "const" in o and isinstance(o.get("title"), str)}
    names = prop.get("enumNames")
    if isinstance(prop.get("enum"), list) and isinstance(names, list):
        found.update({str(v): str(n) for v, n in zip(prop["enum"], names)})
    items = prop.get("items")
    if isinstance(items, dict):  # a multiple choice: its items name the choices
        found.update(_choices(items))
    return found


def field_labels(forms: dict[str, dict]) -> dict[str, dict[str, Any]]:
    """``{variable: {"title": ..., "choices": {value: label}, "form": form title}}`` from the
    top-level properties of every form."""
    labels: dict[str, dict[str, Any]] = {}
    for schema in forms.values():
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(properties, dict):
            continue
        for name, prop in properties.items():
            if name in labels or not isinstance(prop, dict) or not prop.get("title"):
                continue
            labels[name] = {"title": str(prop["title"]), "choices": _choices(prop),
                            "form": str(schema.get("title") or "")}
    return labels


def labelled(variables: dict[str, Any], labels: dict[str, dict[str, Any]]
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The variables as (labelled fields in form order, the rest by name). A choice's value
    gets its label as ``shown``; the rest keep ``shown`` empty and the page formats ``value``."""
    fields, others = [], []
    for name, meta in labels.items():
        if name in variables:
            value = variables[name]
            shown = (", ".join(meta["choices"].get(str(v), str(v)) for v in value)
                     if isinstance(value, list) and meta["choices"]
                     else meta["choices"].get(str(value), "") if meta["choices"] else "")
            fields.append({"name": name, "label": meta["title"], "value": value,
                           "shown": shown, "form": meta["form"]})
    for name in sorted(variables):
        if name not in labels and not name.startswith("_"):
            others.append({"name": name, "label": name, "value": variables[name], "shown": "",
                           "form": ""})
    return fields, others
