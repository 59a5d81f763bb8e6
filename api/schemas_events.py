"""Schemas of messages and signals sent from outside (the OpenAPI comes from them)."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from api.dict_dump import Schema
from api.fields import BoundedInt

NAME = validate.Length(min=1, max=200)


class MessageIn(Schema):
    name = fields.String(required=True, validate=NAME,
                         metadata={"description": "the message's name in the model"})
    correlation = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=100)),
                              values=fields.Raw(), metadata={
                                  "description": "values of the message's correlation "
                                                 "properties, e.g. {\"order_no\": \"TB123\"}"})
    business_key = fields.String(validate=validate.Length(min=1, max=200))
    instance_id = BoundedInt(validate=validate.Range(min=1))
    variables = fields.Dict(keys=fields.String(), load_default=dict,
                            metadata={"description": "land in the catching task's data"})
    all = fields.Boolean(load_default=False, metadata={
        "description": "deliver to every matching instance instead of refusing several"})

    @validates_schema
    def _values_are_plain(self, data: dict, **_: object) -> None:
        for key, value in (data.get("correlation") or {}).items():
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise ValidationError("must be a string or an integer",
                                      field_name=f"correlation.{key}")


class SignalIn(Schema):
    name = fields.String(required=True, validate=NAME,
                         metadata={"description": "the signal's name in the model"})
    variables = fields.Dict(keys=fields.String(), load_default=dict)


class ReachedOut(Schema):
    instance_id = BoundedInt()
    business_key = fields.String(allow_none=True)
    process_key = fields.String()
    status = fields.String()
    started = fields.Boolean(metadata={"description": "a start event started it"})
    queued = fields.Boolean(metadata={
        "description": "the instance is suspended: delivered after its resume"})


class MissedOut(Schema):
    instance_id = BoundedInt()
    business_key = fields.String(allow_none=True)
    process_key = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "error, completed, cancelled …"})


class MessageOut(Schema):
    name = fields.String()
    reached = fields.List(fields.Nested(ReachedOut))
    missed = fields.List(fields.Nested(MissedOut), metadata={
        "description": "with all=true: waiting instances that could not take it (in error, "
                       "ended); audited on each as message.missed"})


class SignalOut(Schema):
    name = fields.String()
    count = BoundedInt(metadata={"description": "instances and processes it reaches"})
    reached = fields.List(fields.Nested(ReachedOut), metadata={
        "description": "those reached within this request"})
    queued = BoundedInt(metadata={
        "description": "those the due runner reaches within moments (a large broadcast)"})
    missed = fields.List(fields.Nested(MissedOut), metadata={
        "description": "waiting instances that could not take it (in error, ended): the "
                       "others were reached all the same; audited on each as signal.missed"})
