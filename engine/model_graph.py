"""A bundle's diagram as a graph of element ids and sequence flows, and what a workflow has
walked of it: the path taken (element ids in order), the elements and flows visited.

Scenario coverage and a dry run speak in BPMN ids, as the diagram does; SpiffWorkflow records
tasks, not flows, so a flow counts as taken when the task of its target was reached from the
task of its source (the nearest ancestor in the task tree that is a BPMN element).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .task_tree import all_tasks
from .xml_safety import parse_untrusted

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# Tags that are flow nodes besides the ones ending in Task, Event or Gateway.
_NODES = {"task", "subProcess", "callActivity", "transaction"}
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
    return graph


def _bpmn_id(task: Any) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)


def path_taken(wf: BpmnWorkflow) -> list[str]:
    """Element ids of the completed tasks in the order they completed (a loop repeats)."""
    done = [t for t in all_tasks(wf) if t.state == TaskState.COMPLETED and _bpmn_id(t)]
    return [_bpmn_id(t) for t in sorted(done, key=lambda t: t.last_state_change)]


def visited(wf: BpmnWorkflow, graph: ModelGraph) -> tuple[set[str], set[str]]:
    """(element ids reached, sequence flow ids taken) so far."""
    elements, flows = set(), set()
    for task in all_tasks(wf):
        ident = _bpmn_id(task)
        if not ident or not task.state & REACHED:
            continue
        elements.add(ident)
        source = _source_of(task)
        flow = graph.flow_between(source, ident) if source else None
        if flow:
            flows.add(flow)
    return elements, flows


def _source_of(task: Any) -> str | None:
    parent = task.parent
    while parent is not None and not _bpmn_id(parent):
        parent = parent.parent
    return _bpmn_id(parent) if parent is not None else None


def never_reached(graph: ModelGraph, elements: Iterable[str],
                  flows: Iterable[str]) -> tuple[list[str], list[str]]:
    """The element ids and flow ids of the graph not among those visited, sorted."""
    return (sorted(set(graph.elements) - set(elements)), sorted(set(graph.flows) - set(flows)))
