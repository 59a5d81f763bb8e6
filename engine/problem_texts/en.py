"""The model problems' words in English: the ``message`` every problem carries (logs, the CLI,
an English request), the same keys as ``zh.py``. Keys are the problem's ``code``, with a suffix
where one code has several sentences; a ``reason`` or ``how`` parameter is itself a key."""
from __future__ import annotations

TEXTS: dict[str, str] = {
    # engine/lint.py
    "no_process": "The file defines no <bpmn:process>: there is nothing to run.",
    "reserved_id": "The id '{id}' is one the engine uses for its own steps, so this element "
                   "would replace them and the process could not run: give it another id.",
    "invalid_service_task.not_service": "'{label}' is an external task (camunda:type), which "
                                        "Flowdesk runs on service tasks only: make it a service "
                                        "task.",
    "invalid_service_task.detail": "Service task '{label}': {detail}.",
    "invalid_service_task.no_operation": "Service task '{label}' names no operation "
                                         "(spiffworkflow:serviceTaskOperator) and no topic for "
                                         "an external worker (camunda:type=\"external\" "
                                         "camunda:topic=\"…\").",
    "unassigned_user_task": "{kind} '{label}' is in no lane and has no explicit assignment, so "
                            "nobody would see it: put it in a lane or give it an 'assignee', "
                            "'assigneeVariable' or 'candidateGroups' property.",
    "missing_form": "User task '{label}' uses the form '{form}', which is not part of this "
                    "deployment.",
    "invalid_timer": "Timer '{label}': {reason}",
    "timer.empty": "the {kind} expression is empty.",
    "timer.none": "it has no time set (timeDate, timeDuration or timeCycle): choose the type "
                  "in its properties and fill it in.",
    "timer.unquoted": "the {kind} expression {expr} is not quoted. Timer expressions are "
                      "Python, so an ISO 8601 value must be a string: \"{expr}\".",
    "timer.unevaluable": "the {kind} expression {expr} cannot be evaluated: {detail}.",
    "timer.not_string": "the {kind} expression must give an ISO 8601 string, not {type}.",
    "timer.not_iso": "'{value}' is not a valid ISO 8601 {kind} value.",
    "timer.words": "'{value}' is a duration in words, which SLA policies take but BPMN timers "
                   "do not: write it in ISO 8601, \"{iso}\".",
    "timer.past": "its time '{value}' has passed, so it would never start a case: give a time "
                  "still to come, or a cycle.",
    "missing_decision.unnamed": "Business rule task '{label}' names no decision "
                                "(spiffworkflow:calledDecisionId).",
    "missing_decision.unknown": "Business rule task '{label}' calls the DMN decision "
                                "'{decision}', but no DMN file in this deployment defines it.",
    "call_unnamed": "Call activity '{label}' names no process to call (calledElement): give "
                    "the called process's id in its properties.",
    "missing_process": "Call activity '{label}' calls the process '{process}', which is not "
                       "part of this deployment.",
    "invalid_script": "The {kind} of '{label}' is rejected by the sandbox: line {at}: "
                      "{detail}",
    # engine/lint_unsupported.py
    "unsupported.element": "'{label}': {reason}",
    "unsupported.handler": "'{label}' is a compensation handler: {reason}",
    "unsupported_gateway": "Complex gateways are not supported: use an inclusive gateway "
                           "(conditions on its flows) or an exclusive one.",
    "unsupported_ad_hoc": "Ad-hoc subprocesses are not supported: the engine fails when it "
                          "reaches one. Use an embedded subprocess whose tasks follow an "
                          "inclusive gateway.",
    "unsupported_data_store": "Data stores are not supported (the engine has none to read or "
                              "write): keep the data in process variables or a data object.",
    "unsupported_compensation": "Compensation is not supported: the engine cannot undo work "
                                "that is done, so this event would do nothing. Model the "
                                "undoing as tasks on an error or escalation path.",
    "unsupported_link_event": "Link events are not supported: the engine would end the path at "
                              "the throw and never reach the catch. Draw the sequence flow "
                              "instead.",
    "cancel_outside_transaction.boundary": "Cancel boundary event '{label}' is not on a "
                                           "transaction: only a transaction can be cancelled.",
    "cancel_outside_transaction.end": "Cancel end event '{label}' is not inside a transaction: "
                                      "the engine would end the path as a plain end event. Use "
                                      "a plain or an error end event.",
    "not_throwable": "Intermediate throw event '{label}' throws a {kind}, which cannot be "
                     "thrown on the way: the engine would pass it by. Use an intermediate "
                     "catch event to wait (or an end event for an error).",
    "untriggered_event_subprocess": "Event subprocess '{label}' starts with a plain start "
                                    "event: the engine would run it as soon as its process "
                                    "starts. Give its start event a trigger (timer, message, "
                                    "signal, error, escalation or condition).",
    "start_trigger_outside_event_subprocess": "Start event '{label}' waits for an {kind}, "
                                              "which only an event subprocess's start event "
                                              "can: the engine would start here at once.",
    "untriggered_boundary": "Boundary event '{label}' has no trigger: give it a timer, "
                            "message, signal, error, escalation or condition.",
    "unevaluated_condition": "Conditional event '{label}' follows an event-based gateway or "
                             "has other triggers beside its condition: the engine would never "
                             "evaluate the condition there. Use a conditional boundary event, "
                             "or an intermediate conditional catch on its own.",
    "implicit_split": "'{label}' has {count} outgoing sequence flows; the engine splits only at "
                      "gateways: put a parallel gateway after it (all paths) or an exclusive or "
                      "inclusive one (chosen paths).",
    "condition_on_task_flow": "The flow out of '{label}' has a condition, which the engine "
                              "ignores (the flow is always taken): put an exclusive gateway "
                              "after it.",
    "message_missing": "{kind} '{label}' names no message (messageRef): the engine would pass "
                       "it by.",
    # engine/lint_references.py
    "event_reference.missing": "'{label}' names no {kind} ({attribute}): it would wait for "
                               "ever or throw nothing. Choose the {kind} in its properties.",
    "event_reference.unknown": "'{label}' refers to the {kind} '{ref}', which this file does "
                               "not define. Define it, or choose one that is defined.",
    "boundary_unattached": "Boundary event '{label}' is attached to '{ref}', which is no "
                           "activity of its process or subprocess: it would never fire. Drop "
                           "it onto the border of a task or subprocess.",
    "flow_dangling.source": "Sequence flow '{label}' starts at '{ref}', which is no element "
                            "of its process or subprocess. Connect it to an element.",
    "flow_dangling.target": "Sequence flow '{label}' leads to '{ref}', which is no element "
                            "of its process or subprocess. Connect it to an element.",
    "loop_without_gateway": "'{label}' is in a loop of sequence flows that passes no gateway: "
                            "it could never be left. Draw the way back through an exclusive "
                            "gateway whose other flow leads on.",
    # engine/lint_recursion.py
    "recursive_call": "Call activity '{label}' in process '{process}' calls {how}: every "
                      "instance would start copies of itself without end. Loop inside the "
                      "process instead, or start a new instance with a message.",
    "recursive_call.itself": "itself",
    "recursive_call.through": "'{called}', which calls '{process}' again",
    # engine/xml_safety.py: a file that is not XML we accept
    "not_xml.empty": "The file is empty.",
    "not_xml.malformed": "This is not well-formed XML: {detail}",
    "forbidden_dtd": "DOCTYPE and ENTITY declarations are not allowed in models (they enable "
                     "entity-expansion and external-entity attacks).",
    "forbidden_dtd.doctype": "DOCTYPE declarations are not allowed in models.",
    # engine/parsing.py: the bundle, its forms, the process to start, SpiffWorkflow's parser
    "unsupported_file": "Only .bpmn, .dmn and .json (form) files can be deployed.",
    "no_bpmn": "A deployment needs at least one .bpmn file.",
    "invalid_form.json": "The form is not valid JSON: {detail}",
    "invalid_form.schema": "The form is not a valid JSON schema at {where}: {detail}",
    "invalid_form.not_object": "The form is not a valid JSON schema at (root): a form must be "
                               "a JSON object (a JSON schema)",
    "no_process.none_found": "No executable process found.",
    "no_process.unmarked": "No process is marked isExecutable=\"true\".",
    "no_process.not_executable": "The process '{process}' is not an executable process in this "
                                 "deployment (found: {found}).",
    "ambiguous": "Several executable processes ({processes}): deploy them separately or name "
                 "the one to start.",
    "invalid_model.spiff": "{detail}",
    "invalid_model.too_long": "The process has too many elements in a row for the engine to "
                              "read (it gave up here, a few hundred elements from the start): "
                              "split the chain into subprocesses or call activities.",
    "invalid_model.not_implemented": "The engine cannot run this element as drawn "
                                     "(SpiffWorkflow {version} has no support for it).",
    "invalid_model.schema": "The model failed schema validation: {detail}",
    "invalid_timer.start_schedule": "A timer start event's expression cannot be evaluated "
                                    "without process data ({detail}); give it a fixed ISO "
                                    "8601 value such as \"R/P1D\".",
    # engine/start_form.py
    "missing_form.start": "Start event '{label}' uses the form '{form}', which is not part of "
                          "this deployment.",
    # engine/form_i18n.py
    "invalid_catalogue.json": "The language catalogue is not valid JSON: {detail}",
    "invalid_catalogue.shape": "A language catalogue is a JSON object with \"tasks\" and "
                               "\"forms\" objects.",
    # engine/status_profile.py
    "invalid_user_status.json": "Not valid JSON: {detail}",
    "invalid_user_status.shape": "Needs an object with 'type_variable', 'initial', "
                                 "'transitions'.",
    "invalid_user_status.transitions": "'transitions' maps each case type to {status: [next "
                                       "statuses]}.",
    "invalid_user_status.initial": "'initial' names the starting status of every case type in "
                                   "'transitions'.",
    "invalid_user_status.aliases": "'aliases' maps other spellings to canonical statuses.",
    "invalid_user_status.unmentioned": "Type {type} starts in {status}, which none of its "
                                       "transitions mention.",
    # services/definitions.py
    "not_utf8": "The file is not UTF-8 text ({detail}).",
    "invalid_sla": "Not valid JSON: {detail}",
    # services/scenarios/spec.py: a bundle's scenario files (tests/), checked when deployed
    "scenario_file.unreadable": "Not readable as a scenario: {detail}",
    "scenario_file.not_mapping": "A scenario is a mapping with name, start and steps.",
    "scenario_file.unknown_keys": "Unknown keys {keys} (a scenario has name, process, start, "
                                  "steps, mocks, script_tests).",
    "scenario_file.field_not_mapping": "`{field}` must be a mapping.",
    "scenario_file.step_kind": "step {number} starts with one of {kinds}; got {got}",
    "scenario_file.script_test": "A script test needs `element` (and inputs, expect).",
}

# the ``kind`` of an element or expression, as a sentence says it (else the value itself)
WORDS: dict[str, str] = {
    "userTask": "User task", "manualTask": "Manual task", "task": "Task",
    "sendTask": "Send task", "receiveTask": "Receive task",
}
