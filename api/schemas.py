"""Marshmallow request and response schemas; the OpenAPI document is generated from these."""
from __future__ import annotations

from collections.abc import Mapping

from marshmallow import fields, validate

from api.dict_dump import Schema
from api.fields import BoundedInt, Instant
from api.schemas_operate import reason_field

STATUSES = ("running", "waiting", "completed", "error", "cancelled", "suspended")
SLA_STATES = ("ok", "at_risk", "breached", "paused", "met", "cancelled")
TASK_STATES = ("open", "claimed", "completed", "cancelled", "active", "all")


class ProblemOut(Schema):
    """RFC 9457 problem details: what every error response is (``api.errors.problem``)."""

    type = fields.String()
    status = BoundedInt()
    title = fields.String()
    detail = fields.String()
    errors = fields.List(fields.Dict(), metadata={
        "description": "each problem: field, message, location (deploy problems add file, "
                       "element id and line)"})


class PageQuery(Schema):
    page = BoundedInt(load_default=1, validate=validate.Range(min=1))
    per_page = BoundedInt(load_default=50, validate=validate.Range(min=1, max=200))


class KeysetPageQuery(PageQuery):
    """A list that also pages by cursor (``store.keyset``): fast however deep the page."""

    cursor = fields.String(validate=validate.Length(max=2000), metadata={
        "description": "the `next_cursor` of the page before: the page after it (then "
                       "`page` is not used)"})


class KeysetPageFields(Schema):
    """What a keyset list adds to its page: the total may be capped, and the next cursor."""

    total = BoundedInt(metadata={"description": "how many match, exact up to 10,000; "
                                 "when `total_capped`, at least that many"})
    total_capped = fields.Boolean(metadata={"description": "the total stopped at its cap"})
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "pass as `cursor` for the next page; null on the last page"})


class DefinitionQuery(Schema):
    key = fields.String()
    all_versions = fields.Boolean(load_default=False)


class DefinitionOut(Schema):
    id = BoundedInt()
    key = fields.String()
    version = BoundedInt()
    name = fields.String()
    sha256 = fields.String()
    deployed_at = fields.DateTime()
    deployed_by = fields.String()
    process_group = fields.String(allow_none=True, metadata={
        "description": "the process group whose designers deploy this key and read its XML"})
    files = fields.Method("file_names")

    def file_names(self, obj: object) -> list[str]:
        files = obj.get("files") if isinstance(obj, Mapping) else getattr(obj, "files", None)
        return sorted(files or {})


class DefinitionDetailOut(DefinitionOut):
    bpmn_xml = fields.String()
    contents = fields.Dict(attribute="files", metadata={"description": "file name → text"})


class DeployedOut(Schema):
    id = BoundedInt()
    key = fields.String()
    version = BoundedInt()
    name = fields.String(metadata={"description": "the process's name (what people read)"})
    created = fields.Boolean(metadata={"description": "false when identical content was "
                                       "already deployed (no new version)"})
    unchanged = fields.Boolean(metadata={"description": "true when the bundle means the same "
                                         "as a deployed version (compared in canonical form: "
                                         "XML prefixes, attribute and element order, whitespace "
                                         "and number formats do not count); no new version"})
    scenarios = fields.List(fields.String(), metadata={
        "description": "the version's scenario files (tests/<name>.yaml), kept with it"})
    scenarios_replaced = fields.Boolean(metadata={
        "description": "true when the model was unchanged but the bundle's scenario files "
                       "replaced the version's (scenarios are not a new version)"})


class ValidatedOut(Schema):
    key = fields.String(metadata={"description": "the process that would be deployed"})
    name = fields.String()
    version = BoundedInt(metadata={"description": "the version a deployment would get "
                                       "(the existing one for identical content)"})
    changed = fields.Boolean(metadata={"description": "false when identical content is "
                                       "deployed already"})


class StartInstanceIn(Schema):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    version = BoundedInt(validate=validate.Range(min=1))
    business_key = fields.String(validate=validate.Length(max=200), allow_none=True)
    variables = fields.Dict(keys=fields.String(), metadata={"description": (
        "the start form's fields (GET /api/v1/startable), checked against it (422 per field); "
        "left out: no intake data, the first task collects it")})
    customer_id = BoundedInt(metadata={"description": "the customer the case is about"})
    related_case_no = fields.String(validate=validate.Length(max=40),
                                    metadata={"description": "an earlier case this one follows"})


class InstanceQuery(KeysetPageQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))
    process_key = fields.String()
    business_key = fields.String()
    started_after = Instant(default_timezone=None)
    started_before = Instant(default_timezone=None)
    case_no = fields.String()
    customer_id = BoundedInt()
    related_case_no = fields.String()


class InstanceOut(Schema):
    id = BoundedInt()
    definition_id = BoundedInt()
    process_key = fields.String()
    business_key = fields.String(allow_none=True)
    case_no = fields.String(allow_none=True, metadata={"description": "e.g. TS202611230001"})
    customer_id = BoundedInt(allow_none=True)
    related_case_no = fields.String(allow_none=True)
    status = fields.String()
    version = BoundedInt(metadata={"description": "row version (optimistic lock)"})
    serializer_version = fields.String()
    spiff_version = fields.String()
    started_by = fields.String()
    started_at = fields.DateTime()
    updated_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    waiting_reason = fields.String(allow_none=True)
    waiting_note = fields.String(allow_none=True)


