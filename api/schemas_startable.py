"""What GET /api/v1/startable answers."""
from __future__ import annotations

from marshmallow import fields

from api.dict_dump import Schema
from api.fields import BoundedInt


class StartableOut(Schema):
    process_key = fields.String()
    version = BoundedInt()
    name = fields.String(metadata={"description": "the process's display name"})
    start_form = fields.Dict(allow_none=True, metadata={
        "description": "the JSON schema to fill (POST /api/v1/instances variables); null: none"})
    customer = fields.String(allow_none=True, metadata={
        "description": "required | optional: whether a case of it names a customer; null: no "
                       "customer"})
