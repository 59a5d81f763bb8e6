"""Fan-out: turn the audit trail's pending notifiable rows into outbox rows.

Reads pending ``audit_log`` rows, finds who is concerned, writes one ``notifications`` row per
(recipient, channel) and marks the audit rows done: an event is fanned out once or not at all.
On PostgreSQL the rows are claimed (``FOR UPDATE SKIP LOCKED``: nodes share the work) and all
of it is one transaction; requests never wait for those row locks. SQLite has one write lock
for the whole file, so there the working out happens in a read transaction and only the
writing takes the lock, in a short transaction that marks done only the rows still pending
(a row another process fanned out meanwhile is left to it).

Who is concerned (decided here, documented in the README):
* a task opened for someone, or assigned, delegated or given back (a delegation resolved) to
  someone by another person: that person;
* a task opened in a group's queue: the group's active members, and the group's subscriptions;
* SLA warnings, breaches and escalations: whom the policy names (a user, a group's members,
  ``admins``); breaches and escalations also the supervisors (role ``supervisor``) of the
  task's groups, or every supervisor when none is a member; a hand escalation likewise;
* incidents: the admins;
* a comment on a case (``services.case_comments``): the active users it mentions.
Nobody is told of what they did themselves, nor of a task their own action opened (the
person whose completion or start opened it, ``by`` in the audit row, ``services.audit``).
In-app rows are delivered on writing (state sent).
A message carries the case number, task, group, due time and a link, never customer data
(which only the case page shows, masked for staff who do not work the case).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select

from services.audit import SYSTEM_ACTORS
from services.context import Flowdesk
from services.notify import quiet_hours
from services.notify.events import ACTIONS, URGENT_KINDS
from services.notify.subscriptions import DEFAULT_IN_APP, active_for
from services.plain_json import json_safe
from store import queries as q
from store.tables import AuditEntry, Group, Notification, User, UserGroup
from store.uow import UnitOfWork

trail = AuditEntry.__table__
outbox = Notification.__table__
USERS, GROUPS, LINKS = User.__table__, Group.__table__, UserGroup.__table__
# Audit rows read per batch. Each batch reads who is who and the subscriptions once, but works
# them out holding the GIL: 500 a batch made a request wait up to 15 ms, 100 a batch up to
# about 9 ms at the same rate (bench/bench_api.py). The ticker pauses between batches.
BATCH = 100
# Outbox rows per write transaction on SQLite, whose one write lock the requests wait for.
WRITE_ROWS = 500

PENDING = (select(trail.c.id, trail.c.action, trail.c.actor, trail.c.at, trail.c.instance_id,
                  trail.c.task_id, trail.c.after)
           .where(trail.c.notify == "pending").order_by(trail.c.id))
CLAIM = PENDING.with_for_update(skip_locked=True)
MARK_DONE = (trail.update().where(trail.c.id.in_(bindparam("ids", expanding=True)),
                                  trail.c.notify == "pending")
             .values(notify="done").returning(trail.c.id))
# What a message says about its task: not its data or form (customer data, and large).
TASK = select(q.tasks.c.id, q.tasks.c.name, q.tasks.c.business_key, q.tasks.c.candidate_group,
              q.tasks.c.escalation_group, q.tasks.c.assignee, q.tasks.c.due_at,
              q.tasks.c.process_key)

SUBJECTS = {
    "zh": {"assigned_to_me": "任务「{task}」已指派给你", "group_queue": "「{group}」有新任务「{task}」",
           "sla_warning": "任务「{task}」即将超时", "sla_breach": "任务「{task}」已超时",
           "escalation": "任务「{task}」已升级", "incident": "流程实例 {instance_id} 出错",
           "mentioned": "有人在「{task}」中提到了你"},
    "en": {"assigned_to_me": "Task '{task}' was assigned to you",
           "group_queue": "New task '{task}' in {group}", "sla_warning": "Task '{task}' is due soon",
           "sla_breach": "Task '{task}' is overdue", "escalation": "Task '{task}' was escalated",
           "incident": "Instance {instance_id} stopped in error",
           "mentioned": "You were mentioned in '{task}'"},
}


class _People:
    """Who is who, read once per batch."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.roles: dict[str, set[str]] = {}
        self.members: dict[str, set[str]] = {}
        for name, roles in uow.execute(select(USERS.c.username, USERS.c.roles)
                                       .where(USERS.c.active.is_(True))):
            self.roles[name] = {r.strip() for r in (roles or "").split(",") if r.strip()}
        for name, group in uow.execute(
                select(USERS.c.username, GROUPS.c.name)
                .join(LINKS, LINKS.c.user_id == USERS.c.id)
                .join(GROUPS, GROUPS.c.id == LINKS.c.group_id)
                .where(USERS.c.active.is_(True))):
            self.members.setdefault(group, set()).add(name)

    def with_role(self, role: str) -> set[str]:
        return {u for u, roles in self.roles.items() if role in roles}

    def supervisors_of(self, groups: list[str]) -> set[str]:
        everyone = self.with_role("supervisor")
        near = {u for g in groups for u in self.members.get(g, ())} & everyone
        return near or everyone

    def expand(self, name: str) -> tuple[set[str], set[str]]:
        """A name a policy uses: a user, a group (its members), or ``admins``."""
        if name == "admins":
            return self.with_role("admin"), set()
        if name in self.roles:
            return {name}, set()
        return set(self.members.get(name, ())), {name}


