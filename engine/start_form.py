"""A process's start form: the JSON schema a person fills to start a case by hand.

Declared like a user task's form: the ``formJsonSchemaFilename`` property (a
``spiffworkflow:property``) on the process's plain start event; or, by convention, the bundle's
``start.json``. Checked at deploy like every form (``parsing._load_forms``), and a declared
form that is not in the bundle is a problem with the start event's id and line.

``x-customer`` at the schema's root says whether a case of it is about a customer:
``"required"`` (the page asks for one; the API refuses intake data without one) or
``"optional"``; absent: the process has no customer.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .errors import FormInvalid, Problem
from .forms import validate_form
from .lint import NS, properties_of
from .problem_texts import problem

CONVENTION = "start.json"
CUSTOMER_KEY = "x-customer"


@dataclass(frozen=True)
class StartForm:
    """What starting a process by hand needs: whether it can be, and with which form."""

    manual: bool = False  # it has a plain start event (not only timer, message, signal starts)
    name: str | None = None
    schema: dict | None = None

    @property
    def customer(self) -> str | None:
        """``required``, ``optional`` or None (see the module docstring)."""
        value = (self.schema or {}).get(CUSTOMER_KEY)
        return value if value in ("required", "optional") else None


def plain_start_events(process: etree._Element) -> list[etree._Element]:
    """The process's start events without an event definition: the ones a person starts."""
    return [e for e in process.findall("bpmn:startEvent", NS)
            if not any(isinstance(c.tag, str) and c.tag.endswith("EventDefinition") for c in e)]


def read_start_form(roots: dict[str, etree._Element], key: str,
                    forms: dict[str, dict]) -> tuple[StartForm, list[Problem]]:
    """The start form of process ``key`` (forms by file name, already checked)."""
    for file, root in roots.items():
        for process in root.findall("bpmn:process", NS):
            if process.get("id") != key:
                continue
            starts = plain_start_events(process)
            for start in starts:
                declared = properties_of(start).get("formJsonSchemaFilename", "").strip()
                if not declared:
                    continue
                if declared not in forms:
                    return StartForm(bool(starts)), [problem(
                        "missing_form.start", start, file,
                        label=start.get("name") or start.get("id"), form=declared)]
                return StartForm(True, declared, forms[declared]), []
            if starts and CONVENTION in forms:
                return StartForm(True, CONVENTION, forms[CONVENTION]), []
            return StartForm(bool(starts)), []
    return StartForm(), []


def validate_start(form: StartForm, variables: dict, customer_given: bool) -> None:
    """Raise FormInvalid (as a task's form does, every field at once) when intake data does
    not satisfy the start form, or the form wants a customer and none is named."""
    if form.schema is None:
        return
    problems: list[dict] = []
    try:
        validate_form(form.schema, variables)
    except FormInvalid as exc:
        problems = list(exc.errors)
    if form.customer == "required" and not customer_given:
        problems.append({"field": "customer_id", "code": "customer_required", "params": {},
                         "label": "", "message": "'customer_id' is a required property"})
    if problems:
        raise FormInvalid(problems)
