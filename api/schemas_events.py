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


class IdempotencyHeaders(Schema):
    """The optional ``Idempotency-Key`` header of POST /messages and /signals. Its form is
    checked by the service, whose refusal is said in the caller's language; the pattern is
    here for the OpenAPI document."""

    key = fields.String(data_key="Idempotency-Key", metadata={
        "description": "a key of your own for this request (1-200 letters, digits, '.', '_', "
                       "':', '-'): a repeat with the same key and body within 24 hours gets "
                       "the first answer (header Idempotent-Replayed: true) and delivers "
                       "nothing again; the same key with another body is a 422. A refused "
                       "call stores nothing: it may be retried with its key",
        "pattern": r"^[A-Za-z0-9._:-]{1,200}$", "minLength": 1, "maxLength": 200})


# The answer's header when it is the stored answer of an earlier call with the same key.
REPLAYED_HEADER = {"Idempotent-Replayed": {
    "description": "true: the stored answer of an earlier call with this Idempotency-Key; "
                   "nothing was delivered again",
    "schema": {"type": "string", "enum": ["true"]}}}
