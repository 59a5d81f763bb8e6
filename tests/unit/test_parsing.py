"""Deploy-time validation: every problem located by file, element id and line."""
from __future__ import annotations

import json

import pytest

from engine.errors import InvalidModel
from engine.parsing import DefinitionCache, bundle_sha256, parse_bundle
from tests.conftest import RESOURCES, bundle, scripted_bundle
from tests.unsupported_models import REFUSED, Refused

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" '
        'targetNamespace="t">\n')


def model(body: str, pid: str = "p") -> bytes:
    return (HEAD + f'<bpmn:process id="{pid}" isExecutable="true">\n{body}\n</bpmn:process>\n'
            '</bpmn:definitions>\n').encode()


def problems(files: dict[str, bytes]) -> list[dict]:
    with pytest.raises(InvalidModel) as info:
        parse_bundle(files)
    return [p.as_dict() for p in info.value.problems]


def timer_model(expression: str) -> bytes:
    return model(f'''<bpmn:startEvent id="s" />
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait" />
<bpmn:intermediateCatchEvent id="wait" name="Wait a bit">
  <bpmn:timerEventDefinition id="t1">
    <bpmn:timeDuration>{expression}</bpmn:timeDuration>
  </bpmn:timerEventDefinition>
</bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e" />
<bpmn:endEvent id="e" />''')


def test_valid_bundle_parses_with_lanes_and_forms() -> None:
    parsed = parse_bundle(bundle(RESOURCES / "three_steps"))
    assert parsed.key == "three_steps"
    assert set(parsed.user_tasks) == {"step_one", "step_two", "step_three"}
    assert parsed.user_tasks["step_one"].candidate_groups == ["Agent"]
    assert parsed.user_tasks["step_one"].form_schema["required"] == ["note"]
    assert parsed.user_tasks["step_two"].form_name is None


def test_hash_ignores_upload_order() -> None:
    files = bundle(RESOURCES / "three_steps")
    reordered = dict(reversed(list(files.items())))
    assert bundle_sha256(files) == bundle_sha256(reordered)
    assert bundle_sha256(files) != bundle_sha256({**files, "step_one.json": b"{}"})


def test_cache_returns_the_same_spec_object() -> None:
    cache = DefinitionCache()
    files = bundle(RESOURCES / "three_steps")
    assert cache.get(files) is cache.get(dict(files))


def test_unquoted_timer_is_reported_with_line_and_element() -> None:
    found = problems({"t.bpmn": timer_model("PT1H")})
    assert len(found) == 1
    assert found[0]["element_id"] == "wait"
    assert found[0]["line"] == 8
    assert "not quoted" in found[0]["message"] and '"PT1H"' in found[0]["message"]


def test_quoted_and_data_driven_timers_pass() -> None:
    parse_bundle({"t.bpmn": timer_model('"PT1H"')})
    parse_bundle({"t.bpmn": timer_model("sla_duration")})


def test_malformed_iso_timer_is_rejected() -> None:
    found = problems({"t.bpmn": timer_model('"one hour"')})
    assert "not a valid ISO 8601" in found[0]["message"]


def test_user_task_without_lane_or_assignment() -> None:
    found = problems({"u.bpmn": model('''<bpmn:startEvent id="s" />
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="orphan" />
<bpmn:userTask id="orphan" name="Orphan task" />
<bpmn:sequenceFlow id="f2" sourceRef="orphan" targetRef="e" />
<bpmn:endEvent id="e" />''')})
    assert [p["element_id"] for p in found] == ["orphan"]
    assert "no lane" in found[0]["message"] and found[0]["line"] == 6


def test_explicit_assignment_replaces_lane() -> None:
    parsed = parse_bundle({"u.bpmn": model('''<bpmn:startEvent id="s" />
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="mine" />
<bpmn:userTask id="mine" name="Mine">
  <bpmn:extensionElements><spiffworkflow:properties>
    <spiffworkflow:property name="candidateGroups" value="Finance, Legal" />
  </spiffworkflow:properties></bpmn:extensionElements>
</bpmn:userTask>
<bpmn:sequenceFlow id="f2" sourceRef="mine" targetRef="e" />
<bpmn:endEvent id="e" />''')})
    assert parsed.user_tasks["mine"].candidate_groups == ["Finance", "Legal"]


