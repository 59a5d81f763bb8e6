"""/api/v1/admin: calendars, SLA policies (with what-if previews), armed timers and SLA
clocks, the incidents, and the display names of user groups (admins)."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas import TaskOut
from api.schemas_admin import (CalendarOut, ClockPageOut, ClockQuery, ConfigIn, DueIn, DueWorkOut,
                               DueWorkPageOut, DueWorkQuery, GroupIn, GroupOut, IncidentPageOut,
                               IncidentQuery, PolicyOut, PolicyPreviewIn,
                               PolicyQuery, PreviewOut, PreviewQuery, WhatIfOut)
from services import due_admin, group_names, instance_reads
from services.sla import config as sla_admin

blp = protected_blueprint("admin", "/api/v1/admin",
                          "Business calendars, SLA policies, armed timers and clocks (admin).")


def _split(args: dict) -> tuple[dict, str]:
    config = dict(args)
    return config, config.pop("apply_to", "new")


@blp.route("/calendars", methods=["GET"])
@blp.response(200, CalendarOut(many=True))
def list_calendars():  # type: ignore[no-untyped-def]
    """Every business calendar."""
    return sla_admin.list_calendars(flowdesk(), current_user())


@blp.route("/calendars/<name>", methods=["GET"])
@blp.response(200, CalendarOut)
def get_calendar(name: str):  # type: ignore[no-untyped-def]
    return sla_admin.get_calendar(flowdesk(), current_user(), name)


@blp.route("/calendars/<name>", methods=["PUT"])
@blp.arguments(ConfigIn())
@blp.response(200, CalendarOut)
def put_calendar(args: dict, name: str):  # type: ignore[no-untyped-def]
    """Create or replace a calendar: timezone, mode (business | 24x7), windows per weekday
    ("HH:MM" pairs; several per day; an end of 24:00 or one crossing midnight), country for
    public holidays and make-up working days (CN by default in the examples), extra_holidays,
    extra_workdays, makeup_windows (the hours of make-up and extra working days; absent: those
    of the weekday they replace), and apply_to."""
    config, apply_to = _split(args)
    return sla_admin.put_calendar(flowdesk(), current_user(), name, config, apply_to)


@blp.route("/calendars/<name>", methods=["DELETE"])
@blp.response(204)
def delete_calendar(name: str):  # type: ignore[no-untyped-def]
    """Delete a calendar no SLA policy uses."""
    sla_admin.delete_calendar(flowdesk(), current_user(), name)


@blp.route("/calendars/<name>/preview", methods=["GET"])
@blp.arguments(PreviewQuery(), location="query")
@blp.response(200, PreviewOut)
def preview(args: dict, name: str):  # type: ignore[no-untyped-def]
    """The next open windows from a moment, and that moment plus a business duration."""
    return sla_admin.preview(flowdesk(), current_user(), name, args.get("start"),
                             args["count"], args.get("add"))


@blp.route("/calendars/<name>/preview", methods=["POST"])
@blp.arguments(ConfigIn())
@blp.response(200, WhatIfOut)
def what_if_calendar(args: dict, name: str):  # type: ignore[no-untyped-def]
    """What saving this calendar with apply_to=running would do to the running clocks: how
    many move and by how much, and which open tasks would be at risk or breached at once.
    Nothing is written."""
    config, _ = _split(args)
    return sla_admin.preview_calendar(flowdesk(), current_user(), name, config)


@blp.route("/sla-policies", methods=["GET"])
@blp.arguments(PolicyQuery(), location="query")
@blp.response(200, PolicyOut(many=True))
def list_policies(args: dict):  # type: ignore[no-untyped-def]
    return sla_admin.list_policies(flowdesk(), current_user(), args.get("process_key"))


@blp.route("/sla-policies/<name>", methods=["GET"])
@blp.response(200, PolicyOut)
def get_policy(name: str):  # type: ignore[no-untyped-def]
    return sla_admin.get_policy(flowdesk(), current_user(), name)


@blp.route("/sla-policies/<name>", methods=["PUT"])
@blp.arguments(ConfigIn())
@blp.response(200, PolicyOut)
def put_policy(args: dict, name: str):  # type: ignore[no-untyped-def]
    """Create or replace a policy: process_key, target (task | lane | instance), target_ref,
    clock (first_response | resolution | instance_resolution), duration (business time of
    `calendar`, or wall-clock without one), warning, warn_in_business_hours, escalations,
    pause_when, enabled, and apply_to. Durations as people say them (`4 小时`, `2 个工作日`,
    `30 分钟`, `4 hours`, `2 business days`; a working day is the calendar's) or ISO 8601.
    Replacing a policy needs every field (422 names the missing ones); PATCH changes some."""
    config, apply_to = _split(args)
    return sla_admin.put_policy(flowdesk(), current_user(), name, config, apply_to)


@blp.route("/sla-policies/<name>", methods=["PATCH"])
@blp.arguments(ConfigIn())
@blp.response(200, PolicyOut)
def patch_policy(args: dict, name: str):  # type: ignore[no-untyped-def]
    """Change some fields of a policy; `warning` and `escalations` are replaced as a whole
    (send the full list of levels), the fields not given stay; apply_to as for PUT."""
    changes, apply_to = _split(args)
    return sla_admin.patch_policy(flowdesk(), current_user(), name, changes, apply_to)


@blp.route("/sla-policies/<name>/preview", methods=["POST"])
@blp.arguments(PolicyPreviewIn())
@blp.response(200, WhatIfOut)
def what_if_policy(args: dict, name: str):  # type: ignore[no-untyped-def]
    """What saving this change (fields as in a PATCH, or a whole policy with `whole: true`)
    with apply_to=running would do to the running clocks. Nothing is written."""
    changes = dict(args)
    whole = changes.pop("whole", False)
    changes.pop("apply_to", None)
    return sla_admin.preview_policy(flowdesk(), current_user(), name, changes, whole)


@blp.route("/sla-policies/<name>", methods=["DELETE"])
@blp.response(204)
def delete_policy(name: str):  # type: ignore[no-untyped-def]
    """Delete a policy; its armed clocks are removed."""
    sla_admin.delete_policy(flowdesk(), current_user(), name)


@blp.route("/timers", methods=["GET"])
@blp.arguments(DueWorkQuery(), location="query")
@blp.response(200, DueWorkPageOut)
def list_timers(args: dict):  # type: ignore[no-untyped-def]
    """Armed (or fired, failed, cancelled) due work: BPMN timers, scheduled starts, SLA events."""
    rows, total = due_admin.list_due_work(flowdesk(), current_user(), **args)
    return {"items": rows, "total": total}


@blp.route("/timers/<int(bits=64):row_id>/due", methods=["POST"])
@blp.arguments(DueIn())
@blp.response(200, DueWorkOut)
def move_timer(args: dict, row_id: int):  # type: ignore[no-untyped-def]
    """Give one armed BPMN timer or scheduled start a new due time."""
    return due_admin.set_timer_due(flowdesk(), current_user(), row_id, args["due_at"])


@blp.route("/sla-clocks", methods=["GET"])
@blp.arguments(ClockQuery(), location="query")
@blp.response(200, ClockPageOut)
def list_clocks(args: dict):  # type: ignore[no-untyped-def]
    """SLA clocks with their due time and state."""
    rows, total = due_admin.list_clocks(flowdesk(), current_user(), **args)
    return {"items": rows, "total": total}


@blp.route("/incidents", methods=["GET"])
@blp.arguments(IncidentQuery(), location="query")
@blp.response(200, IncidentPageOut)
def list_incidents(args: dict):  # type: ignore[no-untyped-def]
    """Incidents (failed scripts, timers, service calls) with their case, newest first;
    ``state=open`` (the default) lists those no retry has resolved yet."""
    return instance_reads.list_incidents(flowdesk(), current_user(), **args).body()


@blp.route("/tasks/<int:task_id>/due", methods=["POST"])
@blp.arguments(DueIn())
@blp.response(200, TaskOut)
def move_task(args: dict, task_id: int):  # type: ignore[no-untyped-def]
    """Give one task a new due time (its running SLA clocks follow)."""
    return due_admin.set_task_due(flowdesk(), current_user(), task_id, args["due_at"],
                                  args["reason"])


@blp.route("/groups", methods=["GET"])
@blp.response(200, GroupOut(many=True))
def list_groups():  # type: ignore[no-untyped-def]
    """User groups (the lanes that receive tasks) with the names people read."""
    return group_names.list_groups(flowdesk(), current_user())


@blp.route("/groups/<name>", methods=["PATCH"])
@blp.arguments(GroupIn())
@blp.response(200, GroupOut)
def rename_group(args: dict, name: str):  # type: ignore[no-untyped-def]
    """Set a group's display name (前台客服, 投诉组, 主管); empty shows its name."""
    return group_names.set_display_name(flowdesk(), current_user(), name, args["display_name"])
