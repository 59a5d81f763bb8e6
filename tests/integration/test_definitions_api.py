"""POST/GET /api/v1/definitions over real HTTP, on SQLite and PostgreSQL."""
from __future__ import annotations

import os
import http.server
import threading

from tests.conftest import RESOURCES, bundle, scripted_bundle
from tests.integration.conftest import deploy
from tests.unsupported_models import REFUSED


def test_deploy_then_identical_redeploy_makes_no_new_version(server, tokens) -> None:
    files = bundle(RESOURCES / "three_steps")
    first = deploy(server, tokens["designer"], files)
    assert first.status_code == 201
    assert first.json() | {} == {"id": 1, "key": "three_steps", "name": "Three steps", "version": 1,
                                 "created": True, "unchanged": False, "scenarios": [],
                                 "scenarios_replaced": False}
    again = deploy(server, tokens["designer"], files)
    assert again.status_code == 200 and again.json()["version"] == 1
    assert again.json()["created"] is False
    changed = dict(files, **{"step_one.json": files["step_one.json"].replace(b"Note", b"Remark")})
    second = deploy(server, tokens["admin"], changed)
    assert second.status_code == 201 and second.json()["version"] == 2


def test_list_latest_and_all_versions_and_detail(server, tokens) -> None:
    files = bundle(RESOURCES / "three_steps")
    deploy(server, tokens["admin"], files)
    deploy(server, tokens["admin"], dict(files, **{"extra.json": b'{"type": "object"}'}))
    latest = server.get("/api/v1/definitions", tokens["agent"]).json()
    assert [(d["key"], d["version"]) for d in latest] == [("three_steps", 2)]
    every = server.get("/api/v1/definitions?all_versions=true", tokens["agent"]).json()
    assert [d["version"] for d in every] == [2, 1]
    assert server.get(f"/api/v1/definitions/{every[1]['id']}", tokens["agent"]).status_code == 403
    detail = server.get(f"/api/v1/definitions/{every[1]['id']}", tokens["designer"]).json()
    assert detail["bpmn_xml"].startswith("<?xml") and "step_one" in detail["bpmn_xml"]
    assert set(detail["contents"]) == {"three_steps.bpmn", "step_one.json"}
    assert server.get("/api/v1/definitions/999", tokens["designer"]).status_code == 404


def test_deploy_needs_designer_or_admin_and_a_token(server, tokens) -> None:
    files = bundle(RESOURCES / "three_steps")
    assert deploy(server, tokens["agent"], files).status_code == 403
    anonymous = deploy(server, None, files)
    assert anonymous.status_code == 401
    assert anonymous.headers["Content-Type"] == "application/problem+json"
    assert deploy(server, "fd_not-a-real-token", files).status_code == 401


def _rejected(server, token, files) -> list[dict]:  # type: ignore[no-untyped-def]
    response = deploy(server, token, files)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["status"] == 422 and body["title"] == "提交的内容未通过校验"
    assert "Traceback" not in response.text
    return body["errors"]


def test_bad_models_get_clear_422s(server, tokens) -> None:
    token = tokens["designer"]
    assert _rejected(server, token, {"x.bpmn": b"this is not xml"})[0]["code"] == "not_xml"
    no_process = (b'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/'
                  b'BPMN/20100524/MODEL" id="d" targetNamespace="t"></bpmn:definitions>')
    assert _rejected(server, token, {"x.bpmn": no_process})[0]["code"] == "no_process"
    timer = (RESOURCES / "three_steps" / "three_steps.bpmn").read_text().replace(
        '<bpmn:userTask id="step_two" name="Step two" />',
        '<bpmn:intermediateCatchEvent id="pause"><bpmn:timerEventDefinition><bpmn:timeDuration>'
        'PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
    ).replace('targetRef="step_two"', 'targetRef="pause"').replace(
        'sourceRef="step_two"', 'sourceRef="pause"')
    errors = _rejected(server, token, {"t.bpmn": timer.encode()})
    assert errors[0]["element_id"] == "pause" and "没有加引号" in errors[0]["message"]
    assert isinstance(errors[0]["line"], int)
    files = bundle(RESOURCES / "three_steps")
    files["step_one.json"] = b'{"type": "object", "required": "note"}'
    assert _rejected(server, token, files)[0]["file"] == "step_one.json"
    errors = _rejected(server, token, scripted_bundle("import os"))
    assert errors[0]["element_id"] == "compute"
    assert _rejected(server, token, {"x.txt": b"hello"})[0]["code"] == "unsupported_file"
    assert _rejected(server, token, {"x.bpmn": b"\xff\xfe\x00bad"})[0]["code"] == "not_utf8"
    assert server.get("/api/v1/definitions", token).json() == []


