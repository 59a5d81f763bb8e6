"""SpiffWorkflow's BPMN parser with what Flowdesk reads differently: error- and
escalation-started event subprocesses, and external service tasks (``engine.external_tasks``).

BPMN lets an event subprocess start on an error or an escalation. SpiffWorkflow 3.2 reads
only message, signal, timer and conditional definitions on start events, so such a start
event came out as a plain one: the event subprocess ran as soon as its process started.
Here the start events of event subprocesses also read error and escalation definitions (and
become triggers, like a message start); top-level start events keep Spiff's reading.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.event_parsers import (CONDITIONAL_EVENT_XPATH,
                                                     ERROR_EVENT_XPATH,
                                                     ESCALATION_EVENT_XPATH,
                                                     MESSAGE_EVENT_XPATH, SIGNAL_EVENT_XPATH,
                                                     TIMER_EVENT_XPATH)
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.spiff.specs.defaults import ServiceTask
from SpiffWorkflow.spiff.parser.event_parsers import SpiffStartEventParser
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from .external_tasks import ExternalTaskParser

EVENT_SUBPROCESS_STARTS = [MESSAGE_EVENT_XPATH, SIGNAL_EVENT_XPATH, TIMER_EVENT_XPATH,
                           CONDITIONAL_EVENT_XPATH, ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH]


def starts_event_subprocess(node: Any) -> bool:
    """Whether a start event element is the start of an event subprocess."""
    parent = node.getparent()
    return (parent is not None and parent.tag == full_tag("subProcess")
            and parent.get("triggeredByEvent", "false").lower() == "true")


class _StartEventParser(SpiffStartEventParser):
    def create_task(self) -> Any:
        if not starts_event_subprocess(self.node):
            return super().create_task()
        task = self._create_task(self.get_event_definition(EVENT_SUBPROCESS_STARTS))
        self.spec.start.connect(task)
        return task


class FlowdeskBpmnParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {**SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
                               full_tag("startEvent"): (_StartEventParser, StartEvent),
                               full_tag("serviceTask"): (ExternalTaskParser, ServiceTask)}