def test_missing_dmn_decision() -> None:
    found = problems({"b.bpmn": model('''<bpmn:startEvent id="s" />
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="decide" />
<bpmn:businessRuleTask id="decide" name="Decide">
  <bpmn:extensionElements>
    <spiffworkflow:calledDecisionId>no_such_decision</spiffworkflow:calledDecisionId>
  </bpmn:extensionElements>
</bpmn:businessRuleTask>
<bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="e" />
<bpmn:endEvent id="e" />''')})
    assert found[0]["element_id"] == "decide" and "no_such_decision" in found[0]["message"]


def test_no_process_and_not_xml_and_many_problems_at_once() -> None:
    found = problems({"empty.bpmn": (HEAD + "</bpmn:definitions>").encode(),
                      "broken.bpmn": b"<bpmn:definitions><oops></bpmn:definitions>",
                      "form.json": b'{"type": "strnig"}'})
    codes = sorted(p["code"] for p in found)
    assert codes == ["invalid_form", "no_process", "not_xml"]
    broken = next(p for p in found if p["code"] == "not_xml")
    assert broken["file"] == "broken.bpmn" and broken["line"] == 1


@pytest.mark.parametrize("payload", [
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
    b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><bpmn>&lol2;</bpmn>',
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<bpmn>&xxe;</bpmn>',
])
def test_dtd_and_entities_are_refused(payload: bytes) -> None:
    found = problems({"evil.bpmn": payload})
    assert found[0]["code"] == "forbidden_dtd"
    assert "root:" not in json.dumps(found)


def test_forbidden_script_is_rejected_at_deploy() -> None:
    found = problems(scripted_bundle("x = 1\ny = __import__('os').system('id')"))
    assert found[0]["element_id"] == "compute" and found[0]["code"] == "invalid_script"
    assert "__import__" in found[0]["message"]


def test_invalid_form_schema_names_the_file() -> None:
    files = bundle(RESOURCES / "three_steps")
    files["step_one.json"] = b'{"type": "object", "properties": {"a": {"type": 5}}}'
    found = problems(files)
    assert found[0]["file"] == "step_one.json" and "properties/a/type" in found[0]["message"]


def test_cache_tells_apart_processes_of_one_bundle() -> None:
    two = (HEAD + '<bpmn:process id="a" isExecutable="true"><bpmn:startEvent id="s1" />'
           '</bpmn:process><bpmn:process id="b" isExecutable="true"><bpmn:startEvent id="s2" />'
           '</bpmn:process></bpmn:definitions>').encode()
    cache = DefinitionCache()
    assert cache.get({"two.bpmn": two}, "a").key == "a"
    assert cache.get({"two.bpmn": two}, "b").key == "b"
    with pytest.raises(InvalidModel):
        cache.get({"two.bpmn": two})


def test_a_user_status_profile_is_checked_at_deploy_and_on_every_change() -> None:
    import pytest as _pytest

    from engine.runtime import Runtime
    from engine.status_profile import IllegalStatus
    body = '''<bpmn:laneSet id="ls"><bpmn:lane id="l" name="Agent"><bpmn:flowNodeRef>work</bpmn:flowNodeRef>
</bpmn:lane></bpmn:laneSet>
<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work" />
<bpmn:userTask id="work" name="Work" /><bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e" />
<bpmn:endEvent id="e" />'''
    profile = {"type_variable": "kind", "initial": {"Z1": "TZJL", "Z2": "TZJL"},
               "aliases": {"KCWB": "KCJS"},
               "transitions": {"Z1": {"TZJL": ["KCJS"], "KCJS": ["ZGPZ", "BPZ"]},
                               "Z2": {"TZJL": ["HFYY"], "HFYY": ["DDKH"]}}}
    files = {"p.bpmn": model(body), "user_status.json": json.dumps(profile).encode()}
    definition = parse_bundle(files)
    runtime = Runtime()
    wf, result = runtime.start(definition, {"kind": "Z1"})
    guid = result.open_tasks[0].guid
    with _pytest.raises(IllegalStatus, match="from user status TZJL to ZGPZ; next allowed: KCJS"):
        runtime.complete_task(definition, wf, guid, {"user_status": "ZGPZ"})
    done = runtime.complete_task(definition, wf, guid, {"user_status": "KCWB"})
    assert done.variables["user_status"] == "KCJS"  # the alias, stored canonically
    assert [h["status"] for h in done.variables["user_status_history"]] == ["KCJS"]
    broken = {**profile, "initial": {"Z1": "NOPE"}}
    assert problems({**files, "user_status.json": json.dumps(broken).encode()})[0]["code"] == \
        "invalid_user_status"