def fan_out_all(fd: Flowdesk, limit: int = BATCH,
                between_batches: Callable[[], None] | None = None) -> int:
    """Fan out batch after batch until nothing is pending; returns the outbox rows written.
    ``between_batches`` runs after each full batch (the ticker lets requests in there)."""
    total = 0
    while True:
        seen, written = fan_out(fd, limit)
        total += written
        if seen < limit:
            return total
        if between_batches is not None:
            between_batches()


def fan_out(fd: Flowdesk, limit: int = BATCH) -> tuple[int, int]:
    """Fan out one batch of pending audit rows: (audit rows read, outbox rows written)."""
    if fd.engine.dialect.name == "postgresql":
        with fd.uow() as uow:
            events = _work_out(uow, fd, CLAIM.limit(limit))
            return len(events), _write(uow, events)
    with fd.uow(read_only=True) as uow:
        events = _work_out(uow, fd, PENDING.limit(limit))
    written = 0
    for chunk in _chunks(events, WRITE_ROWS):
        with fd.uow() as uow:
            written += _write(uow, chunk)
    return len(events), written


Event = tuple[int, list[dict]]  # an audit row's id and the outbox rows it makes


def _work_out(uow: UnitOfWork, fd: Flowdesk, pending: Select) -> list[Event]:
    """The pending rows, each with the outbox rows it makes."""
    now = fd.now()
    rows = uow.execute(pending).mappings().all()
    if not rows:
        return []
    people = _People(uow)
    task_ids = {r["task_id"] for r in rows if r["task_id"] is not None}
    tasks = {t["id"]: dict(t) for t in uow.execute(
        TASK.where(q.tasks.c.id.in_(task_ids))).mappings()} if task_ids else {}
    concerned = [(row, *_concerned(row, tasks.get(row["task_id"]), people)) for row in rows]
    subs = active_for(uow, {u for _, _, users, _ in concerned for u in users},
                      {g for _, _, _, groups in concerned for g in groups})
    return [(row["id"], [] if kind is None else _outbox_rows(
                uow, fd, row, kind, users, groups, tasks.get(row["task_id"]), subs, now,
                people))
            for row, kind, users, groups in concerned]


def _chunks(events: list[Event], most: int) -> Iterator[list[Event]]:
    """Consecutive events with at most ``most`` outbox rows together (or one event)."""
    chunk: list[Event] = []
    size = 0
    for event in events:
        if chunk and size + len(event[1]) > most:
            yield chunk
            chunk, size = [], 0
        chunk.append(event)
        size += len(event[1])
    if chunk:
        yield chunk


def _write(uow: UnitOfWork, events: list[Event]) -> int:
    """Mark the events done and write the outbox rows of those that were still pending."""
    done = set(uow.execute(MARK_DONE, {"ids": [audit_id for audit_id, _ in events]}).scalars())
    mine = [row for audit_id, rows in events if audit_id in done for row in rows]
    if mine:
        uow.execute(outbox.insert(), mine)
    return len(mine)


def _concerned(row: Any, task: dict | None,
               people: _People) -> tuple[str | None, set[str], set[str]]:
    """(event kind, users, groups whose own subscriptions apply)."""
    action, after = row["action"], row["after"] or {}
    task_groups = [g for g in ((task or {}).get("candidate_group"),
                               (task or {}).get("escalation_group")) if g]
    kind: str | None = None
    users: set[str] = set()
    groups: set[str] = set()
    if action == "task.opened":
        if after.get("assignee"):
            kind, users = "assigned_to_me", {after["assignee"]}
        elif after.get("group"):
            kind, groups = "group_queue", {after["group"]}
            users = set(people.members.get(after["group"], ()))
    elif action in ("task.assigned", "task.delegated", "task.resolved") and after.get("assignee"):
        kind, users = "assigned_to_me", {after["assignee"]}
    elif action == "task.escalated":
        kind, users, groups = "escalation", people.supervisors_of(task_groups), set(task_groups)
    elif action.startswith("sla."):
        kind = ACTIONS[action][0]
        for note in after.get("actions") or []:
            if note.get("type") == "notify" and note.get("to"):
                more_users, more_groups = people.expand(note["to"])
                users |= more_users
                groups |= more_groups
            elif note.get("type") == "reassign" and note.get("applied"):
                users.add(note["user"])  # the task is now theirs
        if kind in ("sla_breach", "escalation"):
            users |= people.supervisors_of(task_groups)
    elif action == "instance.incident":
        kind, users = "incident", people.with_role("admin")
    elif action == "case.commented":
        kind, users = "mentioned", set(after.get("mentions") or [])
    if row["actor"] not in SYSTEM_ACTORS:
        users.discard(row["actor"])
    users.discard(after.get("by"))
    return kind, {u for u in users if u in people.roles}, groups


