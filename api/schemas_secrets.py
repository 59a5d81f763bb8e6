"""Schemas of the secrets admin API: a value goes in, and no schema has a field to bring one
out (``SecretOut`` lists what a secret is called and who changed it when)."""
from __future__ import annotations

from marshmallow import fields, validate

from api.dict_dump import Schema

from services.secrets import MAX_DESCRIPTION_CHARS, MAX_VALUE_CHARS


class SecretIn(Schema):
    value = fields.String(required=True, load_only=True,
                          validate=validate.Length(min=1, max=MAX_VALUE_CHARS),
                          metadata={"description": "the secret; stored encrypted, never shown"})
    description = fields.String(load_default="",
                                validate=validate.Length(max=MAX_DESCRIPTION_CHARS))


class SecretOut(Schema):
    name = fields.String(metadata={"description": "what models write: {{secret:NAME}}"})
    description = fields.String()
    created_at = fields.DateTime()
    created_by = fields.String()
    updated_at = fields.DateTime()
    updated_by = fields.String()