class TaskOut(Schema):
    id = BoundedInt()
    task_guid = fields.String()
    instance_id = BoundedInt()
    process_key = fields.String()
    business_key = fields.String(allow_none=True)
    bpmn_id = fields.String()
    name = fields.String()
    candidate_group = fields.String(allow_none=True)
    process_name = fields.String(metadata={
        "description": "the latest version's name of the process (else its key)"})
    candidate_group_name = fields.String(allow_none=True, metadata={
        "description": "the group's display name (else its name)"})
    assignee = fields.String(allow_none=True)
    state = fields.String()
    priority = BoundedInt()
    due_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    claimed_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    case_no = fields.String(allow_none=True, metadata={"description": "the case's number"})
    sla_state = fields.String(allow_none=True, metadata={
        "description": "ok | at_risk | breached | paused | met; null without an SLA"})
    escalation_level = BoundedInt()
    escalation_group = fields.String(allow_none=True)
    waiting_reason = fields.String(allow_none=True, metadata={
        "description": "waiting_customer, waiting_third_party, …; null: not waiting"})
    waiting_note = fields.String(allow_none=True, metadata={"description": "why, in words"})
    escalated_at = fields.DateTime(allow_none=True, metadata={
        "description": "when someone escalated the task to the supervisors by hand"})
    escalated_by = fields.String(allow_none=True)
    escalation_reason = fields.String(allow_none=True)
    owner = fields.String(allow_none=True, metadata={
        "description": "who delegated the task (null: never delegated)"})
    delegation_state = fields.String(allow_none=True, metadata={
        "description": "pending (with the delegate) | resolved (back with the owner) | null"})
    delegated_at = fields.DateTime(allow_none=True, metadata={
        "description": "when the owner delegated it (null: never delegated)"})


class TaskDetailOut(TaskOut):
    documentation = fields.String()
    form_schema = fields.Dict()
    data = fields.Dict()


class AuditOut(Schema):
    id = BoundedInt(bits=64)
    at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    task_id = BoundedInt(allow_none=True)
    task_name = fields.String(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class IncidentOut(Schema):
    id = BoundedInt()
    kind = fields.String()
    task_guid = fields.String(allow_none=True)
    bpmn_id = fields.String(allow_none=True)
    task_name = fields.String(allow_none=True)
    message = fields.String()
    line = BoundedInt(allow_none=True)
    error_line = fields.String(allow_none=True)
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)


class InstanceDetailOut(InstanceOut):
    variables = fields.Dict()
    open_tasks = fields.List(fields.Nested(TaskOut))
    audit = fields.List(fields.Nested(AuditOut))
    incidents = fields.List(fields.Nested(IncidentOut))


class InstancePageOut(KeysetPageFields):
    items = fields.List(fields.Nested(InstanceOut))
    page = BoundedInt()
    per_page = BoundedInt()


class CancelIn(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class RetryIn(Schema):
    variables = fields.Dict(keys=fields.String(), load_default=dict,
                            metadata={"description": "merged into the failed task's data"})


class VariablesIn(Schema):
    variables = fields.Dict(keys=fields.String(), required=True,
                            metadata={"description": "the variables to set, by name"})
    reason = reason_field()


class TaskQuery(KeysetPageQuery):
    assignee = fields.String(metadata={"description": "'me' or a username"})
    candidate_group = fields.String()
    unassigned = fields.Boolean()
    process_key = fields.String()
    instance_id = BoundedInt()
    business_key = fields.String()
    state = fields.String(validate=validate.OneOf(TASK_STATES),
                          metadata={"description": "default: active (open or claimed)"})
    due_before = Instant(default_timezone=None)
    priority_min = BoundedInt(validate=validate.Range(min=0, max=100))
    overdue = fields.Boolean(metadata={"description": "due before now"})
    due_today = fields.Boolean(metadata={"description": "due today in `tz`"})
    tz = fields.String(metadata={"description": "IANA zone for due_today (default: the "
                                 "server's FLOWDESK_TIMEZONE, Asia/Shanghai)"})
    sla_state = fields.String(validate=validate.OneOf(SLA_STATES))
    escalated = fields.Boolean(metadata={"description": "escalated by hand to the supervisors"})
    delegated_by = fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "'me' or a username: tasks they delegated that the delegate has not "
                       "resolved yet (the inbox's 我委托的)"})
    sort = fields.String(load_default="-priority,created_at",
                         metadata={"description": "comma-separated: priority, created_at, "
                                   "due_at, name, id; '-' for descending"})


class TaskPageOut(KeysetPageFields):
    items = fields.List(fields.Nested(TaskOut))
    page = BoundedInt()
    per_page = BoundedInt()


class AssignIn(Schema):
    user = fields.String(required=True, validate=validate.Length(min=1, max=64))


class CompleteIn(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict)


class CompleteOut(Schema):
    task_id = BoundedInt()
    instance_id = BoundedInt()
    instance_status = fields.String()
    next_task_ids = fields.List(BoundedInt())
    incident = fields.String(allow_none=True)


class DiagramOut(Schema):
    instance_id = BoundedInt()
    status = fields.String()
    definition_id = BoundedInt()
    key = fields.String()
    version = BoundedInt()
    process_id = fields.String(metadata={"description": "the process's id in bpmn_xml"})
    bpmn_xml = fields.String(metadata={"description": "the file that holds the process"})
    active = fields.List(fields.String(), metadata={
        "description": "BPMN ids the instance is at: open user tasks, waiting events, errors"})
    completed = fields.List(fields.String(), metadata={"description": "BPMN ids done"})
