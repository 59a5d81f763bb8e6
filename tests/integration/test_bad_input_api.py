"""Bad input is a 4xx naming what and where, never a 500: numbers too big for the database,
durations that do not parse, unique values taken twice, search wildcards, a model too long
to walk recursively; and the OpenAPI document says what errors and nullable fields look like."""
from __future__ import annotations

from http import HTTPStatus

import pytest

from tests.conftest import scripted_bundle
from tests.integration.conftest import deploy
from tests.integration.test_sla_api import OFFICE

TOO_BIG = 2 ** 31  # one past the largest INTEGER (32 bits on PostgreSQL)


def fields_of(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    return {e["field"] for e in response.json()["errors"]}


@pytest.mark.parametrize("path", [f"/api/v1/tasks/{TOO_BIG}", f"/api/v1/instances/{2 ** 64}",
                                  f"/api/v1/customers/{TOO_BIG}/purchases"])
def test_a_path_id_past_its_column_is_422_naming_it(server, tokens, path: str) -> None:  # type: ignore[no-untyped-def]
    method = "POST" if path.endswith("purchases") else "GET"
    response = server.call(method, path, tokens["admin"], json={})
    assert fields_of(response) in ({"task_id"}, {"instance_id"}, {"customer_id"})
    assert server.get(f"/api/v1/tasks/{TOO_BIG - 1}", tokens["admin"]).status_code == 404


def test_query_and_body_numbers_past_their_column_are_422_naming_them(server, tokens) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    assert fields_of(server.get(f"/api/v1/instances?page={TOO_BIG}", admin)) == {"page"}
    assert fields_of(server.get(f"/api/v1/tasks?instance_id={-TOO_BIG - 1}", admin)) \
        == {"instance_id"}
    assert fields_of(server.post("/api/v1/instances", admin, json={
        "process_key": "three_steps", "customer_id": TOO_BIG})) == {"customer_id"}
    assert fields_of(server.post("/api/v1/messages", admin, json={
        "name": "m", "instance_id": TOO_BIG})) == {"instance_id"}


def test_a_duration_that_does_not_parse_is_422_naming_add(server, tokens) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    assert server.call("PUT", "/api/v1/admin/calendars/office", admin, json=OFFICE).ok
    for add in ("xyz", "P1M", "P99999999999D", "P999W", "99999999999 天", "3 fortnights"):
        response = server.get("/api/v1/admin/calendars/office/preview", admin,
                              params={"add": add})
        assert fields_of(response) == {"add"}, add
    for add, iso in (("PT10H", "PT10H"), ("10 小时", "PT10H"), ("1 个工作日", "PT8H")):
        ok = server.get("/api/v1/admin/calendars/office/preview", admin, params={"add": add})
        assert ok.status_code == 200 and ok.json()["add"] == iso, (add, ok.text)


def test_a_customer_code_taken_twice_is_409_on_patch_too(server, tokens) -> None:  # type: ignore[no-untyped-def]
    agent = tokens["agent"]
    first = server.post("/api/v1/customers", agent, json={"code": "A-1", "name": "甲"}).json()
    second = server.post("/api/v1/customers", agent, json={"code": "A-2", "name": "乙"}).json()
    supervisor = tokens["supervisor"]  # may change any customer's record (staff: their cases')
    clash = server.call("PATCH", f"/api/v1/customers/{second['id']}", supervisor,
                        json={"code": "A-1"})
    assert clash.status_code == 409, clash.text
    assert [e["field"] for e in clash.json()["errors"]] == ["code"]
    assert server.get(f"/api/v1/customers/{second['id']}", supervisor).json()["code"] == "A-2"
    assert first["code"] == "A-1"


@pytest.mark.parametrize("typed, found", [("%", ["50%"]), ("_", ["a_b"]), ("0%", ["50%"]),
                                          ("a", ["a_b", "abc"])])
def test_search_wildcards_are_plain_characters(server, tokens, typed: str,  # type: ignore[no-untyped-def]
                                                found: list[str]) -> None:
    agent = tokens["agent"]
    for code in ("50%", "a_b", "abc", "xyz"):
        assert server.post("/api/v1/customers", agent,
                           json={"code": code, "name": "客户"}).status_code == 201
    items = server.get("/api/v1/customers", agent, params={"q": typed}).json()["items"]
    assert sorted(c["code"] for c in items) == found


def test_an_incident_of_a_new_instance_has_its_id(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    assert deploy(server, admin, scripted_bundle("x = 1 / 0")).ok
    started = server.post("/api/v1/instances", admin, json={"process_key": "scripted"}).json()
    assert started["status"] == "error"
    [incident] = started["incidents"]
    stored = server.get(f"/api/v1/instances/{started['id']}", admin).json()["incidents"]
    assert isinstance(incident["id"], int) and [i["id"] for i in stored] == [incident["id"]]


def test_the_openapi_document_says_errors_are_problem_details(server, tokens) -> None:  # type: ignore[no-untyped-def]
    spec = server.get("/api/v1/openapi.json").json()
    shared = spec["components"]["responses"]
    errors = {name: r for name, r in shared.items()
              if name == "DEFAULT_ERROR" or HTTPStatus[name] >= 400}
    assert {"DEFAULT_ERROR", "UNPROCESSABLE_ENTITY"} <= set(errors)
    assert all(set(r["content"]) == {"application/problem+json"} for r in errors.values())
    incident_id = spec["components"]["schemas"]["IncidentOut"]["properties"]["id"]
    assert incident_id["type"] == "integer"
    task_id = next(p for p in spec["paths"]["/api/v1/tasks/{task_id}"]["parameters"]
                   if p["name"] == "task_id")
    assert task_id["schema"]["maximum"] == TOO_BIG - 1
    assert server.post(f"/api/v1/external-tasks/{2 ** 63}/complete", tokens["worker"],
                       json={"worker_id": "w"}).status_code == 422
    assert server.post(f"/api/v1/external-tasks/{2 ** 63 - 1}/complete", tokens["worker"],
                       json={"worker_id": "w"}).status_code == 404


def test_a_chain_of_ten_thousand_tasks_deploys_or_is_refused_in_words(server, tokens) -> None:  # type: ignore[no-untyped-def]
    steps = 10_001
    # Throw events: nobody needs to be assigned (plain tasks are refused for that first).
    tasks = "".join(f'<bpmn:intermediateThrowEvent id="t{i}"><bpmn:incoming>f{i}</bpmn:incoming>'
                    f'<bpmn:outgoing>f{i + 1}</bpmn:outgoing></bpmn:intermediateThrowEvent>'
                    for i in range(steps))
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{"start" if i == 0 else f"t{i - 1}"}"'
                    f' targetRef="{"end" if i == steps else f"t{i}"}"/>' for i in range(steps + 1))
    xml = ('<?xml version="1.0" encoding="UTF-8"?>'
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
           'id="d" targetNamespace="http://flowdesk">'
           '<bpmn:process id="long_chain" name="Long chain" isExecutable="true">'
           '<bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>'
           f'{tasks}<bpmn:endEvent id="end"><bpmn:incoming>f{steps}</bpmn:incoming>'
           f'</bpmn:endEvent>{flows}</bpmn:process></bpmn:definitions>')
    response = deploy(server, tokens["admin"], {"long_chain.bpmn": xml.encode()})
    assert response.status_code == 422, response.text
    [problem] = response.json()["errors"]
    assert "连续的元素太多" in problem["message"], problem  # said in Chinese by default
    assert "Recursion" not in response.text and problem["element_id"].startswith("t")


def test_a_purchase_amount_past_the_column_is_422(server, tokens) -> None:  # type: ignore[no-untyped-def]
    agent = tokens["agent"]
    customer = server.post("/api/v1/customers", agent, json={"code": "c", "name": "丙"}).json()
    response = server.post(f"/api/v1/customers/{customer['id']}/purchases", agent, json={
        "order_no": "o1", "amount": 1e12, "purchased_at": "2024-06-11T10:00:00+08:00"})
    assert fields_of(response) == {"amount"}



def test_ten_thousand_nested_subprocesses_are_refused_in_words(server, tokens) -> None:  # type: ignore[no-untyped-def]
    depth = 10_001
    opening = "".join(f'<bpmn:subProcess id="s{i}">' for i in range(depth))
    xml = ('<?xml version="1.0" encoding="UTF-8"?>'
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
           'id="d" targetNamespace="http://flowdesk">'
           '<bpmn:process id="deep" isExecutable="true"><bpmn:startEvent id="start"/>'
           f'{opening}{"</bpmn:subProcess>" * depth}</bpmn:process></bpmn:definitions>')
    response = deploy(server, tokens["admin"], {"deep.bpmn": xml.encode()})
    assert response.status_code == 422, response.text
    assert "Recursion" not in response.text and "recursion" not in response.text


def test_a_method_a_path_does_not_take_is_405_with_allow(server, tokens) -> None:  # type: ignore[no-untyped-def]
    """RFC 9110: a 405 says which methods the resource takes."""
    for method, path, allowed in (("TRACE", "/api/v1/cases", {"GET"}),
                                  ("DELETE", "/api/v1/tasks/1/claim", {"POST"}),
                                  ("PUT", "/api/v1/customers/1", {"GET", "PATCH"})):
        response = server.call(method, path, tokens["agent"])
        assert response.status_code == 405, (method, path, response.text)
        assert response.headers["Content-Type"] == "application/problem+json"
        said = {m.strip() for m in response.headers["Allow"].split(",")}
        assert allowed <= said, (method, path, said)


@pytest.mark.parametrize("path", [
    "/api/v1/reports/sla?from=0001-01-01&to=9999-12-31",
    "/api/v1/reports/open-cases?group_by=day&to=9999-12-31",
    "/api/v1/reports/agents?from=0001-01-01T00:00:00%2B08:00",
    "/api/v1/instances?started_after=0001-01-01T00:00:00%2B08:00",
    "/api/v1/tasks?due_before=9999-12-31T23:59:59-08:00",
    "/api/v1/admin/timers?due_after=0001-01-01T00:00:00%2B14:00"])
def test_an_instant_at_the_ends_of_the_calendar_is_422_naming_it(server, tokens, path: str) -> None:  # type: ignore[no-untyped-def]
    """Year 1 or 9999 overflowed Python's datetime when moved to UTC or by a day (a 500)."""
    response = server.get(path, tokens["admin"])
    named = fields_of(response)
    assert named and named <= {"from", "to", "started_after", "due_before", "due_after"}
    assert "1900" in response.json()["errors"][0]["message"]
    assert server.get("/api/v1/reports/sla?from=2026-01-01&to=2026-12-31",
                      tokens["admin"]).status_code == 200
