"""Schemas of /api/v1/migrations: a migration plan in, the plan's validation, a dry run's
per-instance predictions and a batch's progress out (``services.migrations``)."""
from __future__ import annotations

from marshmallow import fields, validate

from api.dict_dump import Schema
from api.fields import BoundedInt

STATUSES = ("running", "waiting", "error")


class PlanIn(Schema):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source_version = BoundedInt(required=True, validate=validate.Range(min=1))
    target_version = BoundedInt(required=True, validate=validate.Range(min=1))
    mapping = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                          load_default=dict, metadata={
                              "description": "edits to the proposed mapping: source element "
                                             "id -> target element id (null: no target)"})
    variables = fields.Dict(load_default=dict, metadata={
        "description": "variables every migrated instance gets"})
    instance_ids = fields.List(BoundedInt(), load_default=None, validate=validate.Length(
        max=10_000), metadata={"description": "these instances only (else by status)"})
    statuses = fields.List(fields.String(validate=validate.OneOf(STATUSES)), load_default=None,
                           validate=validate.Length(max=len(STATUSES)), metadata={
                               "description": "instances in these statuses (else running "
                                              "and waiting)"})


class MigrationElementOut(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    events = fields.List(fields.String())


class VersionOut(Schema):
    id = BoundedInt()
    version = BoundedInt()


class PlanOut(Schema):
    process_key = fields.String()
    source = fields.Nested(VersionOut)
    target = fields.Nested(VersionOut)
    mapping = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    source_elements = fields.List(fields.Nested(MigrationElementOut))
    target_elements = fields.List(fields.Nested(MigrationElementOut))
    problems = fields.List(fields.Dict())
    active = fields.Dict(keys=fields.String(), values=BoundedInt())
    instance_ids = fields.List(BoundedInt())
    variables = fields.Dict()


class ErrorOut(Schema):
    code = fields.String()
    params = fields.Dict()
    message = fields.String()


class ResultOut(Schema):
    instance_id = BoundedInt()
    status = fields.String()
    report = fields.Dict(allow_none=True)
    error = fields.Nested(ErrorOut, allow_none=True)


class MigrationDryRunOut(PlanOut):
    results = fields.List(fields.Nested(ResultOut))
    truncated = fields.Boolean()


class ItemOut(ResultOut):
    id = BoundedInt()
    finished_at = fields.DateTime(allow_none=True)


class BatchOut(Schema):
    id = BoundedInt()
    process_key = fields.String()
    source_definition_id = BoundedInt()
    target_definition_id = BoundedInt()
    from_version = BoundedInt()
    to_version = BoundedInt()
    mapping = fields.Dict()
    variables = fields.Dict()
    status = fields.String(metadata={"description": "running | done"})
    total = BoundedInt()
    done = BoundedInt()
    succeeded = BoundedInt()
    failed = BoundedInt()
    created_by = fields.String()
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    items = fields.List(fields.Nested(ItemOut))
