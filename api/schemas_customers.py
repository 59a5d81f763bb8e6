"""Schemas of the customer records API."""
from __future__ import annotations

from datetime import date

from marshmallow import fields, validate

from api.dict_dump import Schema
from api.fields import BoundedInt, Instant
from api.schemas import PageQuery

TIERS = ("普通", "银卡", "金卡", "钻石", "VIP")


class CustomerIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"description": "the shop's own customer id or buyer id"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    tier = fields.String(validate=validate.OneOf(TIERS), metadata={"description": "/".join(TIERS)})
    abc_class = fields.String(allow_none=True, validate=validate.OneOf(("A", "B", "C")))
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    email = fields.Email(allow_none=True)
    im_id = fields.String(allow_none=True, validate=validate.Length(max=100),
                          metadata={"description": "旺旺 / WeChat id"})
    # a person's: years the store and the birthday greetings can use (0001 and 9999 went in)
    birthday = fields.Date(allow_none=True,
                           validate=validate.Range(min=date(1900, 1, 1), max=date(2099, 12, 31)))
    dedicated_agent = fields.String(allow_none=True, validate=validate.Length(max=64),
                                    metadata={"description": "gets this customer's Agent tasks"})
    notes = fields.String(validate=validate.Length(max=5000))


class CustomerPatch(CustomerIn):
    code = fields.String(validate=validate.Length(min=1, max=64))
    name = fields.String(validate=validate.Length(min=1, max=200))


class PurchaseIn(Schema):
    order_no = fields.String(required=True, validate=validate.Length(min=1, max=64))
    # The column is NUMERIC(12, 2): below ten billion.
    amount = fields.Float(required=True, validate=validate.Range(min=0, max=9_999_999_999.99))
    purchased_at = Instant(required=True)
    items = fields.List(fields.Dict(), load_default=list)


class PurchaseOut(PurchaseIn):
    id = BoundedInt()


class CaseRefOut(Schema):
    id = BoundedInt()
    case_no = fields.String(allow_none=True)
    process_key = fields.String()
    status = fields.String()
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    related_case_no = fields.String(allow_none=True)


class CustomerOut(CustomerIn):
    id = BoundedInt()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CustomerDetailOut(CustomerOut):
    purchases = fields.List(fields.Nested(PurchaseOut))
    cases = fields.List(fields.Nested(CaseRefOut), metadata={"description": "service history"})


class CustomerQuery(PageQuery):
    q = fields.String(metadata={"description": "part of the name, code, phone or 旺旺/WeChat id"})
    tier = fields.String(validate=validate.OneOf(TIERS))
    abc_class = fields.String(validate=validate.OneOf(("A", "B", "C")))


class MaskedCustomerOut(Schema):
    id = BoundedInt()
    code = fields.String()
    name = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    abc_class = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    masked = fields.Boolean(metadata={"description": "personal data masked: the full record "
                                      "is GET /customers/{id}"})


class CustomerPageOut(Schema):
    items = fields.List(fields.Nested(MaskedCustomerOut))
    total = BoundedInt()
