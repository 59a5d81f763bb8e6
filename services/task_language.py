"""Tasks and startable processes in the request's language: the shipped models and forms are
Chinese; another language's words come from the definition's catalogue
(engine/form_i18n.py). Chinese costs nothing; another language reads the cached parsed
definition (no statement when it is cached: the task list's rows carry their definition id)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from engine.form_i18n import translate_form, translate_task

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


def names_in_language(fd: Flowdesk, rows: list[dict], lang: str) -> list[dict]:
    """Task-list rows (with ``definition_id``) with their task names in ``lang``; the
    definitions come from the cache, read once each on a miss."""
    if lang == "zh" or not rows:
        return rows
    catalogues: dict[int, dict] = {}
    with fd.uow(read_only=True) as uow:
        for definition_id in {r.get("definition_id") for r in rows} - {None}:
            catalogues[definition_id] = fd.parsed(uow, definition_id).catalogues.get(lang) or {}
    out = []
    for row in rows:
        words = (catalogues.get(row.get("definition_id")) or {}).get("tasks", {})
        name = (words.get(row.get("bpmn_id")) or {}).get("name")
        out.append({**row, "name": name} if isinstance(name, str) else row)
    return out


def _process_title(catalogue: dict | None) -> str | None:
    """The process's name in a catalogue, if it gives one."""
    title = ((catalogue or {}).get("process") or {}).get("name")
    return title if isinstance(title, str) and title else None


def process_names(fd: Flowdesk, definition_ids: Iterable[int], lang: str) -> dict[int, str]:
    """The process name in ``lang`` of each definition version whose catalogue has one (none
    for Chinese, the models' own words): the reports and admin pages show processes by it.
    The definitions come from the cache, read once each on a miss."""
    wanted = set(definition_ids)
    if lang == "zh" or not wanted:
        return {}
    names: dict[int, str] = {}
    with fd.uow(read_only=True) as uow:
        for definition_id in wanted:
            title = _process_title(fd.parsed(uow, definition_id).catalogues.get(lang))
            if title:
                names[definition_id] = title
    return names


def process_in_language(catalogue: dict | None, name: str, start_form: dict | None,
                        form_name: str | None) -> tuple[str, dict | None]:
    """A process's display name and start form (its file ``form_name``) in the catalogue's
    words."""
    if not catalogue:
        return name, start_form
    form = (translate_form(start_form, (catalogue.get("forms") or {}).get(form_name or ""))
            if isinstance(start_form, dict) else start_form)
    return _process_title(catalogue) or name, form
