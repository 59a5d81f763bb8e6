"""Schemas of the process groups admin API."""
from __future__ import annotations

from marshmallow import fields, validate

from api.dict_dump import Schema


class ProcessGroupIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"description": "letters, digits, '_', '-', '.' (e.g. cs)"})
    description = fields.String(load_default="", validate=validate.Length(max=500),
                                metadata={"description": "e.g. 客服流程"})


class ProcessGroupOut(Schema):
    name = fields.String()
    description = fields.String()
    created_at = fields.DateTime()
    designers = fields.List(fields.String(), metadata={"description": "usernames"})
    keys = fields.List(fields.String(), metadata={"description": "the process keys in it"})


class ProcessKeyIn(Schema):
    process_group = fields.String(required=True, validate=validate.Length(min=1, max=100))


class ProcessKeyOut(Schema):
    key = fields.String()
    process_group = fields.String()


class DeployableGroupOut(Schema):
    name = fields.String(metadata={"description": "send it as process_group when deploying"})
    description = fields.String(metadata={"description": "e.g. 客服流程"})
