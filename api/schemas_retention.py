"""Schemas of the retention admin API: a rule per process, and an archived case."""
from __future__ import annotations

from marshmallow import fields, validate

from api.dict_dump import Schema

from services.retention import MAX_DAYS, MODES


class RetentionRuleIn(Schema):
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_DAYS),
                          metadata={"description": "finished cases ended more than this many "
                                                   "days ago go"})
    mode = fields.String(required=True, validate=validate.OneOf(MODES),
                         metadata={"description": "delete, or archive (kept as JSON in the "
                                                  "archive table)"})


class RetentionRuleOut(RetentionRuleIn):
    process_key = fields.String()
    updated_at = fields.DateTime()
    updated_by = fields.String()


class ArchivedCaseOut(Schema):
    id = fields.Integer()
    process_key = fields.String()
    case_no = fields.String(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    archived_at = fields.DateTime()
    payload = fields.Dict(metadata={"description": "instance, tasks, incidents, sla_clocks, "
                                                   "audit: the rows as they were"})
