"""/api/v1/reports: supervisors' reports as JSON, or CSV with ``?format=csv``."""
from __future__ import annotations

import re
from datetime import date

from marshmallow import ValidationError, fields, validate

from api.auth import current_user
from api.dict_dump import Schema
from api.fields import Instant, check_year
from api.report_files import XLSX_MIMETYPE, csv_response, json_rows, xlsx_response
from api.routes import flowdesk, protected_blueprint
from services import reports as service
from services import reports_sla
from services.reports_range import day_range

blp = protected_blueprint("reports", "/api/v1/reports",
                          "Reports for supervisors: JSON, or a file with format=csv or "
                          "format=xlsx (Excel, Chinese column headings). from/to take plain "
                          "days in the team's time zone (2026-12-01, to inclusive) or ISO "
                          "datetimes with an offset (to exclusive).")

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DayOrDateTime(fields.Field):
    """``2026-12-01`` (a day in the team's time zone) or an ISO datetime with its offset."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(value, str) and _DAY.match(value):
            try:
                return check_year(date.fromisoformat(value))
            except ValueError as error:
                raise ValidationError("Not a valid date.") from error
        return Instant()._deserialize(value, attr, data, **kwargs)


class RangeQuery(Schema):
    start = DayOrDateTime(data_key="from", metadata={
        "type": "string", "example": "2026-12-01",
        "description": "inclusive: a day in the team's time zone, or an ISO datetime"})
    end = DayOrDateTime(data_key="to", metadata={
        "type": "string", "example": "2026-12-31",
        "description": "a day (inclusive) in the team's time zone, or an ISO datetime "
                       "(exclusive)"})
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv", "xlsx")),
                           metadata={"description": "json, csv or xlsx (Excel)"})


class OpenCasesQuery(RangeQuery):
    process_key = fields.String()
    group_by = fields.String(load_default="status", validate=validate.OneOf(
        ("status", "process_key", "day", "user_status")))


class ProcessRangeQuery(RangeQuery):
    process_key = fields.String()


class TaskFilterQuery(ProcessRangeQuery):
    group = fields.String(metadata={"description": "the tasks' candidate group"})
    agent = fields.String(metadata={"description": "who claimed or completed the tasks (a "
                                                   "username)"})


class SlaQuery(TaskFilterQuery):
    period = fields.String(load_default="day", validate=validate.OneOf(("day", "week")))


class ReportOut(Schema):
    items = fields.List(fields.Dict())


class AgentRow(Schema):
    """One agent's line: the username (what ``agent=`` filters by and the files keep) and
    the display name people read."""

    agent = fields.String(metadata={"description": "the username"})
    agent_name = fields.String(metadata={
        "description": "the display name (the username when the user has none)"})
    tasks_served = fields.Integer(metadata={"description": "tasks claimed"})
    tasks_resolved = fields.Integer(metadata={"description": "tasks completed"})
    median_first_response_min = fields.Float(allow_none=True)
    median_resolution_min = fields.Float(allow_none=True)
    sla_met = fields.Integer()
    sla_breached = fields.Integer()


class AgentsReportOut(Schema):
    items = fields.List(fields.Nested(AgentRow))


def as_files(schema: str = "ReportOut") -> dict:
    """``format=csv`` / ``format=xlsx`` answer the same report as a file: documented beside
    the JSON (a manual response replaces the generated one, so it names the JSON schema too)."""
    return {"responses": {"200": {"description": "OK", "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}},
        "text/csv": {"schema": {"type": "string",
                                "description": "format=csv: the rows, with a header line of "
                                               "the JSON keys (UTF-8 with a BOM)"}},
        XLSX_MIMETYPE: {"schema": {"type": "string", "format": "binary",
                                   "description": "format=xlsx: one sheet, Chinese column "
                                                  "headings, dates as Excel dates in the "
                                                  "team's time zone"}}}}}}


AS_CSV_TOO = as_files()

TITLES = {"open-cases": "未结案件", "agents": "客服绩效", "complaint-rate": "投诉率",
          "satisfaction": "满意度", "negative-reviews": "中差评登记", "finance": "财务清单",
          "work-plan": "工作计划", "sla": "SLA 达标", "backlog": "积压"}


def _out(rows: list[dict], fmt: str, name: str):  # type: ignore[no-untyped-def]
    if fmt == "csv":
        return csv_response(rows, name)
    if fmt == "xlsx":
        return xlsx_response(rows, name, TITLES.get(name, name), flowdesk().settings.timezone)
    return {"items": json_rows(rows)}


def _range(args: dict) -> dict:
    start, end = day_range(flowdesk().settings.timezone, args.get("start"), args.get("end"))
    return {"start": start, "end": end}


def _tasks(args: dict) -> dict:
    return {"process_key": args.get("process_key"), "group": args.get("group"),
            "agent": args.get("agent"), **_range(args)}


@blp.route("/open-cases", methods=["GET"])
@blp.arguments(OpenCasesQuery(), location="query")
@blp.response(200, ReportOut)
@blp.doc(**AS_CSV_TOO)
def open_cases(args: dict):  # type: ignore[no-untyped-def]
    """Open cases counted by status, type (process), start day or user status."""
    rows = service.open_cases(flowdesk(), current_user(), group_by=args["group_by"],
                              process_key=args.get("process_key"), **_range(args))
    return _out(rows, args["format"], "open-cases")


@blp.route("/agents", methods=["GET"])
@blp.arguments(TaskFilterQuery(), location="query")
@blp.response(200, AgentsReportOut)
@blp.doc(**as_files("AgentsReportOut"))
def agents(args: dict):  # type: ignore[no-untyped-def]
    """Per agent (username and display name): tasks served and resolved, first-response and
    resolution times, SLA met and breached (tasks created in the range; optionally one
    process, group or agent)."""
    return _out(service.agents(flowdesk(), current_user(), **_tasks(args)), args["format"],
                "agents")


@blp.route("/sla", methods=["GET"])
@blp.arguments(SlaQuery(), location="query")
@blp.response(200, ReportOut)
@blp.doc(**AS_CSV_TOO)
def sla(args: dict):  # type: ignore[no-untyped-def]
    """SLA clocks met (on the day they stopped) and breached (on the day they fell due) per
    day or week (named by its Monday), with the share met."""
    return _out(reports_sla.sla_trend(flowdesk(), current_user(), period=args["period"],
                                      **_tasks(args)), args["format"], "sla")


class BacklogQuery(Schema):
    process_key = fields.String()
    group = fields.String(metadata={"description": "the tasks' candidate group"})
    agent = fields.String(metadata={"description": "the tasks' assignee"})
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv", "xlsx")))


@blp.route("/backlog", methods=["GET"])
@blp.arguments(BacklogQuery(), location="query")
@blp.response(200, ReportOut)
@blp.doc(**AS_CSV_TOO)
def backlog(args: dict):  # type: ignore[no-untyped-def]
    """Open tasks now, per candidate group, by age: under 1 day, 1–3, 3–7, over 7 days."""
    return _out(reports_sla.backlog(flowdesk(), current_user(),
                                    process_key=args.get("process_key"), group=args.get("group"),
                                    agent=args.get("agent")), args["format"], "backlog")


@blp.route("/complaint-rate", methods=["GET"])
@blp.arguments(RangeQuery(), location="query")
@blp.response(200, ReportOut)
@blp.doc(**AS_CSV_TOO)
def complaint_rate(args: dict):  # type: ignore[no-untyped-def]
    """Complaints per month against the orders recorded in customers' purchase history."""
    return _out(service.complaint_rate(flowdesk(), current_user(), **_range(args)),
                args["format"], "complaint-rate")


