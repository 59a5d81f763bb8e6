"""api.dict_dump reads dict keys directly: for every schema of the API, each way a value can
be given (present, None, missing, nested, a list, an object instead of a dict) dumps exactly
as marshmallow's own path does."""
from __future__ import annotations

import datetime as dt
import decimal
import importlib
import pkgutil
from types import SimpleNamespace
from typing import Any

import marshmallow
import pytest
from marshmallow import fields

import api
from api.dict_dump import Schema

AT = dt.datetime(2026, 12, 7, 8, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _all_schemas() -> list[type[Schema]]:
    for info in pkgutil.walk_packages(api.__path__, "api."):
        importlib.import_module(info.name)
    found, todo = set(), [Schema]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


SCHEMAS = _all_schemas()


def _value(field: fields.Field, variant: int, depth: int) -> Any:
    if variant == 1 and field.allow_none:
        return None
    if isinstance(field, fields.Nested):
        nested = field.schema
        one = _sample(nested, variant, depth + 1)
        return [one, _sample(nested, 2, depth + 1)] if field.many else one
    if isinstance(field, fields.List):
        return [_value(field.inner, variant, depth + 1), _value(field.inner, 0, depth + 1)]
    if isinstance(field, fields.Tuple):
        return tuple(_value(f, variant, depth + 1) for f in field.tuple_fields)
    if isinstance(field, (fields.AwareDateTime, fields.NaiveDateTime, fields.DateTime)):
        return AT if variant != 2 else AT.replace(tzinfo=None)
    if isinstance(field, fields.Date):
        return AT.date()
    if isinstance(field, fields.Boolean):
        return variant % 2 == 0
    if isinstance(field, fields.Decimal):
        return decimal.Decimal("12.50")
    if isinstance(field, fields.Float):
        return 1.5
    if isinstance(field, fields.Integer):
        return 7 + variant
    if isinstance(field, (fields.Dict, fields.Mapping)):
        return {"a": 1, "b": [1, "x"], "c": None}
    if isinstance(field, fields.String):
        return ["text", "中文", ""][variant % 3]
    return {"any": variant}


def _sample(schema: marshmallow.Schema, variant: int, depth: int = 0) -> dict:
    if depth > 3:
        return {}
    out = {}
    for i, (name, field) in enumerate(schema.dump_fields.items()):
        if variant == 3 and i % 3 == 0:
            continue  # missing keys: omitted, or dump_default
        key = field.attribute or name
        out[key] = _value(field, variant, depth)
    out["not_a_field"] = "ignored"
    return out


def _outcome(dump: Any, obj: Any, **kwargs: Any) -> Any:
    """The dump, or the error's type (marshmallow reads a missing key ``items`` of a dict as
    the dict's method, and fails on it: both paths must then fail alike)."""
    try:
        return dump(obj, **kwargs)
    except Exception as exc:  # noqa: BLE001 - compared, not handled
        return type(exc)


def _marshmallow_dump(schema: marshmallow.Schema, obj: Any, monkeypatch, **kwargs: Any) -> Any:
    with monkeypatch.context() as patched:
        patched.setattr(Schema, "_serialize", marshmallow.Schema._serialize)
        return _outcome(schema.dump, obj, **kwargs)


@pytest.mark.parametrize("cls", SCHEMAS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_schema_dumps_as_marshmallow_does(cls, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    schema = cls()
    for variant in range(4):
        obj = _sample(schema, variant)
        expected = _marshmallow_dump(schema, obj, monkeypatch)
        assert _outcome(schema.dump, obj) == expected, variant
        assert _outcome(schema.dump, [obj, obj], many=True) == \
            _marshmallow_dump(schema, [obj, obj], monkeypatch, many=True)
        as_object = SimpleNamespace(**obj)  # not a dict: marshmallow's own path
        assert _outcome(schema.dump, as_object) == \
            _marshmallow_dump(schema, as_object, monkeypatch)


def test_the_direct_reads_are_used_and_are_the_fast_part() -> None:
    """Guards the point of the module: a task page's fields are read straight from the dict
    (a plan entry with a key), not through marshmallow's accessor."""
    from api.schemas import TaskOut
    schema = TaskOut()
    schema.dump({"id": 1})
    direct = [key for _, _, key, _ in schema._dict_plan]
    assert None not in direct and len(direct) == len(schema.dump_fields)


def test_a_field_that_reads_its_own_value_keeps_marshmallows_path(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    class Upper(fields.String):
        def get_value(self, obj, attr, accessor=None, default=marshmallow.missing):  # type: ignore[no-untyped-def]
            return str(obj.get(attr, "")).upper()

    class Out(Schema):
        name = Upper()
        dotted = fields.String(attribute="inner.value")
        method = fields.Method("shout")

        def shout(self, obj: dict) -> str:
            return obj["name"] + "!"

    obj = {"name": "li", "inner": {"value": "deep"}}
    assert Out().dump(obj) == {"name": "LI", "dotted": "deep", "method": "li!"}
    assert [key for _, _, key, _ in Out()._plan()] == [None, None, None]
