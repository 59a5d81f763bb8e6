"""Call activities that call their own process again, directly or through others.

SpiffWorkflow starts a called process as soon as its call activity is reached, so a process that
calls itself (or calls one that calls it back, or does so from inside an embedded subprocess)
nests new sub-workflows without end: one start request would spin until the step budget stops
it. Call activities name their process statically (``calledElement``) and must be in the same
deployment, so every such cycle is visible at deploy, where it is refused.
"""
from __future__ import annotations

from lxml import etree

from .errors import Problem
from .problem_texts import problem

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def _calls(bpmn_roots: dict[str, etree._Element]) -> dict[str, list[tuple[str, etree._Element]]]:
    """process id -> [(file, call activity element)] of every call activity inside it."""
    graph: dict[str, list[tuple[str, etree._Element]]] = {}
    for file, root in bpmn_roots.items():
        for process in root.iter(f"{{{BPMN}}}process"):
            graph.setdefault(process.get("id", ""), []).extend(
                (file, call) for call in process.iter(f"{{{BPMN}}}callActivity"))
    return graph


def _reaches(graph: dict[str, list[tuple[str, etree._Element]]], start: str, goal: str) -> bool:
    """Whether the process ``start`` calls ``goal``, at any distance (or is it)."""
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        if current == goal:
            return True
        if current in seen:
            continue
        seen.add(current)
        todo.extend(call.get("calledElement", "") for _, call in graph.get(current, []))
    return False


def lint_recursive_calls(bpmn_roots: dict[str, etree._Element]) -> list[Problem]:
    """One problem per call activity that leads back to the process containing it."""
    graph = _calls(bpmn_roots)
    problems = []
    for process_id, calls in graph.items():
        for file, call in calls:
            called = call.get("calledElement", "")
            if called in graph and _reaches(graph, called, process_id):
                how = ("recursive_call.itself" if called == process_id
                       else "recursive_call.through")
                problems.append(problem("recursive_call", call, file, how=how, called=called,
                                        process=process_id,
                                        label=call.get("name") or call.get("id")))
    return problems
