"""/api/v1/reports: supervisors' reports as JSON, or CSV with ``?format=csv``."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

from flask import Response
from marshmallow import Schema, fields, validate

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from services import reports as service

blp = protected_blueprint("reports", "/api/v1/reports",
                          "Reports for supervisors (JSON, or CSV with format=csv).")


class RangeQuery(Schema):
    start = fields.AwareDateTime(data_key="from", metadata={"description": "inclusive"})
    end = fields.AwareDateTime(data_key="to", metadata={"description": "exclusive"})
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class OpenCasesQuery(RangeQuery):
    process_key = fields.String()
    group_by = fields.String(load_default="status", validate=validate.OneOf(
        ("status", "process_key", "day", "user_status")))


class ProcessRangeQuery(RangeQuery):
    process_key = fields.String()


class ReportOut(Schema):
    items = fields.List(fields.Dict())


# ``format=csv`` answers the same report as a CSV file: documented beside the JSON (a manual
# response replaces the generated one, so it names the JSON schema too).
AS_CSV_TOO = {"responses": {"200": {"description": "OK", "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/ReportOut"}},
    "text/csv": {"schema": {"type": "string",
                            "description": "the rows, with a header line (UTF-8 with a BOM)"}}}}}}


def _out(rows: list[dict], fmt: str, name: str):  # type: ignore[no-untyped-def]
    if fmt != "csv":
        return {"items": rows}
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: v.isoformat() if isinstance(v, (date, datetime)) else v
                             for k, v in row.items()})
    # a BOM so that Excel opens the Chinese text as UTF-8
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _range(args: dict) -> dict:
    return {"start": args.get("start"), "end": args.get("end")}


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
@blp.arguments(RangeQuery(), location="query")
@blp.response(200, ReportOut)
@blp.doc(**AS_CSV_TOO)
def agents(args: dict):  # type: ignore[no-untyped-def]
    """Per agent: tasks served and resolved, first-response and resolution times, SLA met and
    breached."""
    return _out(service.agents(flowdesk(), current_user(), **_range(args)), args["format"],
                "agents")


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
    return _out(service.negative_reviews(flowdesk(), current_user(), **_range(args)),
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
