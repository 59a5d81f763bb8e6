"""Schemas of delegating and resolving a task, and of the bulk actions over many tasks."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from api.dict_dump import Schema
from api.fields import BoundedInt
from api.schemas import TaskQuery
from services.task_bulk import ACTIONS, MAX_ITEMS
from services.task_delegation import NOTE_MAX


class DelegateIn(Schema):
    to = fields.String(required=True, validate=validate.Length(min=1, max=64),
                       metadata={"description": "the delegate's username"})
    note = fields.String(allow_none=True, validate=validate.Length(max=NOTE_MAX),
                         metadata={"description": "what the delegate should do"})


class ResolveIn(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "the form filled in so far: saved as the task's draft, not completed"})


class BulkIn(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS), metadata={
        "description": "claim | assign (needs `to`) | unassign | move_group (needs `group`; "
                       "supervisors) | cancel (the task's instance; admins) | retry (the task's "
                       "instance's incident; admins)"})
    ids = fields.List(BoundedInt(), validate=validate.Length(min=1, max=MAX_ITEMS),
                      metadata={"description": f"the tasks, at most {MAX_ITEMS}"})
    filter = fields.Nested(TaskQuery(exclude=("page", "per_page", "sort")), metadata={
        "description": "instead of ids: the filters of GET /tasks; more than "
                       f"{MAX_ITEMS} matches is a 422"})
    to = fields.String(validate=validate.Length(min=1, max=64))
    group = fields.String(validate=validate.Length(min=1, max=100))
    reason = fields.String(load_default="", validate=validate.Length(max=1000))

    @validates_schema
    def _ids_or_filter(self, data: dict, **_: object) -> None:
        if ("ids" in data) == ("filter" in data):
            raise ValidationError("give either ids or filter", "ids")


class BulkItemOut(Schema):
    id = BoundedInt()
    ok = fields.Boolean()
    status = BoundedInt(allow_none=True, metadata={
        "description": "the status the single action would have answered (null when ok)"})
    code = fields.String(allow_none=True, metadata={"description": "the refusal's code"})
    message = fields.String(allow_none=True, metadata={
        "description": "the refusal in the request's language"})


class BulkOut(Schema):
    action = fields.String()
    total = BoundedInt()
    succeeded = BoundedInt()
    failed = BoundedInt()
    items = fields.List(fields.Nested(BulkItemOut))
