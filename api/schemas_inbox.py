"""Schemas of the inbox's own calls: the views' counts, handing a task on (who to, escalate)."""
from __future__ import annotations

from marshmallow import fields, validate

from api.dict_dump import Schema


class ViewCountsQuery(Schema):
    process_key = fields.String(validate=validate.Length(max=200))
    tz = fields.String(metadata={"description": "IANA zone for due_today (default: the "
                                 "server's FLOWDESK_TIMEZONE)"})


class ViewCountsOut(Schema):
    mine = fields.Integer(metadata={"description": "open tasks assigned to me"})
    unassigned = fields.Integer(metadata={"description": "unclaimed tasks of my groups "
                                          "(supervisors and admins: all)"})
    overdue = fields.Integer()
    due_today = fields.Integer()
    delegated = fields.Integer(metadata={"description": "tasks I delegated that are still "
                                         "with the delegate"})
    capped = fields.List(fields.String(), metadata={
        "description": "views with more open tasks than the cap (10,000): their count is the "
                       "cap, shown as \"10000+\""})
    landing = fields.String(metadata={"description": "the first view with work: mine, "
                                      "unassigned, overdue, due_today, delegated (mine if "
                                      "none)"})


class EscalateIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "why the supervisors should look at it"})


class AssigneeOut(Schema):
    username = fields.String()
    display_name = fields.String()
