"""A task in the request's language: the shipped models and forms are Chinese; another
language's words come from the definition's catalogue (engine/form_i18n.py). Chinese costs
nothing; another language reads the instance's definition id and the cached definition."""
from __future__ import annotations

from sqlalchemy import select

from engine.form_i18n import translate_task

from services.context import Flowdesk
from store.tables import ProcessInstance

INSTANCES = ProcessInstance.__table__


def in_language(fd: Flowdesk, task: dict, lang: str) -> dict:
    """``task`` (a task detail) with its name, instructions and form in ``lang``."""
    if lang == "zh" or not task.get("instance_id"):
        return task
    with fd.uow(read_only=True) as uow:
        definition_id = uow.scalar(select(INSTANCES.c.definition_id)
                                   .where(INSTANCES.c.id == task["instance_id"]))
        if definition_id is None:
            return task
        parsed = fd.parsed(uow, definition_id)
    catalogue = parsed.catalogues.get(lang)
    if not catalogue:
        return task
    info = parsed.user_tasks.get(task.get("bpmn_id", ""))
    return translate_task(task, catalogue, info.form_name if info else None)
