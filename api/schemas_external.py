"""Schemas of the external-task API (workers that poll for service tasks).

Requests use Flowdesk's snake_case names; Camunda's camelCase names (``workerId``,
``maxTasks``, ``topicName``, ``lockDuration``, ``errorMessage``, ``errorDetails``,
``retryTimeout``, ``errorCode``, ``newDuration``) are accepted as well, so a request written
for Camunda's REST API needs no renaming. Durations are milliseconds, as in Camunda. Answers
use the snake_case names only, and variables are plain JSON values (not Camunda's typed
``{"value", "type"}`` pairs).
"""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from api.dict_dump import Schema
from api.fields import BoundedInt
from api.schemas import PageQuery

MAX_MS = 30 * 24 * 3600 * 1000  # 30 days
STATES = ("open", "done", "cancelled", "incident")


def _ms(what: str, minimum: int = 1, **kw: Any) -> BoundedInt:
    return BoundedInt(bits=64, validate=validate.Range(min=minimum, max=MAX_MS),
                      metadata={"description": f"{what}, in milliseconds"}, **kw)


def _worker_id() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=200),
                         metadata={"description": "the worker's own name; the lock is its"})


class CamundaNames(Schema):
    """Takes Camunda's camelCase field names as the snake_case ones they stand for."""

    CAMUNDA: dict[str, str] = {}

    @pre_load
    def _snake_case(self, data: Any, **_kw: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {(self.CAMUNDA[k] if k in self.CAMUNDA and self.CAMUNDA[k] not in data else k): v
                for k, v in data.items()}


class TopicIn(CamundaNames):
    CAMUNDA = {"topicName": "name", "lockDuration": "lock_duration"}

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    lock_duration = _ms("how long the fetched tasks stay locked for this worker",
                        required=True)
    variables = fields.List(fields.String(), metadata={
        "description": "only these of the instance's variables (default: all)"})


class FetchAndLockIn(CamundaNames):
    CAMUNDA = {"workerId": "worker_id", "maxTasks": "max_tasks"}

    worker_id = _worker_id()
    topics = fields.List(fields.Nested(TopicIn), required=True,
                         validate=validate.Length(min=1, max=50))
    max_tasks = BoundedInt(required=True, validate=validate.Range(min=1, max=100))

    @validates_schema
    def _each_topic_once(self, data: dict, **_kw: Any) -> None:
        names = [t["name"] for t in data.get("topics", [])]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValidationError(f"each topic once: {', '.join(twice)} appear(s) twice",
                                  "topics")


class FetchedTaskOut(Schema):
    id = BoundedInt(bits=64)
    topic = fields.String()
    worker_id = fields.String()
    lock_expires_at = fields.DateTime()
    instance_id = BoundedInt()
    process_key = fields.String()
    business_key = fields.String(allow_none=True)
    bpmn_id = fields.String(metadata={"description": "the service task's id in the model"})
    retries = BoundedInt(allow_none=True, metadata={
        "description": "null until a failure said how many are left"})
    priority = BoundedInt()
    input = fields.Dict(metadata={"description": "the task's input parameters, evaluated "
                                  "when the process reached it"})
    variables = fields.Dict(metadata={"description": "the instance's variables"})
    error_message = fields.String(allow_none=True, metadata={
        "description": "what the last failure reported"})
    error_details = fields.String(allow_none=True)


class CompleteExternalIn(CamundaNames):
    CAMUNDA = {"workerId": "worker_id"}

    worker_id = _worker_id()
    variables = fields.Dict(keys=fields.String(), load_default=dict,
                            metadata={"description": "set on the process"})


class FailureIn(CamundaNames):
    CAMUNDA = {"workerId": "worker_id", "errorMessage": "error_message",
               "errorDetails": "error_details", "retryTimeout": "retry_timeout"}

    worker_id = _worker_id()
    error_message = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    error_details = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=100_000))
    retries = BoundedInt(required=True, validate=validate.Range(min=0, max=1000), metadata={
        "description": "how many more tries; 0: an incident an admin must retry"})
    retry_timeout = _ms("when the task may be fetched again", minimum=0, load_default=0)


class BpmnErrorIn(CamundaNames):
    CAMUNDA = {"workerId": "worker_id", "errorCode": "error_code",
               "errorMessage": "error_message"}

    worker_id = _worker_id()
    error_code = fields.String(required=True, validate=validate.Length(min=1, max=200),
                               metadata={"description": "matched against the errorCode of "
                                         "the task's error boundary events"})
    error_message = fields.String(load_default="", validate=validate.Length(max=2000))
    variables = fields.Dict(keys=fields.String(), load_default=dict)


class ExtendLockIn(CamundaNames):
    CAMUNDA = {"workerId": "worker_id", "newDuration": "new_duration"}

    worker_id = _worker_id()
    new_duration = _ms("the lock's new length, counted from now", required=True)


class AnsweredOut(Schema):
    id = BoundedInt(bits=64)
    instance_id = BoundedInt()
    instance_status = fields.String()
    incident = fields.String(allow_none=True, metadata={
        "description": "why the instance stopped, if running on failed"})


class ExternalTaskOut(Schema):
    id = BoundedInt(bits=64)
    instance_id = BoundedInt()
    task_guid = fields.String()
    bpmn_id = fields.String()
    topic = fields.String()
    state = fields.String(metadata={"description": " | ".join(STATES)})
    worker_id = fields.String(allow_none=True)
    lock_expires_at = fields.DateTime(allow_none=True)
    retries = BoundedInt(allow_none=True)
    retry_at = fields.DateTime(allow_none=True)
    error_message = fields.String(allow_none=True)
    error_details = fields.String(allow_none=True)
    input = fields.Dict()
    priority = BoundedInt()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ExternalTaskQuery(PageQuery):
    topic = fields.String()
    state = fields.String(validate=validate.OneOf(STATES))
    instance_id = BoundedInt()
    worker_id = fields.String()


class ExternalTaskPageOut(Schema):
    items = fields.List(fields.Nested(ExternalTaskOut))
    total = BoundedInt()
    page = BoundedInt()
    per_page = BoundedInt()
