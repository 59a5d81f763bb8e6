"""Schemas of notifications: subscriptions (a user's own, a group's), the in-app inbox and the
outbox as admins see it. Subscription bodies are checked by ``services.notify.subscriptions``
(every bad field named at once, in the user's language); marshmallow only takes the shape."""
from __future__ import annotations

from marshmallow import fields, validate

from api.dict_dump import Schema
from api.fields import BoundedInt
from api.schemas import PageQuery
from services.notify.events import CHANNELS, KINDS
from services.notify.template_texts import LANGUAGES

STATES = ("pending", "held", "sending", "sent", "failed", "dead")
# The documented values (checked by the service, which names every bad field at once).
CHANNEL = {"enum": list(CHANNELS)}
EVENT = {"enum": list(KINDS)}
LANG = {"enum": list(LANGUAGES)}


class SubscriptionIn(Schema):
    channel = fields.String(required=True, metadata={**CHANNEL,
                                                     "description": "email, webhook or in_app"})
    target = fields.Dict(load_default=dict, metadata={
        "description": "email: {address}; webhook: {url (may hold {{secret:NAME}}), format "
                       "(generic, wecom, dingtalk, feishu), secret (the name of an admin secret "
                       "that signs it)}"})
    events = fields.List(fields.String(metadata=EVENT), required=True, metadata={
        "description": "assigned_to_me, group_queue, sla_warning, sla_breach, escalation, "
                       "incident, mentioned"})
    calendar = fields.String(load_default=None, allow_none=True, metadata={
        "description": "quiet hours: held outside this business calendar's open time, then "
                       "sent as one digest"})
    lang = fields.String(load_default="zh", metadata=LANG)
    active = fields.Boolean(load_default=True)


class SubscriptionPatch(Schema):
    channel = fields.String(metadata=CHANNEL)
    target = fields.Dict()
    events = fields.List(fields.String(metadata=EVENT))
    calendar = fields.String(allow_none=True)
    lang = fields.String(metadata=LANG)
    active = fields.Boolean()


class GroupSubscriptionIn(SubscriptionIn):
    group = fields.String(required=True, validate=validate.Length(min=1, max=100))


class SubscriptionOut(Schema):
    id = BoundedInt()
    owner_kind = fields.String()
    owner = fields.String()
    channel = fields.String()
    target = fields.Dict()
    events = fields.List(fields.String())
    calendar = fields.String(allow_none=True)
    lang = fields.String()
    active = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class GroupSubscriptionQuery(Schema):
    group = fields.String(load_default=None)


class NotificationOut(Schema):
    id = BoundedInt()
    created_at = fields.DateTime()
    kind = fields.String()
    recipient = fields.String()
    subject = fields.String()
    body = fields.Dict()
    instance_id = BoundedInt(allow_none=True)
    task_id = BoundedInt(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    channel = fields.String()
    state = fields.String()
    attempts = BoundedInt()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    urgent = fields.Boolean()
    read_at = fields.DateTime(allow_none=True)


class NotificationPageOut(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    total = BoundedInt()


class InboxOut(NotificationPageOut):
    unread = BoundedInt()


class InboxQuery(PageQuery):
    unread = fields.Boolean(load_default=False)
    per_page = BoundedInt(load_default=20, validate=validate.Range(min=1, max=200))


class OutboxQuery(PageQuery):
    state = fields.String(load_default=None, validate=validate.OneOf(STATES))


class ReadOut(Schema):
    marked = BoundedInt()
