"""Form errors name each field that fails, with its code, parameters and title."""
from __future__ import annotations

import pytest

from engine.errors import FormInvalid
from engine.forms import validate_form

SCHEMA = {"type": "object", "required": ["topics", "satisfaction", "stage"],
          "properties": {"topics": {"type": "string", "title": "沟通主题"},
                         "satisfaction": {"type": "integer", "title": "满意度", "minimum": 1},
                         "stage": {"type": "string", "title": "客户阶段"}}}


def test_every_missing_required_field_is_its_own_error() -> None:
    with pytest.raises(FormInvalid) as caught:
        validate_form(SCHEMA, {})
    errors = caught.value.errors
    assert sorted(e["field"] for e in errors) == ["satisfaction", "stage", "topics"]
    assert {e["code"] for e in errors} == {"required"}


def test_a_limit_carries_its_parameter() -> None:
    with pytest.raises(FormInvalid) as caught:
        validate_form(SCHEMA, {"topics": "x", "satisfaction": 0, "stage": "y"})
    [error] = caught.value.errors
    assert error["field"] == "satisfaction" and error["code"] == "minimum"
    assert error["params"]["limit"] == 1