def _outbox_rows(uow: UnitOfWork, fd: Flowdesk, row: Any, kind: str, users: set[str],
                 groups: set[str], task: dict | None, subs: list[dict],
                 now: datetime, people: _People) -> list[dict]:
    group_subs = [(group, s) for group in sorted(groups) for s in subs
                  if s["owner_kind"] == "group" and s["owner"] == group
                  and s["channel"] != "in_app" and kind in s["events"]]
    if not users and not group_subs:
        return []  # nobody to tell (the one member opened it): no message to make
    context = _context(row, kind, task)
    urgent = kind in URGENT_KINDS
    base = {"created_at": now, "kind": kind, "instance_id": row["instance_id"],
            "task_id": row["task_id"], "body": context, "urgent": urgent, "attempts": 0,
            "audit_id": row["id"], "read_at": None, "last_error": None}
    out = []
    for user in sorted(users):
        own = [s for s in subs if s["owner_kind"] == "user" and s["owner"] == user]
        in_app = [s for s in own if s["channel"] == "in_app"]
        wants_in_app = (any(kind in s["events"] for s in in_app) if in_app
                        else kind in DEFAULT_IN_APP)
        if wants_in_app:
            out.append({**base, "recipient": user, "channel": "in_app", "target": None,
                        "state": "sent", "sent_at": now, "next_attempt_at": None,
                        "digest_key": None, "lang": "zh", "subject": _subject("zh", kind, context)})
        guarded = "admin" not in people.roles.get(user, ())  # services.notify.channel_webhook
        out += [_external(uow, fd, base, s, user, context, now, guarded) for s in own
                if s["channel"] != "in_app" and kind in s["events"]]
    out += [_external(uow, fd, base, s, f"group:{group}", context, now) for group, s in group_subs]
    return out


def _external(uow: UnitOfWork, fd: Flowdesk, base: dict, sub: dict, recipient: str,
              context: dict, now: datetime, guarded: bool = False) -> dict:
    """An outbox row for a subscription; ``guarded``: a non-admin's own, whose webhook may not
    reach inside the network (checked again when sent: names resolve then)."""
    state, at, digest = quiet_hours.when(uow, fd, sub, now, base["urgent"])
    target = {**sub["target"], "subscription": sub["id"],
              **({"guarded": True} if guarded else {})}
    return {**base, "recipient": recipient, "channel": sub["channel"],
            "target": target, "state": state,
            "sent_at": None, "next_attempt_at": at, "digest_key": digest, "lang": sub["lang"],
            "subject": _subject(sub["lang"], base["kind"], context)}


def _context(row: Any, kind: str, task: dict | None) -> dict:
    """What templates get (``services.notify.templates``): the case number, the task, its group
    and due time, the instance (the case page's link is made from it with the base URL). A
    comment's words stay on the case page, behind its visibility rule."""
    after = {k: v for k, v in (row["after"] or {}).items() if k != "text"}
    context = {"event": kind, "action": row["action"], "actor": row["actor"], "at": row["at"],
               "instance_id": row["instance_id"], "task_id": row["task_id"],
               "case_no": after.get("case_no"),
               "reason": after.get("escalation_reason") or after.get("message"),
               "level": after.get("level"), "details": after}
    if task is not None:
        context.update(task_name=task["name"], case_no=task["business_key"],
                       group=task["candidate_group"], assignee=task["assignee"],
                       due_at=task["due_at"], process_key=task["process_key"])
    return json_safe(context)


def _subject(lang: str, kind: str, context: dict) -> str:
    values = {"task": context.get("task_name") or context.get("case_no") or "", "group": context.get("group") or "",
              "instance_id": context.get("instance_id")}
    return SUBJECTS.get(lang, SUBJECTS["zh"])[kind].format(**values)[:300]
