"""BPMN that SpiffWorkflow 3.2 parses but cannot run, or runs other than BPMN says: refused at
deploy with the element id, the line and a sentence (never a 201 and then a 500 or a wrong
path). Each rule names what the engine would do and what to draw instead; the conformance
matrix (tests/conformance.py) holds what does run.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from lxml import etree

from .errors import Problem
from .problem_texts import problem

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
Rule = Callable[[etree._Element, str], Iterator[Problem]]

# Elements the engine has no way to run, by the code whose sentence (engine.problem_texts)
# says why and what to draw instead.
UNSUPPORTED_ELEMENTS = {"complexGateway": "unsupported_gateway",
                        "adHocSubProcess": "unsupported_ad_hoc",
                        "dataStoreReference": "unsupported_data_store"}
UNSUPPORTED_DEFINITIONS = {"compensateEventDefinition": "unsupported_compensation",
                           "linkEventDefinition": "unsupported_link_event"}
SPLITS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
          "complexGateway", "startEvent"}
FLOW_NODES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask",
              "receiveTask", "businessRuleTask", "callActivity", "subProcess", "transaction",
              "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "endEvent",
              *SPLITS}
CATCH_TRIGGERS = ("timerEventDefinition", "messageEventDefinition", "signalEventDefinition",
                  "errorEventDefinition", "escalationEventDefinition",
                  "conditionalEventDefinition", "cancelEventDefinition")


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _label(element: etree._Element) -> str:
    return element.get("name") or element.get("id") or _local(element)


def _definitions(event: etree._Element) -> list[str]:
    return [_local(child) for child in event if _local(child).endswith("EventDefinition")]


def _is_event_subprocess(element: etree._Element | None) -> bool:
    return (element is not None and _local(element) == "subProcess"
            and element.get("triggeredByEvent", "false").lower() == "true")


def _elements(root: etree._Element, file: str) -> Iterator[Problem]:
    for element in root.iter():
        code = UNSUPPORTED_ELEMENTS.get(_local(element))
        if code:
            yield problem("unsupported.element", element, file, code=code, reason=code,
                          label=_label(element))
        code = UNSUPPORTED_DEFINITIONS.get(_local(element))
        if code:
            event = element.getparent()
            yield problem("unsupported.element", event, file, code=code, reason=code,
                          label=_label(event))
        if _local(element) in FLOW_NODES and element.get("isForCompensation") == "true":
            code = UNSUPPORTED_DEFINITIONS["compensateEventDefinition"]
            yield problem("unsupported.handler", element, file, code=code, reason=code,
                          label=_label(element))


def _cancel_events(root: etree._Element, file: str) -> Iterator[Problem]:
    """A cancel end event ends a transaction; outside one the engine takes it for a plain
    end event (a cancel boundary outside one it refuses itself, without naming the line)."""
    for definition in root.iter(f"{{{BPMN}}}cancelEventDefinition"):
        event = definition.getparent()
        if _local(event) == "boundaryEvent":
            host = next((n for n in root.iter() if n.get("id") == event.get("attachedToRef")),
                        None)
            if host is None or _local(host) != "transaction":
                yield problem("cancel_outside_transaction.boundary", event, file,
                              label=_label(event))
            continue
        scope = event.getparent()
        if scope is None or _local(scope) != "transaction":
            yield problem("cancel_outside_transaction.end", event, file, label=_label(event))


def _throws(root: etree._Element, file: str) -> Iterator[Problem]:
    """Only messages, signals and escalations can be thrown on the way; a timer or a
    condition is waited for (the engine would pass the event by)."""
    for event in root.iter(f"{{{BPMN}}}intermediateThrowEvent"):
        for kind in _definitions(event):
            if kind in ("timerEventDefinition", "conditionalEventDefinition",
                        "errorEventDefinition", "cancelEventDefinition"):
                yield problem("not_throwable", event, file, label=_label(event),
                              kind=kind.removesuffix("EventDefinition"))


def _starts(root: etree._Element, file: str) -> Iterator[Problem]:
    """An event subprocess starts on a trigger; error and escalation starts exist only
    there."""
    for start in root.iter(f"{{{BPMN}}}startEvent"):
        kinds = _definitions(start)
        in_event_subprocess = _is_event_subprocess(start.getparent())
        if in_event_subprocess and not kinds:
            yield problem("untriggered_event_subprocess", start, file,
                          label=_label(start.getparent()))
        for kind in ("errorEventDefinition", "escalationEventDefinition"):
            if kind in kinds and not in_event_subprocess:
                yield problem("start_trigger_outside_event_subprocess", start, file,
                              label=_label(start), kind=kind.removesuffix("EventDefinition"))


def _boundaries(root: etree._Element, file: str) -> Iterator[Problem]:
    for event in root.iter(f"{{{BPMN}}}boundaryEvent"):
        if not set(_definitions(event)) & {*CATCH_TRIGGERS, *UNSUPPORTED_DEFINITIONS}:
            yield problem("untriggered_boundary", event, file, label=_label(event))


def _conditions_never_evaluated(root: etree._Element, file: str) -> Iterator[Problem]:
    """The engine evaluates a condition only on an event that waits for it alone: after an
    event-based gateway, or beside other triggers, it would never fire."""
    after_gateway = {flow.get("targetRef") for gateway in root.iter(f"{{{BPMN}}}eventBasedGateway")
                     for flow in root.iter(f"{{{BPMN}}}sequenceFlow")
                     if flow.get("sourceRef") == gateway.get("id")}
    for definition in root.iter(f"{{{BPMN}}}conditionalEventDefinition"):
        event = definition.getparent()
        if event.get("id") in after_gateway or len(_definitions(event)) > 1:
            yield problem("unevaluated_condition", event, file, label=_label(event))


def _splits(root: etree._Element, file: str) -> Iterator[Problem]:
    """Flow splits and conditions only at gateways: the engine refuses a task with two
    outgoing flows (without saying where) and ignores a condition on a task's flow."""
    outgoing: dict[str, list[etree._Element]] = {}
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef", ""), []).append(flow)
    for node in root.iter():
        kind = _local(node)
        if kind not in FLOW_NODES or kind in SPLITS:
            continue
        flows = outgoing.get(node.get("id", ""), [])
        if len(flows) > 1:
            yield problem("implicit_split", node, file, label=_label(node), count=len(flows))
        elif any(f.find(f"{{{BPMN}}}conditionExpression") is not None for f in flows):
            yield problem("condition_on_task_flow", node, file, label=_label(node))


