"""Where a missing variable should have come from: a failed ``expect`` names the element that
sets it (and whether the case got there) or, when nothing sets it, a multi-instance element on
the path that collects no output, and where the case stands. A designer reads the element to
fix in the failure itself, not in the path below it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from engine.model_graph import ModelGraph
from services.scenarios.expect import MISSING, Mismatch

if TYPE_CHECKING:
    from services.scenarios.session import ScenarioState

PREFIX = "variables."


def explain(mismatches: list[Mismatch], graph: ModelGraph,
            state: ScenarioState) -> list[Mismatch]:
    """The mismatches, a missing top-level variable's with ``where`` filled in."""
    out = []
    for m in mismatches:
        name = m.what.removeprefix(PREFIX)
        if m.what.startswith(PREFIX) and "." not in name and m.got == MISSING:
            m = Mismatch(m.what, m.expected, m.got, where_missing(graph, name, state))
        out.append(m)
    return out


def where_missing(graph: ModelGraph, name: str, state: ScenarioState) -> str:
    writers = sorted(graph.writers.get(name, ()))
    if writers:
        reached = [w for w in writers if w in state.elements]
        if reached:
            said = f"set by {_labels(graph, reached)}, which the case passed, yet not there now"
        else:
            said = f"set by {_labels(graph, writers)}, which the case has not reached"
    else:
        dropped = [e for e in dict.fromkeys(state.path) if e in graph.collects_nothing]
        said = (f"no element sets `{name}`: the multi-instance {_labels(graph, dropped)} "
                "collects no output (loopDataOutputRef), so its instances' data is dropped"
                if dropped else f"no element of the model sets `{name}`")
    return f"{said}; {stands(graph, state)}"


def stands(graph: ModelGraph, state: ScenarioState) -> str:
    """Where the case is: its end event(s), its open tasks, or the last element it passed."""
    if state.ends and state.status == "completed":
        return f"the case ended at {_labels(graph, state.ends)}"
    if state.tasks:
        return f"the case waits at {_labels(graph, [t['bpmn_id'] for t in state.tasks])}"
    if state.path:
        return f"the case stopped after {_labels(graph, state.path[-1:])} ({state.status})"
    return f"the case is {state.status}"


def _labels(graph: ModelGraph, idents: list[str]) -> str:
    return ", ".join(graph.label(i) for i in dict.fromkeys(idents))
