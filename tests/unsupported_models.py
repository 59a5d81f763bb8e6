"""Tiny models of BPMN the engine cannot run as drawn: each is refused at deploy with its
element id, line and a sentence (engine/lint_unsupported.py). Used by the parsing unit test
and the deployment API test."""
from __future__ import annotations

from dataclasses import dataclass

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs"
                  targetNamespace="http://flowdesk.dev/tests">
{top}
  <bpmn:process id="refused" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="agent" name="Agent">
      <bpmn:flowNodeRef>work</bpmn:flowNodeRef><bpmn:flowNodeRef>other</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" />
{body}
  </bpmn:process>
</bpmn:definitions>
"""
TO_WORK = ('<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="work" />'
           '<bpmn:userTask id="work" />')
WORK_TO_END = '<bpmn:sequenceFlow id="f_end" sourceRef="work" targetRef="end" /><bpmn:endEvent id="end" />'


@dataclass(frozen=True)
class Refused:
    name: str
    code: str
    element_id: str
    body: str
    top: str = ""

    def bpmn(self) -> bytes:
        return HEAD.format(top=self.top, body=self.body).encode()

    def line(self) -> int:
        """The line of the refused element in ``bpmn()``."""
        lines = self.bpmn().decode().splitlines()
        return next(n for n, text in enumerate(lines, start=1)
                    if f'id="{self.element_id}"' in text)


def _on_work(event: str) -> str:
    return TO_WORK + event + WORK_TO_END


def _through(node: str, node_id: str) -> str:
    return (f'<bpmn:sequenceFlow id="f_in" sourceRef="start" targetRef="{node_id}" />{node}'
            f'<bpmn:sequenceFlow id="f_out" sourceRef="{node_id}" targetRef="work" />'
            '<bpmn:userTask id="work" />' + WORK_TO_END)


REFUSED = [
    Refused("compensation boundary event", "unsupported_compensation", "undo",
            _on_work('<bpmn:boundaryEvent id="undo" attachedToRef="work">'
                     '<bpmn:compensateEventDefinition id="ced" /></bpmn:boundaryEvent>')),
    Refused("compensation throw", "unsupported_compensation", "undo_all", _through(
        '<bpmn:intermediateThrowEvent id="undo_all"><bpmn:compensateEventDefinition id="ced" />'
        '</bpmn:intermediateThrowEvent>', "undo_all")),
    Refused("compensation handler", "unsupported_compensation", "other",
            TO_WORK + WORK_TO_END + '<bpmn:userTask id="other" isForCompensation="true" />'),
    Refused("link events", "unsupported_link_event", "jump", _through(
        '<bpmn:intermediateThrowEvent id="jump"><bpmn:linkEventDefinition id="led" name="L" />'
        '</bpmn:intermediateThrowEvent>', "jump")),
    Refused("complex gateway", "unsupported_gateway", "complex", _through(
        '<bpmn:complexGateway id="complex" />', "complex")),
    Refused("ad-hoc subprocess", "unsupported_ad_hoc", "adhoc", _through(
        '<bpmn:adHocSubProcess id="adhoc"><bpmn:userTask id="other" /></bpmn:adHocSubProcess>',
        "adhoc")),
    Refused("data store", "unsupported_data_store", "store_ref",
            TO_WORK + WORK_TO_END + '<bpmn:dataStoreReference id="store_ref" />'),
    Refused("cancel end event outside a transaction", "cancel_outside_transaction", "end",
            TO_WORK + '<bpmn:sequenceFlow id="f_end" sourceRef="work" targetRef="end" />'
            '<bpmn:endEvent id="end"><bpmn:cancelEventDefinition id="cnd" /></bpmn:endEvent>'),
    Refused("cancel boundary outside a transaction", "cancel_outside_transaction", "stop",
            _on_work('<bpmn:boundaryEvent id="stop" attachedToRef="work">'
                     '<bpmn:cancelEventDefinition id="cnd" /></bpmn:boundaryEvent>')),
    Refused("timer thrown", "not_throwable", "pause", _through(
        '<bpmn:intermediateThrowEvent id="pause"><bpmn:timerEventDefinition id="ted">'
        '<bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>'
        '</bpmn:intermediateThrowEvent>', "pause")),
    Refused("event subprocess with a plain start", "untriggered_event_subprocess", "esp_start",
            TO_WORK + WORK_TO_END + '<bpmn:subProcess id="esp" triggeredByEvent="true">'
            '<bpmn:startEvent id="esp_start" /><bpmn:sequenceFlow id="e1" sourceRef="esp_start" '
            'targetRef="esp_end" /><bpmn:endEvent id="esp_end" /></bpmn:subProcess>'),
    Refused("error start event of a process", "start_trigger_outside_event_subprocess",
            "start_on_error", TO_WORK + WORK_TO_END
            + '<bpmn:startEvent id="start_on_error"><bpmn:errorEventDefinition id="eed" '
            'errorRef="err" /></bpmn:startEvent><bpmn:sequenceFlow id="f2" '
            'sourceRef="start_on_error" targetRef="work" />',
            top='<bpmn:error id="err" name="e" errorCode="E" />'),
    Refused("boundary event without a trigger", "untriggered_boundary", "nothing",
            _on_work('<bpmn:boundaryEvent id="nothing" attachedToRef="work" />')),
    Refused("condition after an event-based gateway", "unevaluated_condition", "when_ready",
            '<bpmn:sequenceFlow id="f_in" sourceRef="start" targetRef="either" />'
            '<bpmn:eventBasedGateway id="either" />'
            '<bpmn:sequenceFlow id="g1" sourceRef="either" targetRef="when_ready" />'
            '<bpmn:sequenceFlow id="g2" sourceRef="either" targetRef="later" />'
            '<bpmn:intermediateCatchEvent id="when_ready"><bpmn:conditionalEventDefinition '
            'id="cnd"><bpmn:condition>ready</bpmn:condition></bpmn:conditionalEventDefinition>'
            '</bpmn:intermediateCatchEvent>'
            '<bpmn:intermediateCatchEvent id="later"><bpmn:timerEventDefinition id="ted">'
            '<bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>'
            '</bpmn:intermediateCatchEvent>'
            '<bpmn:sequenceFlow id="r1" sourceRef="when_ready" targetRef="work" />'
            '<bpmn:sequenceFlow id="r2" sourceRef="later" targetRef="work" />'
            '<bpmn:userTask id="work" />' + WORK_TO_END),
    Refused("two flows out of a task", "implicit_split", "work",
            TO_WORK + WORK_TO_END + '<bpmn:sequenceFlow id="f_other" sourceRef="work" '
            'targetRef="other" /><bpmn:userTask id="other" />'
            '<bpmn:sequenceFlow id="f_o_end" sourceRef="other" targetRef="end" />'),
    Refused("condition on a task's flow", "condition_on_task_flow", "work",
            TO_WORK + '<bpmn:sequenceFlow id="f_end" sourceRef="work" targetRef="end">'
            '<bpmn:conditionExpression>ok</bpmn:conditionExpression></bpmn:sequenceFlow>'
            '<bpmn:endEvent id="end" />'),
    Refused("receive task without a message", "message_missing", "wait_reply", _through(
        '<bpmn:receiveTask id="wait_reply" />', "wait_reply")),
    # dangling references (engine/lint_references.py): ignored, waited on for ever, or refused
    # with the parser's own TypeError text
    Refused("message catch naming no message", "event_reference", "wait_reply", _through(
        '<bpmn:intermediateCatchEvent id="wait_reply"><bpmn:messageEventDefinition id="med" />'
        '</bpmn:intermediateCatchEvent>', "wait_reply")),
    Refused("message catch naming an undefined message", "event_reference", "wait_reply",
            _through('<bpmn:intermediateCatchEvent id="wait_reply"><bpmn:messageEventDefinition '
                     'id="med" messageRef="no_such_message" /></bpmn:intermediateCatchEvent>',
                     "wait_reply")),
    Refused("signal end event naming no signal", "event_reference", "end",
            TO_WORK + '<bpmn:sequenceFlow id="f_end" sourceRef="work" targetRef="end" />'
            '<bpmn:endEvent id="end"><bpmn:signalEventDefinition id="sed" /></bpmn:endEvent>'),
    Refused("receive task naming an undefined message", "event_reference", "wait_reply",
            _through('<bpmn:receiveTask id="wait_reply" messageRef="no_such_message" />',
                     "wait_reply")),
    Refused("boundary event attached to no activity", "boundary_unattached", "late",
            _on_work('<bpmn:boundaryEvent id="late" attachedToRef="no_such_task">'
                     '<bpmn:timerEventDefinition id="ted"><bpmn:timeDuration>"PT1H"'
                     '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>')),
    Refused("sequence flow to an unknown element", "flow_dangling", "f_end",
            TO_WORK + '<bpmn:sequenceFlow id="f_end" sourceRef="work" targetRef="the_end" />'
            '<bpmn:endEvent id="end" />'),
    Refused("timer event with no time set", "invalid_timer", "later", _through(
        '<bpmn:intermediateCatchEvent id="later"><bpmn:timerEventDefinition id="ted" />'
        '</bpmn:intermediateCatchEvent>', "later")),
    Refused("call activity naming no process", "call_unnamed", "call_other", _through(
        '<bpmn:callActivity id="call_other" />', "call_other")),
    Refused("a loop of tasks that passes no gateway", "loop_without_gateway", "other",
            TO_WORK + '<bpmn:sequenceFlow id="f_other" sourceRef="work" targetRef="other" />'
            '<bpmn:userTask id="other" />'
            '<bpmn:sequenceFlow id="f_back" sourceRef="other" targetRef="work" />'),
]
