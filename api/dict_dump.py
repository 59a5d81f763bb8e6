"""The API's output schemas dump the services' plain dicts without marshmallow's lookup detour.

marshmallow reads every field's value through ``Field.get_value`` → ``Schema.get_attribute`` →
``utils.get_value`` → ``_get_value_for_key`` (four calls and a ``hasattr`` per field): a page
of one task (35 fields) spent about 40 µs in ``dump``, most of it there, on each of the three
list calls of every case the benchmark runs. The services hand the API plain dicts, so when a
dict holds a field's key this reads it directly and calls the field's own ``_serialize``: the
formatting (dates, numbers, nested schemas) stays marshmallow's. Everything else takes
marshmallow's own path: a missing key (defaults, omission), dotted attributes, objects that
are not dicts, fields or schemas that override how values are read.
``tests/unit/test_dict_dump.py`` checks that both give the same output for every schema.
"""
from __future__ import annotations

from typing import Any

import marshmallow
from marshmallow import fields, missing

_Plan = tuple[tuple[str, fields.Field, "str | None", str], ...]


class Schema(marshmallow.Schema):
    """marshmallow's Schema, dumping dicts by direct key reads (loading is unchanged)."""

    _dict_plan: _Plan | None = None

    def _plan(self) -> _Plan:
        plan = []
        plain_schema = type(self).get_attribute is marshmallow.Schema.get_attribute
        for attr_name, field in self.dump_fields.items():
            key = field.attribute if field.attribute is not None else attr_name
            direct = (plain_schema and field._CHECK_ATTRIBUTE and "." not in key
                      and type(field).serialize is fields.Field.serialize
                      and type(field).get_value is fields.Field.get_value)
            out = field.data_key if field.data_key is not None else attr_name
            plan.append((attr_name, field, key if direct else None, out))
        self._dict_plan = tuple(plan)
        return self._dict_plan

    def _serialize(self, obj: Any, *, many: bool = False) -> Any:
        if many and obj is not None:
            return [self._serialize(item) for item in obj]
        if type(obj) is not dict:
            return super()._serialize(obj)
        ret = self.dict_class()
        for attr_name, field, key, out in self._dict_plan or self._plan():
            if key is not None and key in obj:
                ret[out] = field._serialize(obj[key], attr_name, obj)
            else:
                value = field.serialize(attr_name, obj, accessor=self.get_attribute)
                if value is not missing:
                    ret[out] = value
        return ret