def test_what_the_engine_cannot_run_is_a_422_with_id_and_line(server, tokens) -> None:
    """Never a 201 and then a 500 or a wrong path: each model of tests/unsupported_models.py
    is refused at deploy (and by validate) with its element id, line and a sentence."""
    for case in REFUSED:
        for path in ("/api/v1/definitions", "/api/v1/definitions/validate"):
            response = server.post(path, tokens["designer"],
                                   files=[("files", ("refused.bpmn", case.bpmn()))])
            assert response.status_code == 422, (case.name, path, response.text)
            assert "NotImplementedError" not in response.text and "Traceback" not in response.text
            assert [(e["code"], e["element_id"], e["line"], e["file"])
                    for e in response.json()["errors"]] == [
                (case.code, case.element_id, case.line(), "refused.bpmn")], case.name
    assert server.get("/api/v1/definitions", tokens["designer"]).json() == []


def test_lint_problems_speak_the_request_language(server, tokens) -> None:
    """The designer sends its page's language: a refused model's problems are Chinese by
    default and keep their English words for English, each with its element id and code."""
    twice = next(case for case in REFUSED if case.code == "implicit_split")
    files = [("files", ("refused.bpmn", twice.bpmn()))]
    for path in ("/api/v1/definitions", "/api/v1/definitions/validate"):
        zh = server.post(path, tokens["designer"], files=files).json()["errors"]
        en = server.post(path, tokens["designer"], files=files,
                         headers={"Accept-Language": "en-US,en;q=0.9,zh-CN;q=0.5"}).json()
        assert [(e["code"], e["element_id"]) for e in zh] == [("implicit_split", "work")]
        assert [(e["code"], e["element_id"], e["line"]) for e in en["errors"]] == [
            (e["code"], e["element_id"], e["line"]) for e in zh]
        assert zh[0]["message"].startswith("「work」有 2 条流出的顺序流"), zh
        assert en["errors"][0]["message"].startswith("'work' has 2 outgoing sequence flows; "
                                                     "the engine splits only at gateways")
        assert en["title"] == "Validation failed"


def test_missing_dmn_is_reported(server, tokens) -> None:
    text = (RESOURCES / "three_steps" / "three_steps.bpmn").read_text().replace(
        '<bpmn:userTask id="step_two" name="Step two" />',
        '<bpmn:businessRuleTask id="decide"><bpmn:extensionElements><spiffworkflow:'
        'calledDecisionId>priority_table</spiffworkflow:calledDecisionId></bpmn:extensionElements>'
        '</bpmn:businessRuleTask>').replace('targetRef="step_two"', 'targetRef="decide"').replace(
        'sourceRef="step_two"', 'sourceRef="decide"')
    errors = _rejected(server, tokens["designer"], {"d.bpmn": text.encode()})
    assert errors[0]["element_id"] == "decide" and "priority_table" in errors[0]["message"]


def test_problems_before_the_rules_speak_the_request_language(server, tokens) -> None:
    """Broken XML, a DOCTYPE, an unsupported file and a form that is not JSON: Chinese by
    default, the English words unchanged for an English request."""
    english = {"Accept-Language": "en"}
    cases = [({"x.bpmn": b"<a><b></a>"}, "not_xml", "这不是格式正确的 XML：",
              "This is not well-formed XML: "),
             ({"x.bpmn": b'<?xml version="1.0"?><!DOCTYPE x><x/>'}, "forbidden_dtd",
              "模型中不允许 DOCTYPE 和 ENTITY 声明", "DOCTYPE and ENTITY declarations are not "
              "allowed in models (they enable entity-expansion and external-entity attacks)."),
             ({"x.txt": b"hello"}, "unsupported_file", "只能部署 .bpmn、.dmn 和 .json（表单）文件。",
              "Only .bpmn, .dmn and .json (form) files can be deployed."),
             ({"step_one.json": b'{"type": '}, "invalid_form", "表单不是有效的 JSON：",
              "The form is not valid JSON: ")]
    for files, code, chinese, words in cases:
        sent = bundle(RESOURCES / "three_steps") | files
        for path in ("/api/v1/definitions", "/api/v1/definitions/validate"):
            upload = [("files", (name, data)) for name, data in sent.items()]
            zh = [e for e in server.post(path, tokens["designer"], files=upload).json()["errors"]
                  if e["code"] == code]
            en = [e for e in server.post(path, tokens["designer"], files=upload,
                                         headers=english).json()["errors"] if e["code"] == code]
            assert [e["file"] for e in zh] == [e["file"] for e in en] == list(files), (code, zh)
            assert zh[0]["message"].startswith(chinese), zh
            assert en[0]["message"].startswith(words), en
    assert server.get("/api/v1/definitions", tokens["designer"]).json() == []


