"""Whole numbers in URL paths (``/tasks/<int:task_id>``) bounded to the column they name.

Flask's ``int`` converter takes any number of digits; a 20-digit id then failed inside the
driver (a 500). Here ``int`` still matches any digits, so the route is found, but a number out
of its column's range (32 bits; ``<int(bits=64):row_id>`` for BIGINT ids) comes out as
``OutOfRange``, and the request is refused before any view runs: 422 naming the path
parameter. The OpenAPI document states the bound.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter, Map

from api import language
from api.errors import Unprocessable
from api.fields import signed_range


class OutOfRange(int):
    """A path number too big for its column (only ever refused, never looked up)."""


class BoundedIntConverter(IntegerConverter):
    """Flask's ``int`` converter, marking numbers past its column's signed range."""

    def __init__(self, url_map: Map, bits: int = 32, **kwargs: Any) -> None:
        super().__init__(url_map, **kwargs)
        self.maximum = signed_range(bits)[1]
        self.bits = bits

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return OutOfRange(number) if number > self.maximum else number


def param_schema(converter: BoundedIntConverter) -> dict[str, Any]:
    return {"type": "integer", "format": f"int{converter.bits}", "minimum": 0,
            "maximum": converter.maximum}


def refuse_out_of_range_path_ints() -> None:
    """Before every view: no path number is past its column's range."""
    too_big = [name for name, value in (request.view_args or {}).items()
               if isinstance(value, OutOfRange)]
    if too_big:
        raise Unprocessable(language.detail("path_range", names=", ".join(too_big)), [
            {"field": name, "message": language.detail("path_range_field"), "location": "path"}
            for name in too_big])


def bound_path_ints(app: Flask, api: Any) -> None:
    """Install the converter (before any route is added) and its OpenAPI schema; the check,
    ``refuse_out_of_range_path_ints``, runs with the request's first hook (``api.app``)."""
    app.url_map.converters["int"] = BoundedIntConverter
    api.register_converter(BoundedIntConverter, param_schema)