@pytest.mark.parametrize(("operator", "message"), [
    ('<spiffworkflow:serviceTaskOperator id="send_rocket"></spiffworkflow:serviceTaskOperator>',
     "unknown service operation 'send_rocket'"),
    ('<spiffworkflow:serviceTaskOperator id="handover_tasks"><spiffworkflow:parameters>'
     '<spiffworkflow:parameter id="from_group" type="str" value="\'A\'" />'
     '</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>', "missing to_group"),
    ("", "names no operation"),
])
def test_service_tasks_must_name_an_operation_flowdesk_provides(operator: str,
                                                                 message: str) -> None:
    ext = f"<bpmn:extensionElements>{operator}</bpmn:extensionElements>" if operator else ""
    body = (f'<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="svc" />'
            f'<bpmn:serviceTask id="svc" name="Do it">{ext}</bpmn:serviceTask>'
            '<bpmn:sequenceFlow id="f2" sourceRef="svc" targetRef="e" /><bpmn:endEvent id="e" />')
    found = problems({"p.bpmn": model(body)})
    assert found[0]["code"] == "invalid_service_task" and message in found[0]["message"]
    assert found[0]["element_id"] == "svc"


def http_task(parameters: dict[str, str]) -> bytes:
    """A process with one service task naming the http operator with these expressions."""
    from xml.sax.saxutils import quoteattr
    params = "".join(f'<spiffworkflow:parameter id="{name}" type="any" value={quoteattr(v)} />'
                     for name, v in parameters.items())
    return model('<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" '
                 'targetRef="call_shop" /><bpmn:serviceTask id="call_shop" name="Ask the shop">'
                 '<bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="http">'
                 f'<spiffworkflow:parameters>{params}</spiffworkflow:parameters>'
                 '</spiffworkflow:serviceTaskOperator></bpmn:extensionElements>'
                 '</bpmn:serviceTask><bpmn:sequenceFlow id="f2" sourceRef="call_shop" '
                 'targetRef="e" /><bpmn:endEvent id="e" />')


SHOP_CALL = {"method": "'POST'", "url": "f'https://shop.example/api/orders/{order_no}'",
             "headers": "{'Authorization': f\"Bearer {secret('SHOP_KEY')}\"}",
             "body": "{'note': note}", "result_variable": "'shop_reply'",
             "timeout_seconds": "5", "retries": "2", "retry_backoff_seconds": "1.5"}


def test_a_good_http_task_deploys_as_an_external_task_of_flowdesks_own_topic() -> None:
    definition = parse_bundle({"p.bpmn": http_task(SHOP_CALL)})
    assert definition.has_external_tasks
    assert definition.spec.task_specs["call_shop"].topic == "flowdesk.http"


@pytest.mark.parametrize(("change", "message"), [
    ({"method": "'SEND'"}, "method: 'SEND' is not one of GET, POST, PUT, PATCH, DELETE"),
    ({"url": "'file:///etc/passwd'"}, "url: must start with http:// or https://"),
    ({"url": ""}, "missing url"),
    ({"headers": "{'X-Key': '{{secret:shop key}}'}"}, "does not name a secret by a legal name"),
    ({"retries": "20"}, "retries: must be a whole number from 0 to 10"),
    ({"verify": "False"}, "unknown verify"),
])
def test_http_parameters_are_checked_at_deploy(change: dict, message: str) -> None:
    found = problems({"p.bpmn": http_task({**SHOP_CALL, **change})})
    assert len(found) == 1 and message in found[0]["message"], found
    assert found[0]["element_id"] == "call_shop" and found[0]["line"]


