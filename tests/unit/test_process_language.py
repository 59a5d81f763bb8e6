"""The shipped processes speak Chinese, entirely: form titles, help texts, option titles, task
names and task instructions carry no English sentences and no raw codes (``product =``,
variable names such as ``payment_note``). English lives only in each process's
``i18n/en.json`` catalogue, and every entry of a catalogue names something that exists (a
user task, a form, a field, an option value), so a renamed field cannot leave English behind
that silently stops applying."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterator

import pytest

from engine.form_i18n import translate_form
from tests.conftest import PROCESSES

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
FOLDERS = sorted(p for p in PROCESSES.iterdir() if (p / "forms").is_dir())
RAW_CODE = re.compile(r"\b[a-z_]+ =")  # "regulator = 工商…"
VARIABLE = re.compile(r"(?<![A-Za-z0-9_./])[a-z]+_[a-z0-9_]+")  # "payment_note"
ENGLISH = re.compile(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}")  # three English words in a row


def _texts(schema: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every title and description of a form, with where it is."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("title", "description") and isinstance(value, str):
                yield f"{where}/{key}", value
            else:
                yield from _texts(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _texts(value, f"{where}/{index}")


def _user_tasks(folder: Path) -> dict[str, tuple[str, str]]:
    """User task id → (name, instructions) over the folder's models."""
    found = {}
    for model in folder.glob("*.bpmn"):
        for task in ET.parse(model).iter(f"{BPMN}userTask"):
            doc = task.find(f"{BPMN}documentation")
            found[task.get("id", "")] = (task.get("name", ""),
                                         doc.text or "" if doc is not None else "")
    return found


def _forms(folder: Path) -> dict[str, dict]:
    return {f.name: json.loads(f.read_text("utf-8")) for f in (folder / "forms").glob("*.json")}


def _unreadable(text: str) -> list[str]:
    return [pattern.pattern for pattern in (RAW_CODE, VARIABLE, ENGLISH) if pattern.search(text)]


def test_every_shipped_process_is_checked() -> None:
    assert {f.name for f in FOLDERS} >= {
        "after-sales", "approvals", "complaint-handling", "customer-care", "monthly-callback",
        "negative-review", "service-notification", "shift-handover"}


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_forms_speak_chinese_with_labels_not_codes(folder: Path) -> None:
    bad = [(name, where, text) for name, schema in _forms(folder).items()
           for where, text in _texts(schema) if _unreadable(text)]
    assert bad == []


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_task_names_and_instructions_speak_chinese(folder: Path) -> None:
    tasks = _user_tasks(folder)
    assert tasks
    bad = [(task_id, text) for task_id, (name, doc) in tasks.items()
           for text in (name, doc) if _unreadable(text)]
    assert bad == []
    assert [t for t, (name, _doc) in tasks.items() if not name.strip()] == []


def _options(schema: dict) -> set[str]:
    values = {str(v) for v in schema.get("enum", [])}
    for choice in schema.get("oneOf", []) + schema.get("anyOf", []):
        if isinstance(choice, dict) and "const" in choice:
            values.add(str(choice["const"]))
    if isinstance(schema.get("items"), dict):
        values |= _options(schema["items"])
    return values


def _dangling(schema: dict, words: dict, where: str) -> Iterator[str]:
    """Catalogue entries under ``where`` that name no field or option of ``schema``."""
    assert set(words) <= {"title", "description", "options", "properties", "items"}, where
    unknown = set(words.get("options") or {}) - _options(schema)
    yield from (f"{where}/options/{value}" for value in sorted(unknown))
    properties = dict(schema.get("properties") or {})
    for branch in schema.get("allOf", []):
        for part in ("then", "else"):
            for name, sub in ((branch.get(part) or {}).get("properties") or {}).items():
                properties.setdefault(name, sub)
    for name, sub in (words.get("properties") or {}).items():
        if name not in properties:
            yield f"{where}/properties/{name}"
        else:
            yield from _dangling(properties[name], sub, f"{where}/properties/{name}")
    if isinstance(words.get("items"), dict):
        yield from _dangling(schema.get("items") or {}, words["items"], f"{where}/items")


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_the_english_catalogue_names_only_what_exists(folder: Path) -> None:
    catalogue = json.loads((folder / "i18n" / "en.json").read_text("utf-8"))
    assert set(catalogue) <= {"tasks", "forms", "process"}
    tasks, forms = _user_tasks(folder), _forms(folder)
    assert sorted(set(catalogue.get("tasks", {})) - set(tasks)) == []
    assert sorted(set(catalogue.get("forms", {})) - set(forms)) == []
    for task_id, words in catalogue.get("tasks", {}).items():
        assert set(words) <= {"name", "documentation"}, task_id
    dangling = [d for name, words in catalogue.get("forms", {}).items()
                for d in _dangling(forms[name], words, name)]
    assert dangling == []


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_the_english_catalogue_covers_every_task_and_form_title(folder: Path) -> None:
    """Each user task has an English name and each form an English title, so an English
    page never shows a Chinese heading."""
    catalogue = json.loads((folder / "i18n" / "en.json").read_text("utf-8"))
    tasks = catalogue.get("tasks", {})
    assert sorted(t for t in _user_tasks(folder) if not tasks.get(t, {}).get("name")) == []
    forms = catalogue.get("forms", {})
    untitled = sorted(name for name, schema in _forms(folder).items()
                      if translate_form(schema, forms.get(name)).get("title") == schema.get("title"))
    assert untitled == []
