"""Flowdesk's own model rules, checked on the raw XML before Spiff sees it.

Spiff's parser and the XSD accept models that only fail later, at run time, in front of staff
(an unquoted ``PT1H`` timer, G8; a user task nobody can see; a decision that does not exist).
Each rule here reports the element id, the line and a sentence a modeller understands.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .durations import DurationInvalid, to_iso
from .errors import Problem
from .lint_references import lint_references
from .lint_unsupported import lint_unsupported
from .problem_texts import CATALOGUE, problem

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiff": SPIFF}

_ISO_LIKE = re.compile(r"^(R\d*/)?(P[0-9TYMWDHS.,]+|\d{4}-\d{2}-\d{2}[T ]?[\d:.+\-Z]*)(/.*)?$")
ASSIGNMENT_PROPERTIES = ("assignee", "assigneeVariable", "candidateGroups",
                         "candidateGroupsVariable")


def properties_of(element: etree._Element) -> dict[str, str]:
    """The ``spiffworkflow:properties`` of a flow node as a plain dict."""
    found = element.findall("bpmn:extensionElements/spiff:properties/spiff:property", NS)
    return {p.get("name", ""): p.get("value", "") for p in found}


def executable_process_ids(root: etree._Element) -> list[str]:
    return [p.get("id", "") for p in root.findall("bpmn:process", NS)
            if p.get("isExecutable", "false").lower() == "true"]


def lint_bpmn(root: etree._Element, file: str, decision_ids: set[str], process_ids: set[str],
              form_names: set[str]) -> list[Problem]:
    """Every rule, over one BPMN document; returns all problems found."""
    problems: list[Problem] = []
    processes = root.findall("bpmn:process", NS)
    if not processes:
        return [problem("no_process", None, file, line=root.sourceline)]
    for process in processes:
        problems += _lint_user_tasks(process, file, form_names)
        problems += _lint_reserved_ids(process, file)
    problems += _lint_timers(root, file)
    problems += _lint_decisions(root, file, decision_ids)
    problems += _lint_call_activities(root, file, process_ids)
    problems += _lint_scripts(root, file)
    problems += _lint_service_tasks(root, file)
    problems += lint_unsupported(root, file)
    problems += lint_references(root, file)
    return problems


# SpiffWorkflow names its own task specs in every process and embedded subprocess ``Start``,
# ``End`` and ``<process id>.EndJoin``: a model element with one of those ids replaces Spiff's
# own and the instance cannot start (or never ends).
SPIFF_TASK_IDS = ("Start", "End")


def _lint_reserved_ids(process: etree._Element, file: str) -> list[Problem]:
    """Ids that collide with SpiffWorkflow's internal task specs are refused at deploy."""
    containers = [process, *process.iter(f"{{{BPMN}}}subProcess")]
    reserved = {*SPIFF_TASK_IDS, *(f"{c.get('id', '')}.EndJoin" for c in containers)}
    return [problem("reserved_id", element, file, id=element.get("id"))
            for element in process.iter() if element.get("id") in reserved]


def _lint_service_tasks(root: etree._Element, file: str) -> list[Problem]:
    """A service task is either an external task (a topic workers fetch it by) or a request
    to the host for an operation Flowdesk provides."""
    from .external_tasks import CAMUNDA, NotExternal, external_source  # local: lint alone
    from .host_actions import check_model
    problems = [problem("invalid_service_task.not_service", el, file, label=_label(el))
                for el in root.iter() if isinstance(el.tag, str)
                and el.get(f"{{{CAMUNDA}}}type") and el.tag != f"{{{BPMN}}}serviceTask"]
    for task in root.iter(f"{{{BPMN}}}serviceTask"):
        label = _label(task)
        operator = task.find("bpmn:extensionElements/spiff:serviceTaskOperator", NS)
        try:  # a Camunda external task; an operator's parameters are checked below
            if external_source(task) is not None and operator is None:
                continue
        except NotExternal as exc:
            problems.append(problem("invalid_service_task.detail", task, file, label=label,
                                    detail=str(exc)))
            continue
        if operator is None:
            problems.append(problem("invalid_service_task.no_operation", task, file,
                                    label=label))
            continue
        expressions = {p.get("id", ""): p.get("value", "") for p in operator.iterfind(
            "spiff:parameters/spiff:parameter", NS)}
        problems += [problem("invalid_service_task.detail", task, file, label=label,
                             detail=reason)
                     for reason in check_model(operator.get("id", ""), expressions)]
    return problems


# Tasks that wait for a person in Flowdesk (SpiffWorkflow runs a plain task like a manual one).
HUMAN_TASKS = ("userTask", "manualTask", "task")


def _label(element: etree._Element) -> str:
    """What a sentence calls an element: its name, else its id."""
    return element.get("name") or element.get("id") or ""


def _in_lane(task: etree._Element, laned: set[str]) -> bool:
    """In a lane itself, or inside a subprocess that is (its tasks take its lane)."""
    node: etree._Element | None = task
    while node is not None:
        if node.get("id") in laned:
            return True
        node = node.getparent()
    return False


def _lint_user_tasks(process: etree._Element, file: str, form_names: set[str]) -> list[Problem]:
    laned = {ref.text.strip() for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS)
             if ref.text}
    problems = []
    for task in (t for kind in HUMAN_TASKS for t in process.iter(f"{{{BPMN}}}{kind}")):
        props = properties_of(task)
        label = _label(task)
        if not _in_lane(task, laned) and not any(props.get(p) for p in ASSIGNMENT_PROPERTIES):
            problems.append(problem("unassigned_user_task", task, file, label=label,
                                    kind=etree.QName(task).localname))
        form = props.get("formJsonSchemaFilename")
        if form and form not in form_names:
            problems.append(problem("missing_form", task, file, label=label, form=form))
    return problems


