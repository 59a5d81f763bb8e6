"""Bodies of /api/v1/dry-runs (the draft's files, the start, one step, and what a run shows)
and of /api/v1/scenario-coverage."""
from __future__ import annotations

from marshmallow import fields, validate

from api.dict_dump import Schema

FILES = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=200)),
                    values=fields.String(), metadata={
                        "description": "the draft's bundle: file name -> text (.bpmn, .dmn, "
                                       ".json forms), as the designer holds it"})


class DryRunStartIn(Schema):
    at = fields.String(metadata={"description": "ISO date-time; naive ones are in `timezone` "
                                                "(default: now)"})
    timezone = fields.String(validate=validate.Length(max=64),
                             metadata={"description": "e.g. Asia/Shanghai (default: the "
                                                      "server's)"})
    variables = fields.Dict(keys=fields.String(), load_default=dict,
                            metadata={"description": "the start form's data, checked as "
                                                     "POST /instances checks it"})
    business_key = fields.String(validate=validate.Length(min=1, max=200))


class DryRunIn(Schema):
    files = FILES
    files.required = True
    start = fields.Nested(DryRunStartIn, metadata={
        "description": "start the case at once (else POST /dry-runs/{id}/start)"})


class DryRunStepIn(Schema):
    """One step as a scenario file writes it: exactly one of the actions."""

    complete = fields.String(metadata={"description": "an open task's element id or name"})
    data = fields.Dict(keys=fields.String(), metadata={"description": "the task's form data"})
    message = fields.String()
    correlation = fields.Dict(keys=fields.String(), values=fields.Raw())
    signal = fields.String()
    external = fields.String(metadata={"description": "answer an open external task"})
    error = fields.String(metadata={"description": "a BPMN error code for `external`"})
    variables = fields.Dict(keys=fields.String())
    advance = fields.Raw(metadata={"description": "PT48H, \"2 个工作日\", {\"to\": time}, "
                                                  "{\"to_next_due\": true}, "
                                                  "{\"to_next_opening\": calendar}"})


class DryRunOut(Schema):
    id = fields.String()
    process_key = fields.String()
    name = fields.String()
    start_form = fields.Raw(allow_none=True)
    started = fields.Boolean()
    state = fields.Raw(allow_none=True, metadata={
        "description": "now, status, variables, path, ends, tasks (with forms), sla, "
                       "incidents, external_tasks, visited elements and flows, next_due"})
    log = fields.Raw()
    stopped_early = fields.Boolean()


class CoverageIn(Schema):
    files = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=200)),
                        values=fields.String(), required=True, metadata={
                            "description": "the draft's bundle: file name -> text; scenario "
                                           "files as tests/<name>.yaml (none: the deployed "
                                           "bundle's, from the server's process folder)"})


class CoverageOut(Schema):
    process_key = fields.String()
    source = fields.String(metadata={"description": "draft or deployed: whose scenarios ran"})
    coverage = fields.Raw(metadata={
        "description": "by process key: elements and flows with total, visited, percent and "
                       "never_reached, as `flowdesk test --coverage-json` writes it"})
    scenarios = fields.Raw(metadata={"description": "each scenario: name, file, ok, error, "
                                                    "mismatches, step, milliseconds"})
    skipped = fields.Raw(metadata={"description": "scenario files not run: file and reason "
                                                  "(too_many_scenarios, too_many_steps, "
                                                  "out_of_time)"})
    problem = fields.String(allow_none=True, metadata={
        "description": "why the bundle did not deploy into the throwaway store"})
    limits = fields.Raw(metadata={"description": "the bounds of one request"})