def _messages_named(root: etree._Element, file: str) -> Iterator[Problem]:
    for kind in ("sendTask", "receiveTask"):
        for task in root.iter(f"{{{BPMN}}}{kind}"):
            if not task.get("messageRef"):
                yield problem("message_missing", task, file, kind=kind, label=_label(task))


def _cycles_without_gateway(root: etree._Element, file: str) -> Iterator[Problem]:
    """A loop of sequence flows that passes no gateway can never be left, and the engine's
    look-ahead over it recursed without end (a 500 when an instance started): refused. A loop
    is drawn back through a gateway whose other flow leads on."""
    by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str)}
    nexts: dict[str, list[str]] = {}
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source and target and not _local(by_id.get(source, flow)).endswith("Gateway"):
            nexts.setdefault(source, []).append(target)
    done: set[str] = set()
    for first in sorted(nexts):
        if first in done:
            continue
        path, on_path = [(first, iter(nexts.get(first, [])))], {first}
        while path:  # depth first, without recursion: models may be long
            node, todo = path[-1]
            target = next(todo, None)
            if target is None:
                done.add(node)
                on_path.discard(node)
                path.pop()
            elif target in on_path and target in by_id:
                yield problem("loop_without_gateway", by_id[target], file,
                              label=_label(by_id[target]))
                return
            elif target not in done and target not in on_path:
                on_path.add(target)
                path.append((target, iter(nexts.get(target, []))))


RULES: list[Rule] = [_elements, _cancel_events, _throws, _starts, _boundaries,
                     _conditions_never_evaluated, _splits, _messages_named,
                     _cycles_without_gateway]


def lint_unsupported(root: etree._Element, file: str) -> list[Problem]:
    """Every element of one BPMN document the engine cannot run as drawn."""
    return [problem for rule in RULES for problem in rule(root, file)]
