"""Schemas of operating one running instance: suspend/resume, its variables, modification."""
from __future__ import annotations

from marshmallow import fields, validate

from api.dict_dump import Schema
from api.fields import BoundedInt


def reason_field() -> fields.String:
    """The required reason of an operator's change (kept in the audit trail)."""
    return fields.String(required=True, validate=validate.Length(min=1, max=1000),
                         metadata={"description": "why (kept in the audit trail)"})


class ReasonIn(Schema):
    reason = reason_field()


class VariablesOut(Schema):
    instance_id = BoundedInt()
    status = fields.String()
    variables = fields.Dict(keys=fields.String())


class OperationIn(Schema):
    cancel = fields.String(metadata={"description": "an active element to cancel"})
    start_before = fields.String(metadata={"description": "start a token before this element"})
    start_after = fields.String(metadata={"description": "start a token after this element"})


class ModifyIn(Schema):
    operations = fields.List(fields.Nested(OperationIn), required=True,
                             validate=validate.Length(min=1, max=20))
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    reason = reason_field()


class ModifiableElementOut(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()


class ModificationOptionsOut(Schema):
    instance_id = BoundedInt()
    active = fields.List(fields.Nested(ModifiableElementOut))
    targets = fields.List(fields.Nested(ModifiableElementOut))