def test_http_never_runs_as_a_host_action_inside_an_engine_step() -> None:
    from engine import host_actions
    token = host_actions.collect()
    try:
        with pytest.raises(ValueError, match="not run inside an engine step"):
            host_actions.request("http", {"method": "GET", "url": "https://shop.example"})
    finally:
        assert host_actions.drain(token) == []


@pytest.mark.parametrize(("element", "reserved"), [
    ("start", "Start"), ("end", "End"), ("step_two", "three_steps.EndJoin")])
def test_ids_of_the_engines_own_steps_are_refused(element: str, reserved: str) -> None:
    """A start event with the id 'Start' deployed, then failed on start: refused at deploy,
    with the element id, the line and a sentence."""
    text = (RESOURCES / "three_steps" / "three_steps.bpmn").read_text()
    text = text.replace(f'"{element}"', f'"{reserved}"').replace(f">{element}<", f">{reserved}<")
    with pytest.raises(InvalidModel) as raised:
        parse_bundle({"three_steps.bpmn": text.encode()})
    [problem] = [p for p in raised.value.problems if p.code == "reserved_id"]
    assert problem.element_id == reserved and problem.line is not None
    assert "give it another id" in problem.message


def test_subprocess_end_join_id_is_refused() -> None:
    text = (RESOURCES / "subprocesses" / "nested.bpmn").read_text()
    text = text.replace('id="inner_score"', 'id="inner.EndJoin"').replace(
        '"inner_score"', '"inner.EndJoin"')
    with pytest.raises(InvalidModel) as raised:
        parse_bundle({"nested.bpmn": text.encode()})
    assert [p.element_id for p in raised.value.problems if p.code == "reserved_id"] == [
        "inner.EndJoin"]


@pytest.mark.parametrize("case", REFUSED, ids=[r.name for r in REFUSED])
def test_what_the_engine_cannot_run_is_refused_with_id_line_and_a_sentence(
        case: Refused) -> None:
    """Each of these deployed (201) and then failed, ran a wrong path or waited for ever, or
    was refused with SpiffWorkflow's raw 'NotImplementedError(...)' text or no line."""
    [found] = problems({"refused.bpmn": case.bpmn()})
    assert (found["code"], found["element_id"], found["line"]) == (
        case.code, case.element_id, case.line())
    assert found["file"] == "refused.bpmn"
    assert "Error" not in found["message"] and found["message"].endswith(".")


def test_a_raw_spiff_refusal_becomes_a_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    """What Spiff refuses by raising NotImplementedError, past Flowdesk's own rules, still
    reaches the modeller as a sentence with the element and line."""
    from engine import lint
    body = ('<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g" />'
            '<bpmn:complexGateway id="g" /><bpmn:sequenceFlow id="f2" sourceRef="g" '
            'targetRef="e" /><bpmn:endEvent id="e" />')
    monkeypatch.setattr(lint, "lint_unsupported", lambda root, file: [])  # no rule knows it
    [found] = problems({"p.bpmn": model(body)})
    assert found["element_id"] == "g" and found["line"] is not None
    assert found["message"].startswith("The engine cannot run this element as drawn")


def test_tasks_inside_a_laned_subprocess_take_its_lane() -> None:
    """Refused before although it ran: SpiffWorkflow gives a subprocess's tasks its lane. A
    manual or plain task waits for a person too, so one nobody can see is refused."""
    laned = RESOURCES / "conformance" / "escalation" / "escalation.bpmn"
    text = laned.read_text().replace("<bpmn:flowNodeRef>work</bpmn:flowNodeRef>", "")
    assert parse_bundle({"escalation.bpmn": text.encode()}).key == "escalation"
    body = ('<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="m" />'
            '<bpmn:manualTask id="m" name="Call" /><bpmn:sequenceFlow id="f2" sourceRef="m" '
            'targetRef="e" /><bpmn:endEvent id="e" />')
    [found] = problems({"p.bpmn": model(body)})
    assert found["code"] == "unassigned_user_task" and found["element_id"] == "m"
    assert found["message"].startswith("Manual task 'Call' is in no lane")
