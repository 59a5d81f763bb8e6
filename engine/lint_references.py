"""References between the elements of one BPMN document, checked at deploy: SpiffWorkflow 3.2
takes a dangling one silently or crashes on it. A boundary event attached to no activity was
dropped (its timer or message never armed), a message or signal event that names none waited for
ever or threw nothing, a reference to a message, signal, error or escalation the document does
not define was refused with the parser's own ``TypeError`` text, and a sequence flow to an
unknown element with a sentence about forms. Each is refused with the element id, the line and a
sentence (words in ``engine.problem_texts``).
"""
from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from .errors import Problem
from .lint_unsupported import BPMN, FLOW_NODES, _label, _local
from .problem_texts import problem

# an event definition's reference attribute and the element it must name
REFERENCES = {"messageEventDefinition": ("messageRef", "message"),
              "signalEventDefinition": ("signalRef", "signal"),
              "errorEventDefinition": ("errorRef", "error"),
              "escalationEventDefinition": ("escalationRef", "escalation")}
# an error or escalation definition without a reference catches every one (BPMN's catch-all)
MAY_BE_UNNAMED = {"errorEventDefinition", "escalationEventDefinition"}
ACTIVITIES = FLOW_NODES - {"intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
                           "endEvent", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
                           "eventBasedGateway", "complexGateway", "startEvent"}
FLOW_ENDS = FLOW_NODES | {"complexGateway", "adHocSubProcess"}


def _defined(root: etree._Element, kind: str) -> set[str]:
    return {el.get("id", "") for el in root.iter(f"{{{BPMN}}}{kind}")}


def _event_references(root: etree._Element, file: str) -> Iterator[Problem]:
    """Message and signal events name what they wait for or throw; every reference names an
    element of the document."""
    for definition_kind, (attribute, kind) in REFERENCES.items():
        known = _defined(root, kind)
        for definition in root.iter(f"{{{BPMN}}}{definition_kind}"):
            event, ref = definition.getparent(), definition.get(attribute)
            if not ref and definition_kind not in MAY_BE_UNNAMED:
                yield problem("event_reference.missing", event, file, label=_label(event),
                              kind=kind, attribute=attribute)
            elif ref and ref not in known:
                yield problem("event_reference.unknown", event, file, label=_label(event),
                              kind=kind, ref=ref)
    messages = _defined(root, "message")
    for task_kind in ("sendTask", "receiveTask"):
        for task in root.iter(f"{{{BPMN}}}{task_kind}"):
            ref = task.get("messageRef")
            if ref and ref not in messages:
                yield problem("event_reference.unknown", task, file, label=_label(task),
                              kind="message", ref=ref)


def _ids_in(scope: etree._Element | None, kinds: set[str],
            seen: dict[etree._Element | None, set[str]]) -> set[str]:
    """The ids of ``scope``'s own children of ``kinds``, worked out once per scope (a model of
    10,000 flows has as many look-ups)."""
    if scope not in seen:
        seen[scope] = set() if scope is None else {
            child.get("id", "") for child in scope if _local(child) in kinds}
    return seen[scope]


def _attachments(root: etree._Element, file: str) -> Iterator[Problem]:
    """A boundary event sits on an activity of its own process or subprocess."""
    seen: dict[etree._Element | None, set[str]] = {}
    for event in root.iter(f"{{{BPMN}}}boundaryEvent"):
        host_id = event.get("attachedToRef", "")
        if host_id not in _ids_in(event.getparent(), ACTIVITIES, seen):
            yield problem("boundary_unattached", event, file, label=_label(event), ref=host_id)


def _flow_ends(root: etree._Element, file: str) -> Iterator[Problem]:
    """A sequence flow joins two flow nodes of its own process or subprocess."""
    seen: dict[etree._Element | None, set[str]] = {}
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        nodes = _ids_in(flow.getparent(), FLOW_ENDS, seen)
        for end, key in (("sourceRef", "flow_dangling.source"),
                         ("targetRef", "flow_dangling.target")):
            ref = flow.get(end, "")
            if ref not in nodes:
                yield problem(key, flow, file, label=_label(flow), ref=ref)


def lint_references(root: etree._Element, file: str) -> list[Problem]:
    """Every dangling or missing reference of one BPMN document."""
    return [found for rule in (_event_references, _attachments, _flow_ends)
            for found in rule(root, file)]
