"""Schemas of the admin API (calendars, SLA policies, armed timers and clocks, incidents) and
of waiting.

Calendar and policy bodies are validated by the engine (``engine.calendars``, ``engine.sla``),
which reports every bad field at once; marshmallow only takes ``apply_to`` off the top.
"""
from __future__ import annotations


from marshmallow import INCLUDE, fields, validate
from webargs.fields import DelimitedList

from api.dict_dump import Schema
from api.fields import BoundedInt, Instant
from api.schemas import SLA_STATES, IncidentOut, KeysetPageFields, KeysetPageQuery, PageQuery

APPLY_TO = fields.String(load_default="new", validate=validate.OneOf(("new", "running")),
                         metadata={"description": "new: armed clocks keep their due times; "
                                   "running: recompute them from their elapsed business time"})


class ConfigIn(Schema):
    class Meta:
        unknown = INCLUDE

    apply_to = APPLY_TO


class CalendarOut(Schema):
    id = BoundedInt()
    name = fields.String()
    config = fields.Dict()
    version = BoundedInt()
    updated_at = fields.DateTime()
    updated_by = fields.String()
    clocks_recomputed = BoundedInt()


class PolicyOut(CalendarOut):
    process_key = fields.String()
    enabled = fields.Boolean()
    target_name = fields.String(allow_none=True, metadata={
        "description": "the targeted task's name in the process's latest version"})
    shown = fields.Dict(metadata={"description": "the durations as people say them, by "
                                  "language: {zh: {duration, warning_before, escalations}, en}"})


class PolicyPreviewIn(Schema):
    """The change to preview: some fields (as in a PATCH), or a whole policy with ``whole``."""

    class Meta:
        unknown = INCLUDE

    whole = fields.Boolean(load_default=False)


class RetimedTaskOut(Schema):
    clock_id = BoundedInt()
    kind = fields.String()
    instance_id = BoundedInt()
    case_no = fields.String(allow_none=True)
    task_id = BoundedInt(allow_none=True)
    task_name = fields.String(allow_none=True)
    sla_state_before = fields.String()
    sla_state = fields.String()
    due_at_before = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)


class WhatIfOut(Schema):
    """What a change applied to running clocks would do (nothing is written)."""

    clocks_changed = BoundedInt()
    clocks_moved = BoundedInt()
    earlier = BoundedInt()
    later = BoundedInt()
    largest_earlier_seconds = BoundedInt()
    largest_later_seconds = BoundedInt()
    at_risk = BoundedInt()
    breached = BoundedInt()
    tasks = fields.List(fields.Nested(RetimedTaskOut),
                        metadata={"description": "open work that would be at risk or "
                                  "breached at once, soonest due first"})


class PreviewQuery(Schema):
    start = Instant(data_key="from", metadata={"description": "default: now"})
    count = BoundedInt(load_default=10, validate=validate.Range(min=1, max=100))
    add = fields.String(validate=validate.Length(min=1, max=60), metadata={
        "description": "a business duration as people say it (10 小时, 2 个工作日, 30 minutes) "
                       "or ISO 8601 (PT10H); at most 3660 days"})


class WindowOut(Schema):
    start = fields.DateTime()
    end = fields.DateTime()


class PreviewOut(Schema):
    start = fields.DateTime(data_key="from")
    windows = fields.List(fields.Nested(WindowOut))
    add = fields.String(allow_none=True)
    result = fields.DateTime(allow_none=True, metadata={"description": "from + add"})


class PolicyQuery(Schema):
    process_key = fields.String()


class DueWorkQuery(PageQuery):
    kind = fields.String(validate=validate.OneOf(("timer", "start", "sla", "throw", "deliver")))
    state = fields.String(load_default="pending",
                          validate=validate.OneOf(("pending", "done", "failed", "cancelled")))
    instance_id = BoundedInt()
    due_before = Instant()
    due_after = Instant()


class DueWorkOut(Schema):
    id = BoundedInt(bits=64)
    kind = fields.String()
    instance_id = BoundedInt(allow_none=True)
    definition_id = BoundedInt(allow_none=True)
    ref = fields.String()
    label = fields.String()
    due_at = fields.DateTime()
    state = fields.String()
    attempts = BoundedInt()
    last_error = fields.String(allow_none=True)
    payload = fields.Dict()
    fired_at = fields.DateTime(allow_none=True)
    fired_by = fields.String(allow_none=True)


class DueWorkPageOut(Schema):
    items = fields.List(fields.Nested(DueWorkOut))
    total = BoundedInt()


class ClockQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(("running", "paused", "stopped")))
    sla_state = DelimitedList(
        fields.String(validate=validate.OneOf(SLA_STATES)),
        metadata={"description": "one state, or several separated by commas"})
    instance_id = BoundedInt()
    task_id = BoundedInt()
    policy = fields.String()


class ClockOut(Schema):
    id = BoundedInt()
    policy = fields.String()
    instance_id = BoundedInt()
    task_id = BoundedInt(allow_none=True)
    kind = fields.String()
    status = fields.String()
    sla_state = fields.String()
    due_at = fields.DateTime(allow_none=True)
    escalation_level = BoundedInt()
    clock = fields.Dict()
    task_name = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    case_no = fields.String(allow_none=True)


class ClockPageOut(Schema):
    items = fields.List(fields.Nested(ClockOut))
    total = BoundedInt()


class DueIn(Schema):
    due_at = Instant(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class WaitingIn(Schema):
    reason = fields.String(required=True, allow_none=True, validate=validate.Length(max=50),
                           metadata={"description": "e.g. waiting_customer, waiting_third_party;"
                                     " null when no longer waiting (resume)"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500),
                         metadata={"description": "why, in the agent's words (optional; "
                                   "cleared on resume)"})


class IncidentQuery(KeysetPageQuery):
    state = fields.String(load_default="open",
                          validate=validate.OneOf(("open", "resolved", "all")))
    process_key = fields.String()
    instance_id = BoundedInt()


class AdminIncidentOut(IncidentOut):
    instance_id = BoundedInt()
    case_no = fields.String(allow_none=True)
    process_key = fields.String()
    business_key = fields.String(allow_none=True)
    instance_status = fields.String()


class IncidentPageOut(KeysetPageFields):
    items = fields.List(fields.Nested(AdminIncidentOut))


class GroupOut(Schema):
    name = fields.String(metadata={"description": "what models and tasks refer to (a lane)"})
    display_name = fields.String(allow_none=True,
                                 metadata={"description": "what people read, e.g. 前台客服"})


class GroupIn(Schema):
    display_name = fields.String(required=True, allow_none=True,
                                 validate=validate.Length(max=100),
                                 metadata={"description": "empty or null: show the name"})
