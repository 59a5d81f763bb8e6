"""Schemas of the case look-up (masked summaries)."""
from __future__ import annotations

from marshmallow import fields, validate

from api.dict_dump import Schema
from api.fields import BoundedInt
from api.schemas_customers import MaskedCustomerOut


class LookupQuery(Schema):
    case_no = fields.String(validate=validate.Length(max=64))
    order_no = fields.String(validate=validate.Length(max=64))
    phone = fields.String(validate=validate.Length(max=40))


class CaseSummaryOut(Schema):
    instance_id = BoundedInt()
    case_no = fields.String(allow_none=True)
    process_key = fields.String()
    status = fields.String()
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    order_no = fields.Raw(allow_none=True)
    customer = fields.Nested(MaskedCustomerOut, allow_none=True)
    personal = fields.Dict(metadata={"description": "the case's personal variables, masked"})
    may_open = fields.Boolean(metadata={"description": "whether GET /instances/{id} answers "
                                        "this user in full"})


class LookupOut(Schema):
    items = fields.List(fields.Nested(CaseSummaryOut))
