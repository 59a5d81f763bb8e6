"""Schemas of the case search and the case page."""
from __future__ import annotations

from marshmallow import fields, validate

from api.dict_dump import Schema
from api.fields import BoundedInt
from api.schemas import InstanceDetailOut
from api.schemas_customers import MaskedCustomerOut
from api.schemas_lookup import CaseSummaryOut
from services.case_comments import MAX_TEXT as MAX_COMMENT


class CaseSearchQuery(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={
        "description": "a case number (or its start), business key, order number, customer "
                       "name (or part of it), phone or customer code"})


class FoundCaseOut(CaseSummaryOut):
    process_name = fields.String()
    business_key = fields.String(allow_none=True)
    waiting_reason = fields.String(allow_none=True)
    subject = fields.Raw(allow_none=True)


class CaseSearchOut(Schema):
    cases = fields.List(fields.Nested(FoundCaseOut), metadata={
        "description": "cases the user may open, newest first (phones masked in the list)"})
    masked = fields.List(fields.Nested(FoundCaseOut), metadata={
        "description": "exact matches (case number, order number, phone) the user does not "
                       "work on: masked summaries, the look-up audited"})


class FieldOut(Schema):
    name = fields.String()
    label = fields.String()
    value = fields.Raw(allow_none=True)
    shown = fields.String(metadata={"description": "the choice's label, if the value is one"})
    form = fields.String()


class CaseClockOut(Schema):
    id = BoundedInt()
    kind = fields.String()
    status = fields.String()
    sla_state = fields.String()
    due_at = fields.DateTime(allow_none=True)
    escalation_level = BoundedInt()
    task_id = BoundedInt(allow_none=True)
    task_name = fields.String(allow_none=True)
    policy = fields.String()


class DoneTaskOut(Schema):
    id = BoundedInt()
    bpmn_id = fields.String()
    name = fields.String()
    state = fields.String()
    completed_by = fields.String(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)


class RelatedCaseOut(Schema):
    id = BoundedInt()
    case_no = fields.String(allow_none=True)
    process_key = fields.String()
    process_name = fields.String()
    status = fields.String()
    started_at = fields.DateTime()


class FullCustomerOut(MaskedCustomerOut):
    im_id = fields.String(allow_none=True)
    dedicated_agent = fields.String(allow_none=True)


class CasePageOut(InstanceDetailOut):
    process_name = fields.String()
    definition_version = BoundedInt()
    waiting_reason = fields.String(allow_none=True)
    fields_ = fields.List(fields.Nested(FieldOut), data_key="fields", attribute="fields")
    other_fields = fields.List(fields.Nested(FieldOut))
    customer = fields.Nested(FullCustomerOut, allow_none=True)
    sla_clocks = fields.List(fields.Nested(CaseClockOut))
    done_tasks = fields.List(fields.Nested(DoneTaskOut))
    related = fields.List(fields.Nested(RelatedCaseOut))


class CommentIn(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=MAX_COMMENT), metadata={
        "description": "the comment; `@username` mentions an active colleague, who is notified"})
    task_id = BoundedInt(load_default=None, allow_none=True, metadata={
        "description": "the case's task the comment is about, if any"})


class CommentOut(Schema):
    id = BoundedInt(bits=64, metadata={"description": "its audit trail entry"})
    at = fields.DateTime()
    actor = fields.String()
    instance_id = BoundedInt()
    task_id = BoundedInt(allow_none=True)
    text = fields.String()
    mentions = fields.List(fields.String(), metadata={
        "description": "the active users it mentions (never the author), who are notified"})
