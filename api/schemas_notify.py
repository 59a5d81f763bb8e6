"""Schemas of the notification templates admin API: the three Jinja2 sources of a message."""
from __future__ import annotations

from marshmallow import fields, validate

from api.dict_dump import Schema

from services.notify.templates import MAX_SOURCE_CHARS


class _Sources(Schema):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=MAX_SOURCE_CHARS),
                            metadata={"description": "mail subject, card title (Jinja2)"})
    text = fields.String(required=True, validate=validate.Length(min=1, max=MAX_SOURCE_CHARS),
                         metadata={"description": "plain text: the mail's text part (Jinja2)"})
    markdown = fields.String(required=True,
                             validate=validate.Length(min=1, max=MAX_SOURCE_CHARS),
                             metadata={"description": "WeCom, DingTalk and Feishu (Jinja2)"})


class NotificationTemplateIn(_Sources):
    pass


class NotificationTemplateOut(_Sources):
    kind = fields.String()
    lang = fields.String()
    overridden = fields.Boolean(metadata={"description": "false: the default in code"})
    default = fields.Nested(_Sources, metadata={"description": "the default in code"})
    updated_at = fields.DateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)