def _lint_timers(root: etree._Element, file: str) -> list[Problem]:
    problems = []
    for definition in root.iterfind(".//bpmn:timerEventDefinition", NS):
        event = definition.getparent()
        if not any(definition.find(f"bpmn:{kind}", NS) is not None
                   for kind in ("timeDate", "timeDuration", "timeCycle")):
            problems.append(problem("invalid_timer", event, file, label=_label(event),
                                    reason="timer.none"))
        for kind in ("timeDate", "timeDuration", "timeCycle"):
            node = definition.find(f"bpmn:{kind}", NS)
            if node is None:
                continue
            found = timer_problem((node.text or "").strip(), kind)
            if found:
                problems.append(problem("invalid_timer", event, file, line=node.sourceline,
                                        label=_label(event), reason=found[0], **found[1]))
    return problems


def check_timer_expression(expr: str, kind: str) -> str | None:
    """Why a timer expression would fail at run time (in English), or None if it is fine."""
    found = timer_problem(expr, kind)
    return CATALOGUE.render(found[0], found[1], "en") if found else None


def timer_problem(expr: str, kind: str) -> tuple[str, dict[str, str]] | None:
    """Why a timer expression would fail at run time, as a key of engine.problem_texts and
    its parameters, or None if it is fine (G8)."""
    if not expr:
        return "timer.empty", {"kind": kind}
    if _ISO_LIKE.match(expr):
        return "timer.unquoted", {"kind": kind, "expr": expr}
    from .scripting import SandboxEnvironment  # local: scripting imports nothing from here
    try:
        value = SandboxEnvironment().evaluate(expr, {})
    except NameError:
        return None  # reads process data (e.g. a per-case SLA); checked when it is armed
    except Exception as exc:  # noqa: BLE001 - any failure is the modeller's to fix
        return "timer.unevaluable", {"kind": kind, "expr": repr(expr), "detail": str(exc)}
    if isinstance(value, (datetime, timedelta)):
        return None
    if not isinstance(value, str):
        return "timer.not_string", {"kind": kind, "type": type(value).__name__}
    try:
        if kind == "timeDate":
            TimerEventDefinition.get_datetime(value)
        elif kind == "timeDuration":
            TimerEventDefinition.parse_time_or_duration(value)
        else:
            TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception:  # noqa: BLE001 - Spiff raises assorted errors for malformed ISO text
        iso = _iso_for_words(value) if kind == "timeDuration" else None
        if iso is not None:  # "4 小时", as SLA policies take it: say how a timer writes it
            return "timer.words", {"kind": kind, "value": value, "iso": iso}
        return "timer.not_iso", {"kind": kind, "value": value}
    return None


def _lint_decisions(root: etree._Element, file: str, decision_ids: set[str]) -> list[Problem]:
    problems = []
    for task in root.iterfind(".//bpmn:businessRuleTask", NS):
        ref = task.find("bpmn:extensionElements/spiff:calledDecisionId", NS)
        decision = (ref.text or "").strip() if ref is not None else ""
        if not decision:
            problems.append(problem("missing_decision.unnamed", task, file, label=_label(task)))
        elif decision not in decision_ids:
            problems.append(problem("missing_decision.unknown", task, file, label=_label(task),
                                    decision=decision))
    return problems


def _lint_call_activities(root: etree._Element, file: str, process_ids: set[str]) -> list[Problem]:
    return [problem("missing_process", c, file, label=_label(c), process=c.get("calledElement"))
            if c.get("calledElement") else problem("call_unnamed", c, file, label=_label(c))
            for c in root.iterfind(".//bpmn:callActivity", NS)
            if c.get("calledElement") not in process_ids]


def _lint_scripts(root: etree._Element, file: str) -> list[Problem]:
    """Compile every script and condition in the sandbox so syntax and forbidden names fail now."""
    problems = []
    checks: list[tuple[etree._Element, etree._Element, str]] = []
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        cond = flow.find("bpmn:conditionExpression", NS)
        if cond is not None and (cond.text or "").strip():
            checks.append((flow, cond, "eval"))
    for task in root.iterfind(".//bpmn:scriptTask", NS):
        script = task.find("bpmn:script", NS)
        if script is not None and (script.text or "").strip():
            checks.append((task, script, "exec"))
    for tag in ("preScript", "postScript"):
        for script in root.iterfind(f".//spiff:{tag}", NS):
            owner = script.getparent().getparent()
            if (script.text or "").strip():
                checks.append((owner, script, "exec"))
    for owner, node, mode in checks:
        source = (node.text or "").strip()
        rejected = _script_rejection(source, mode)
        if rejected:
            problems.append(problem("invalid_script", owner, file, line=node.sourceline,
                                    kind="condition" if mode == "eval" else "script",
                                    label=_label(owner), **rejected))
    return problems


def _script_rejection(source: str, mode: str) -> dict[str, str] | None:
    """The sandbox's own compile-time verdict (imports, classes, ``_`` names, syntax): the
    script's line and the sandbox's words."""
    from .scripting import ForbiddenScript, check_script
    try:
        check_script(source, mode)
    except ForbiddenScript as exc:
        return {"at": str(exc.line_number), "detail": exc.msg}
    return None


def _iso_for_words(value: str) -> str | None:
    """The ISO 8601 form of a duration typed in words (``4 小时`` → ``PT4H``), if it is one."""
    try:
        iso = to_iso(value)
    except (DurationInvalid, ValueError):
        return None
    return iso if iso != value else None