@blp.route("/satisfaction", methods=["GET"])
@blp.arguments(ProcessRangeQuery(), location="query")
@blp.response(200, ReportOut)
@blp.doc(**AS_CSV_TOO)
def satisfaction(args: dict):  # type: ignore[no-untyped-def]
    """Satisfaction asked at closure, per month."""
    return _out(service.satisfaction(flowdesk(), current_user(),
                                     process_key=args.get("process_key"), **_range(args)),
                args["format"], "satisfaction")


@blp.route("/negative-reviews", methods=["GET"])
@blp.arguments(RangeQuery(), location="query")
@blp.response(200, ReportOut)
@blp.doc(**AS_CSV_TOO)
def negative_reviews(args: dict):  # type: ignore[no-untyped-def]
    """The negative-review register, severe first."""
    return _out(service.case_register(flowdesk(), current_user(), "reviews", **_range(args)),
                args["format"], "negative-reviews")


@blp.route("/finance", methods=["GET"])
@blp.arguments(RangeQuery(), location="query")
@blp.response(200, ReportOut)
@blp.doc(**AS_CSV_TOO)
def finance(args: dict):  # type: ignore[no-untyped-def]
    """The list of money movements for finance (amount, note, signer, who and when)."""
    return _out(service.finance(flowdesk(), current_user(), **_range(args)), args["format"],
                "finance")


class WorkPlanQuery(RangeQuery):
    responsibility_centre = fields.String()


@blp.route("/work-plan", methods=["GET"])
@blp.arguments(WorkPlanQuery(), location="query")
@blp.response(200, ReportOut)
@blp.doc(**AS_CSV_TOO)
def work_plan(args: dict):  # type: ignore[no-untyped-def]
    """The work plan of open service notifications by responsibility centre and planned date
    (from/to bound the planned dates)."""
    return _out(service.work_plan(flowdesk(), current_user(),
                                  responsibility_centre=args.get("responsibility_centre"),
                                  **_range(args)), args["format"], "work-plan")
