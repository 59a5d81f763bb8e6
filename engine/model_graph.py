"""A bundle's diagram as a graph of element ids and sequence flows, and what a workflow has
walked of it: the path taken (element ids in order), the elements and flows visited.

Scenario coverage and a dry run speak in BPMN ids, as the diagram does; SpiffWorkflow records
tasks, not flows, so a flow counts as taken when the task of its target was reached from the
task of its source (the nearest ancestor in the task tree that is a BPMN element).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

from .task_tree import all_tasks
from .xml_safety import parse_untrusted

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# Tags that are flow nodes besides the ones ending in Task, Event or Gateway.
_NODES = {"task", "subProcess", "callActivity", "transaction"}
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# ``name =`` at the start of a script line: the variables a script sets.
_ASSIGNED = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)?=(?!=)", re.MULTILINE)
# A token reached the task: done, or standing there now.
REACHED = (TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED
           | TaskState.ERROR)


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str


@dataclass
class ModelGraph:
    """Flow nodes (id -> (tag, name)) and sequence flows of every process in a bundle."""

    elements: dict[str, tuple[str, str]] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    # variable -> the elements that set it (scripts, forms, multi-instance outputs, results)
    writers: dict[str, set[str]] = field(default_factory=dict)
    # multi-instance elements that collect no output (their instances' data is dropped)
    collects_nothing: set[str] = field(default_factory=set)

    def label(self, ident: str) -> str:
        """``rate_each (Rate the item)``: how a report names an element."""
        name = self.elements.get(ident, ("", ""))[1]
        return f"{ident} ({name})" if name else ident

    def end_events(self) -> set[str]:
        return {i for i, (tag, _) in self.elements.items() if tag == "endEvent"}

    def flow_between(self, source: str, target: str) -> str | None:
        return self._by_ends().get((source, target))

    def _by_ends(self) -> dict[tuple[str, str], str]:
        if not hasattr(self, "_ends"):
            self._ends = {(f.source, f.target): f.id for f in self.flows.values()}
        return self._ends


def _is_node(tag: str) -> bool:
    return tag in _NODES or tag.endswith(("Task", "Event", "Gateway"))


def read_graph(files: Mapping[str, bytes]) -> ModelGraph:
    """The graph of every ``.bpmn`` file of a bundle (all processes and subprocesses)."""
    graph = ModelGraph()
    for name, data in sorted(files.items()):
        if not name.lower().endswith(".bpmn"):
            continue
        root, _problems = parse_untrusted(data, name)  # deploying reports the problems
        if root is None:
            continue
        for node in root.iter(f"{{{BPMN_NS}}}*"):
            tag = etree.QName(node).localname
            ident = node.get("id")
            if not ident:
                continue
            if tag == "sequenceFlow":
                graph.flows[ident] = Flow(ident, node.get("sourceRef", ""),
                                          node.get("targetRef", ""))
            elif _is_node(tag):
                graph.elements[ident] = (tag, node.get("name") or "")
                _read_writes(graph, ident, node, files)
    return graph


def _read_writes(graph: ModelGraph, ident: str, node: Any, files: Mapping[str, bytes]) -> None:
    """Which variables the element sets, so a missing one can be traced to its element."""
    names: set[str] = set()
    for script in node.iter(f"{{{BPMN_NS}}}script", f"{{{SPIFF_NS}}}preScript",
                            f"{{{SPIFF_NS}}}postScript"):
        names |= set(_ASSIGNED.findall(script.text or ""))
    for operator in node.iter(f"{{{SPIFF_NS}}}serviceTaskOperator"):
        names.add(operator.get("resultVariable") or "")
    loop = node.find(f"{{{BPMN_NS}}}multiInstanceLoopCharacteristics")
    if loop is not None:
        output = loop.find(f"{{{BPMN_NS}}}loopDataOutputRef")
        if output is None or not (output.text or "").strip():
            graph.collects_nothing.add(ident)
        else:
            names.add(output.text.strip())
    for prop in node.iter(f"{{{SPIFF_NS}}}property"):
        if prop.get("name") == "formJsonSchemaFilename":
            names |= _form_fields(files, prop.get("value") or "")
    for name in names - {""}:
        graph.writers.setdefault(name, set()).add(ident)


def _form_fields(files: Mapping[str, bytes], form: str) -> set[str]:
    data = next((v for k, v in files.items() if k.rsplit("/", 1)[-1] == form), None)
    try:
        schema = json.loads(data) if data else {}
    except ValueError:
        return set()
    return set(schema.get("properties") or {}) if isinstance(schema, dict) else set()


def _bpmn_id(task: Any) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)


def path_taken(wf: BpmnWorkflow) -> list[str]:
    """Element ids of the completed tasks in the order they completed (a loop repeats)."""
    done = [t for t in all_tasks(wf) if t.state == TaskState.COMPLETED and _bpmn_id(t)]
    return [_bpmn_id(t) for t in sorted(done, key=lambda t: t.last_state_change)]


def visited(wf: BpmnWorkflow, graph: ModelGraph) -> tuple[set[str], set[str]]:
    """(element ids reached, sequence flow ids taken) so far. The source of a reached task was
    reached too, whatever its state now: a non-interrupting timer that fired is cancelled with
    its activity, yet its token went on. Likewise every branch that reached a join."""
    elements, flows = set(), set()
    for task in all_tasks(wf):
        ident = _bpmn_id(task)
        if not ident or not (task.state & REACHED or _joined(task)):
            continue
        elements.add(ident)
        source = _source_of(task)
        flow = graph.flow_between(source, ident) if source else None
        if flow:
            flows.add(flow)
            elements.add(source)
    return elements, flows


def _joined(task: Any) -> bool:
    """A branch's token that arrived at a parallel or inclusive join: the join goes on in the
    task of one branch and cancels the others' (their sources completed)."""
    return (isinstance(task.task_spec, Join) and task.state == TaskState.CANCELLED
            and task.parent is not None and task.parent.state == TaskState.COMPLETED)


def _source_of(task: Any) -> str | None:
    parent = task.parent
    while parent is not None and not _bpmn_id(parent):
        parent = parent.parent
    return _bpmn_id(parent) if parent is not None else None


def never_reached(graph: ModelGraph, elements: Iterable[str],
                  flows: Iterable[str]) -> tuple[list[str], list[str]]:
    """The element ids and flow ids of the graph not among those visited, sorted."""
    return (sorted(set(graph.elements) - set(elements)), sorted(set(graph.flows) - set(flows)))
