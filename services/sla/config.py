"""Admin operations on time: calendars, SLA policies, and the due time of one task or timer.

Policies come whole (PUT) or in part (PATCH), durations typed as people say them
(``services.sla.policy_input``); ``preview_policy`` and ``preview_calendar`` say what a change
would do to running clocks without writing (``services.sla.what_if``). Every change says
``apply_to``: ``new`` leaves armed clocks on the due times they have (they
follow the new rules from their next pause or resume), ``running`` recomputes every armed clock
from its recorded elapsed business time. Everything is audited; only admins get here.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from engine import sla
from engine import durations
from engine.calendars import BusinessCalendar

from services import audit, due_work
from services.context import Flowdesk
from services.errors import Conflict, Invalid, NotFound, coded_field
from services.principal import Principal, require_role, system
from services.sla.book import calendars, policies
from services.sla import policy_input, retime, what_if
from services.sla.clocks import clocks, sync_task
from store import queries as q
from store.uow import UnitOfWork


def _problems(exc: Exception) -> Invalid:
    errors = [{"field": e["field"], "message": e["message"], "location": "json",
               **({"code": e["code"], "params": e.get("params", {})} if "code" in e else {})}
              for e in getattr(exc, "errors", [])]
    return Invalid.of("sla.config_invalid", errors, problem=str(exc))


def _row(conn: UnitOfWork, table: Any, name: str, what: str) -> Any:
    row = conn.execute(select(table).where(table.c.name == name)).mappings().first()
    if row is None:
        raise NotFound.of("sla.calendar_not_found" if what == "calendar"
                          else "sla.policy_not_found", name=name)
    return row


def _save(conn: UnitOfWork, table: Any, name: str, values: dict, user: Principal,
          now: datetime) -> Any:
    """Insert or replace (version + 1) a named config row; returns the old row, if any."""
    old = conn.execute(select(table).where(table.c.name == name)).mappings().first()
    values = {**values, "updated_at": now, "updated_by": user.username}
    if old is None:
        conn.execute(table.insert().values(name=name, version=1, **values))
    else:
        conn.execute(table.update().where(table.c.id == old["id"])
                     .values(version=old["version"] + 1, **values))
    return old


def _saved(conn: UnitOfWork, table: Any, kind: str, name: str, old: Any, user: Principal,
           now: datetime, apply_to: str, changed: int) -> dict:
    """Audit a create or replace and return the stored row."""
    row = dict(_row(conn, table, name, kind.replace("_", " ")))
    audit.record(conn, now, user.username, f"{kind}.{'created' if old is None else 'updated'}",
                 before=None if old is None else {"config": old["config"]},
                 after={"name": name, "config": row["config"], "apply_to": apply_to,
                        "clocks_recomputed": changed})
    return {**row, "clocks_recomputed": changed}


# -- calendars -------------------------------------------------------------------------------

def list_calendars(fd: Flowdesk, user: Principal) -> list[dict]:
    require_role(user, "admin")
    with fd.uow(read_only=True) as conn:
        return [dict(r) for r in conn.execute(select(calendars).order_by(calendars.c.name))
                .mappings()]


def get_calendar(fd: Flowdesk, user: Principal, name: str) -> dict:
    require_role(user, "admin")
    with fd.uow(read_only=True) as conn:
        return dict(_row(conn, calendars, name, "calendar"))


def _usable_calendar(config: dict, now: datetime) -> BusinessCalendar:
    """The submitted calendar, refused (422, every bad field) when malformed or when it has no
    open time ahead at all: its SLA clocks could never come due."""
    try:
        calendar = BusinessCalendar.from_dict(config)
        calendar.next_open(now)
    except Exception as exc:  # noqa: BLE001 - CalendarInvalid lists fields; others are typos
        raise _problems(exc) from None
    return calendar


def put_calendar(fd: Flowdesk, user: Principal, name: str, config: dict,
                 apply_to: str) -> dict:
    """Create or replace a calendar; ``running`` re-times the armed clocks that use it."""
    require_role(user, "admin")
    now = fd.now()
    calendar = _usable_calendar(config, now)
    with fd.uow() as conn:
        old = _save(conn, calendars, name, {"config": calendar.to_dict()}, user, now)
        changed = 0
        if old is not None and apply_to == "running":
            change = retime.calendar_change(fd.sla, name,
                                            BusinessCalendar.from_dict(old["config"]),
                                            calendar, now)
            changed = retime.apply(conn, now, retime.plan(
                conn, fd.sla, now, change, retime.Overrides(calendar=(name, calendar))))
        elif old is not None and old["config"] != calendar.to_dict():  # for new clocks only
            retime.apply(conn, now, retime.plan(conn, fd.sla, now,
                                                retime.calendar_kept(name, old["config"])))
        return _saved(conn, calendars, "calendar", name, old, user, now, apply_to, changed)


def preview_calendar(fd: Flowdesk, user: Principal, name: str, config: dict) -> dict:
    """What saving this calendar with ``apply_to: running`` would do to the running clocks,
    computed without writing anything."""
    require_role(user, "admin")
    now = fd.now()
    calendar = _usable_calendar(config, now)
    with fd.uow(read_only=True) as conn:
        old = BusinessCalendar.from_dict(_row(conn, calendars, name, "calendar")["config"])
        planned = retime.plan(conn, fd.sla, now,
                              retime.calendar_change(fd.sla, name, old, calendar, now),
                              retime.Overrides(calendar=(name, calendar)))
        return what_if.summary(conn, planned, now)


def delete_calendar(fd: Flowdesk, user: Principal, name: str) -> None:
    require_role(user, "admin")
    with fd.uow() as conn:
        row = _row(conn, calendars, name, "calendar")
        users = [p["name"] for p in conn.execute(select(policies.c.name, policies.c.config))
                 .mappings() if p["config"].get("calendar") == name]
        if users:
            raise Conflict.of("sla.calendar_in_use", name=name, policies=users)
        conn.execute(calendars.delete().where(calendars.c.id == row["id"]))
        audit.record(conn, fd.now(), user.username, "calendar.deleted",
                     before={"name": name, "config": row["config"]})


def preview(fd: Flowdesk, user: Principal, name: str, start: datetime | None, count: int,
            add: str | None) -> dict:
    """The next ``count`` open windows from ``start``, and ``start + add`` in business time;
    ``add`` as people say it (``10 小时``, ``2 个工作日``: this calendar's working day) or ISO."""
    require_role(user, "admin")
    with fd.uow(read_only=True) as conn:
        config = _row(conn, calendars, name, "calendar")["config"]
    calendar = BusinessCalendar.from_dict(config)
    duration = _preview_duration(add, config) if add is not None else None
    start = start or fd.now()
    try:
        windows = calendar.next_windows(start, count)
        result = calendar.add(start, duration) if duration is not None else None
    except Exception as exc:  # noqa: BLE001 - e.g. a calendar with no open time at all
        raise _problems(exc) from None
    return {"start": start, "windows": [{"start": a, "end": b} for a, b in windows],
            "add": sla.format_duration(duration) if duration is not None else None,
            "result": result}


PREVIEW_LIMIT = timedelta(days=3660)  # business time is counted day by day: at most ten years


def _preview_duration(text: str, config: dict) -> timedelta:
    return policy_input.typed_duration(text, durations.workday_length(config), "add", "query",
                                       longest=PREVIEW_LIMIT)


# -- policies --------------------------------------------------------------------------------

def list_policies(fd: Flowdesk, user: Principal, process_key: str | None) -> list[dict]:
    require_role(user, "admin")
    with fd.uow(read_only=True) as conn:
        query = select(policies).order_by(policies.c.process_key, policies.c.name)
        if process_key:
            query = query.where(policies.c.process_key == process_key)
        return [_with_shown(conn, dict(r), fd) for r in conn.execute(query).mappings()]


def get_policy(fd: Flowdesk, user: Principal, name: str) -> dict:
    require_role(user, "admin")
    with fd.uow(read_only=True) as conn:
        return _with_shown(conn, dict(_row(conn, policies, name, "SLA policy")), fd)


def _policy_from(conn: UnitOfWork, name: str, config: dict) -> tuple[sla.SlaPolicy, dict]:
    """Parse a submitted policy (typed durations allowed) against the calendars that exist;
    every bad field is reported at once."""
    workday = durations.workday_length(_calendar_config(conn, config.get("calendar")))
    config, errors = policy_input.with_iso_durations(config, workday)
    try:
        policy = sla.SlaPolicy.from_dict({**config, "name": name})
    except Exception as exc:  # noqa: BLE001
        said = {e["field"] for e in errors}  # a typed duration already refused in words
        errors += [e for e in _problems(exc).errors if e["field"] not in said]
        policy = None
    calendar = config.get("calendar")
    if isinstance(calendar, str) and _calendar_config(conn, calendar) is None:
        errors.append(coded_field("calendar", "field.no_calendar", name=calendar))
    if errors or policy is None:
        fields = list(dict.fromkeys(e["field"] for e in errors))
        raise Invalid.of("sla.policy_invalid", errors, fields=fields)
    return policy, config


def _calendar_config(conn: UnitOfWork, name: object) -> dict | None:
    if not isinstance(name, str):
        return None
    row = conn.execute(select(calendars.c.config).where(calendars.c.name == name)).first()
    return None if row is None else row.config


def put_policy(fd: Flowdesk, user: Principal, name: str, config: dict,
               apply_to: str, whole: bool = True) -> dict:
    """Create or replace a policy; ``running`` applies its new duration and calendar to the
    clocks already armed under it (elapsed business time is kept). Replacing one needs the
    whole policy (``whole``), so that nothing left out is silently deleted."""
    require_role(user, "admin")
    now = fd.now()
    with fd.uow() as conn:
        exists = conn.execute(select(policies.c.id).where(policies.c.name == name)).first()
        if whole and exists is not None and policy_input.missing(config):
            left_out = policy_input.missing(config)
            raise Invalid.of("sla.put_missing", left_out, fields=[e["field"] for e in left_out])
        return _write_policy(conn, fd, user, name, config, apply_to, now)


def patch_policy(fd: Flowdesk, user: Principal, name: str, changes: dict,
                 apply_to: str) -> dict:
    """Change some fields of a policy (``warning`` and ``escalations`` as a whole); the rest
    stays as stored."""
    require_role(user, "admin")
    now = fd.now()
    with fd.uow() as conn:
        stored = dict(_row(conn, policies, name, "SLA policy")["config"])
        stored.pop("name", None)
        return _write_policy(conn, fd, user, name, policy_input.merged(stored, changes),
                             apply_to, now)


def _write_policy(conn: UnitOfWork, fd: Flowdesk, user: Principal, name: str, config: dict,
                  apply_to: str, now: datetime) -> dict:
    policy, _ = _policy_from(conn, name, config)
    old = _save(conn, policies, name, {"process_key": policy.process_key,
                                       "config": policy.to_dict(),
                                       "enabled": policy.enabled}, user, now)
    changed = 0
    if old is not None and apply_to == "running":
        change = retime.policy_change(conn, fd.sla, old["id"], policy, now)
        changed = retime.apply(conn, now, retime.plan(
            conn, fd.sla, now, change, retime.Overrides(policy=(old["id"], policy))))
    fd.sla.forget_policies()
    return _with_shown(conn, _saved(conn, policies, "sla_policy", name, old, user, now,
                                    apply_to, changed), fd)


def preview_policy(fd: Flowdesk, user: Principal, name: str, changes: dict,
                   whole: bool = False) -> dict:
    """What saving ``changes`` (a PATCH, or a whole policy) with ``apply_to: running`` would
    do to the running clocks, computed without writing anything."""
    require_role(user, "admin")
    now = fd.now()
    with fd.uow(read_only=True) as conn:
        row = _row(conn, policies, name, "SLA policy")
        stored = dict(row["config"])
        stored.pop("name", None)
        policy, _ = _policy_from(conn, name, changes if whole else
                                 policy_input.merged(stored, changes))
        change = retime.policy_change(conn, fd.sla, row["id"], policy, now)
        planned = retime.plan(conn, fd.sla, now, change,
                              retime.Overrides(policy=(row["id"], policy)))
        return what_if.summary(conn, planned, now)


def _with_shown(conn: UnitOfWork, row: dict, fd: Flowdesk) -> dict:
    """A policy row with its durations as people say them (``shown``) and the name of the
    task it targets (``target_name``: the latest version's, else None)."""
    workday = durations.workday_length(_calendar_config(conn, row["config"].get("calendar")))
    return {**row, "shown": policy_input.shown(row["config"], workday),
            "target_name": _task_name(conn, fd, row["process_key"], row["config"])}


def _task_name(conn: UnitOfWork, fd: Flowdesk, process_key: str, config: dict) -> str | None:
    if config.get("target") != "task" or not config.get("target_ref"):
        return None
    latest = conn.execute(q.LATEST_DEFINITION, {"key": process_key}).first()
    if latest is None:
        return None
    task = fd.parsed(conn, latest.id).user_tasks.get(config["target_ref"])
    return task.name if task is not None else None


def delete_policy(fd: Flowdesk, user: Principal, name: str) -> None:
    """Remove a policy: its armed clocks stop counting and nothing of it fires any more."""
    require_role(user, "admin")
    now = fd.now()
    with fd.uow() as conn:
        row = _row(conn, policies, name, "SLA policy")
        ids = [r.id for r in conn.execute(select(clocks.c.id, clocks.c.task_id)
                                          .where(clocks.c.policy_id == row["id"]))]
        tasks = {r.task_id for r in conn.execute(select(clocks.c.task_id).where(
            clocks.c.policy_id == row["id"], clocks.c.task_id.is_not(None)))}
        due_work.cancel_sla(conn, ids)
        conn.execute(policies.delete().where(policies.c.id == row["id"]))
        for task_id in tasks:
            conn.execute(q.tasks.update().where(q.tasks.c.id == task_id)
                         .values(due_at=None, sla_state=None))
            sync_task(conn, task_id)
        fd.sla.forget_policies()
        audit.record(conn, now, user.username, "sla_policy.deleted",
                     before={"name": name, "config": row["config"]},
                     after={"clocks_removed": len(ids)})


def seed(fd: Flowdesk, config: dict, actor: str) -> list[str]:
    """Create the calendars and policies a process folder ships (``sla.json``) that do not
    exist yet; an admin's later changes are never overwritten. Returns what was created."""
    admin = system(actor, "admin")
    created = []
    with fd.uow(read_only=True) as conn:
        have_calendars = {r.name for r in conn.execute(select(calendars.c.name))}
        have_policies = {r.name for r in conn.execute(select(policies.c.name))}
    for name, calendar in (config.get("calendars") or {}).items():
        if name not in have_calendars:
            put_calendar(fd, admin, name, calendar, "new")
            created.append(f"calendar {name}")
    for name, policy in (config.get("policies") or {}).items():
        if name not in have_policies:
            put_policy(fd, admin, name, policy, "new", whole=False)
            created.append(f"SLA policy {name}")
    return created