def test_entity_bomb_and_external_entities_are_refused_without_fetching(server, tokens) -> None:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"fetched")

        def log_message(self, *args: object) -> None:
            pass

    trap = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=trap.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{trap.server_port}/xxe"
        entities = '<!ENTITY a0 "aaaaaaaaaa">' + "".join(
            f'<!ENTITY a{i} "{("&a%d;" % (i - 1)) * 10}">' for i in range(1, 10))
        bomb = f'<?xml version="1.0"?><!DOCTYPE b [{entities}]><b>&a9;</b>'.encode()
        for payload in (bomb,
                        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "{url}">]><x>&e;</x>'
                        .encode(),
                        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM '
                        b'"file:///etc/passwd">]><x>&e;</x>'):
            errors = _rejected(server, tokens["designer"], {"evil.bpmn": payload})
            assert errors[0]["code"] == "forbidden_dtd"
    finally:
        trap.shutdown()
        trap.server_close()
    assert hits == []


def test_upload_without_files_and_openapi_and_health(server, tokens) -> None:
    response = server.post("/api/v1/definitions", tokens["admin"], data={"x": "1"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "files"
    spec = server.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and spec.json()["openapi"].startswith("3.")
    assert "/api/v1/tasks/{task_id}/complete" in spec.json()["paths"]
    assert server.get("/health").json() == {"status": "ok", "pid": os.getpid()}
    missing = server.get("/api/v1/nothing-here", tokens["admin"])
    assert missing.status_code == 404 and missing.json()["status"] == 404


def test_wrong_method_and_oversized_upload_are_problem_json(server, tokens) -> None:
    wrong = server.call("DELETE", "/api/v1/definitions", tokens["admin"])
    assert wrong.status_code == 405 and wrong.json()["status"] == 405
    huge = deploy(server, tokens["admin"], {"big.bpmn": b"<a>" + b" " * (6 * 1024 * 1024) + b"</a>"},
                  headers={"Accept-Language": "en"})
    assert huge.status_code == 413 and huge.json()["title"] == "Request Entity Too Large"


def _validate(server, token: str, files: dict[str, bytes]):  # type: ignore[no-untyped-def]
    return server.post("/api/v1/definitions/validate", token,
                       files=[("files", (name, data)) for name, data in files.items()])


def test_validate_checks_like_a_deployment_and_stores_nothing(server, tokens) -> None:
    files = bundle(RESOURCES / "three_steps")
    checked = _validate(server, tokens["designer"], files)
    assert checked.status_code == 200, checked.text
    assert checked.json() == {"key": "three_steps", "name": checked.json()["name"],
                              "version": 1, "changed": True}
    assert server.get("/api/v1/definitions", tokens["admin"]).json() == []  # nothing stored
    assert deploy(server, tokens["designer"], files).status_code == 201
    same = _validate(server, tokens["designer"], files).json()
    assert same["version"] == 1 and same["changed"] is False
    edited = dict(files, **{"step_one.json": files["step_one.json"].replace(b"Note", b"Remark")})
    assert _validate(server, tokens["designer"], edited).json()["version"] == 2

    broken = dict(files, **{"three_steps.bpmn": files["three_steps.bpmn"].replace(
        b"</bpmn:process>", b'<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
        b'<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>'
        b'</bpmn:intermediateCatchEvent></bpmn:process>')})
    refused = _validate(server, tokens["designer"], broken)
    assert refused.status_code == 422
    assert any(e.get("element_id") == "wait" for e in refused.json()["errors"]), refused.text
    assert _validate(server, tokens["agent"], files).status_code == 403
    assert server.post("/api/v1/definitions/validate", tokens["designer"]).status_code == 400
    assert len(server.get("/api/v1/definitions?all_versions=true", tokens["admin"]).json()) == 1


def test_a_model_written_back_unchanged_is_no_new_version_but_a_moved_shape_is(server, tokens) -> None:  # type: ignore[no-untyped-def]
    """The designer's deploy of an opened, unchanged model: compared in canonical form."""
    from tests.conftest import ROOT
    from tests.unit.test_canonical import _rewrite
    files = bundle(ROOT / "processes/complaint-handling")
    name = "complaint_handling.bpmn"
    first = deploy(server, tokens["admin"], files)
    assert first.status_code == 201, first.text
    rewritten = dict(files, **{name: _rewrite(files[name].decode()).encode()})
    checked = _validate(server, tokens["admin"], rewritten)
    assert checked.json().get("changed") is False, checked.text
    again = deploy(server, tokens["admin"], rewritten)
    assert again.status_code == 200, again.text
    assert (again.json()["unchanged"], again.json()["version"]) == (True, 1)
    moved = dict(rewritten, **{name: rewritten[name].replace(
        b'<dc:Bounds y="292.0" x="232.0"', b'<dc:Bounds y="300.0" x="232.0"', 1)})
    assert moved[name] != rewritten[name]
    checked = _validate(server, tokens["admin"], moved)
    assert checked.json()["changed"] is True, checked.text
    second = deploy(server, tokens["admin"], moved)
    assert second.status_code == 201 and second.json()["version"] == 2
    assert second.json()["unchanged"] is False
    versions = server.get("/api/v1/definitions?all_versions=true", tokens["admin"]).json()
    assert [v["version"] for v in versions] == [2, 1]
