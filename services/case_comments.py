"""Comments on a case (or on one of its tasks), with ``@username`` mentions.

A comment lives in the audit trail alone (action ``case.commented``; the words and whom they
mention in ``after``): it is as durable and append-only as every other entry, the case page
shows it in the history, and, the action being notifiable (``services.notify.events``), its
mentions reach the people named through the notification fan-out as ``mentioned`` with no
statement of its own. Only existing, active users are mentioned, and never the author. Whoever
may open the case (``services.visibility``) may comment on it; the notification carries the
case number and task, never the words (a mentioned colleague who may not open the case learns
no more than that they were named).
"""
from __future__ import annotations

import re

from sqlalchemy import select

from services import audit
from services.context import Flowdesk
from services.errors import Invalid, NotFound, coded_field
from services.principal import Principal
from services.visibility import INSTANCES, TASKS, case_visible, refuse_case
from store.tables import User
from store.uow import UnitOfWork

USERS = User.__table__
ACTION = "case.commented"
MAX_TEXT = 2000
MAX_MENTIONS = 20
# ``@name`` not inside a word or an e-mail address (``li@example.com``); Chinese may touch it
# on either side (``请@agent2处理``). Trailing dots and dashes end a sentence, not the name.
MENTION = re.compile(r"(?<![A-Za-z0-9_.@-])@([A-Za-z0-9_][A-Za-z0-9_.-]*)")


def mentioned_names(text: str) -> list[str]:
    """The names after ``@`` in the text, once each, in the order written."""
    names = (match.rstrip(".-") for match in MENTION.findall(text))
    return list(dict.fromkeys(name for name in names if name))[:MAX_MENTIONS]


def comment(fd: Flowdesk, user: Principal, instance_id: int, text: str,
            task_id: int | None = None) -> dict:
    """Add ``user``'s comment to the case; returns it with the users it mentions."""
    text = text.strip()
    if not text:
        raise Invalid.of("case.comment_blank", [coded_field("text", "field.not_blank")])
    now = fd.now()
    with fd.uow() as uow:
        case_no = _case_no_if_visible(uow, user, instance_id)
        if task_id is not None and uow.scalar(select(TASKS.c.id).where(
                TASKS.c.id == task_id, TASKS.c.instance_id == instance_id)) is None:
            raise NotFound.of("task.not_found", task=task_id)
        mentions = _active_others(uow, mentioned_names(text), user.username)
        entry_id = audit.record(uow, now, user.username, ACTION, instance_id=instance_id,
                                task_id=task_id, after={"text": text, "mentions": mentions,
                                                        "case_no": case_no})
    return {"id": entry_id, "at": now, "actor": user.username, "instance_id": instance_id,
            "task_id": task_id, "text": text, "mentions": mentions}


def _case_no_if_visible(uow: UnitOfWork, user: Principal, instance_id: int) -> str | None:
    row = uow.execute(select(INSTANCES.c.case_no, case_visible(user).label("visible"))
                      .where(INSTANCES.c.id == instance_id)).first()
    if row is None:
        raise NotFound.of("instance.not_found", instance=instance_id)
    if not row.visible:
        raise refuse_case(user, instance_id)
    return row.case_no


def _active_others(uow: UnitOfWork, names: list[str], author: str) -> list[str]:
    """The names that are active users other than the author, in the order written."""
    wanted = [name for name in names if name != author]
    if not wanted:
        return []
    active = set(uow.execute(select(USERS.c.username).where(
        USERS.c.username.in_(wanted), USERS.c.active.is_(True))).scalars())
    return [name for name in wanted if name in active]
