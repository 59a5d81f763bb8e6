"""Schemas of the admin API for users and tokens: who may call, and taking it back. A token's
secret appears once, in the answer that creates it; no other schema has a field for it."""
from __future__ import annotations

from marshmallow import fields, validate

from api.dict_dump import Schema
from api.fields import BoundedInt

TOKEN_STATES = ("active", "expired", "revoked", "user_disabled")


class UserOut(Schema):
    username = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.String())
    groups = fields.List(fields.String())
    active = fields.Boolean(metadata={"description": "false: disabled, nothing of theirs works"})


class UserStateOut(Schema):
    username = fields.String()
    active = fields.Boolean()
    changed = fields.Boolean(metadata={"description": "false: it already was"})


class TokenQuery(Schema):
    username = fields.String(validate=validate.Length(min=1, max=64))


class TokenIn(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(load_default="", validate=validate.Length(max=100),
                         metadata={"description": "what it is for (a laptop, the IM bridge)"})
    expires_in = fields.String(load_default=None, validate=validate.Length(max=12),
                               metadata={"description": "30d, 12h, 90m or 2w; absent: until "
                                                        "revoked"})


class TokenOut(Schema):
    id = BoundedInt()
    username = fields.String()
    name = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True, metadata={
        "description": "when the token was last used, to within a few minutes; null: never"})
    state = fields.String(metadata={"description": " | ".join(TOKEN_STATES)})


class NewTokenOut(TokenOut):
    token = fields.String(metadata={"description": "the bearer token: shown this once"})
