"""Coverage of a process by its scenarios: the elements and sequence flows any scenario
reached, as percentages and as the lists of what none reached (the JSON form is what the
designer will highlight on the diagram)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.model_graph import ModelGraph, never_reached
from services.scenarios.runner import Result


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 100.0


def coverage(graph: ModelGraph, results: Iterable[Result]) -> dict[str, Any]:
    elements: set[str] = set()
    flows: set[str] = set()
    for result in results:
        elements |= result.elements & set(graph.elements)
        flows |= result.flows & set(graph.flows)
    missed_elements, missed_flows = never_reached(graph, elements, flows)
    return {"elements": {"total": len(graph.elements), "visited": sorted(elements),
                         "percent": _percent(len(elements), len(graph.elements)),
                         "never_reached": missed_elements},
            "flows": {"total": len(graph.flows), "visited": sorted(flows),
                      "percent": _percent(len(flows), len(graph.flows)),
                      "never_reached": missed_flows}}


def by_process(graphs: dict[str, ModelGraph], results: list[Result]) -> dict[str, Any]:
    """``{process key: coverage}`` over the scenarios of each process."""
    return {key: coverage(graph, [r for r in results if r.process == key])
            for key, graph in sorted(graphs.items())}
