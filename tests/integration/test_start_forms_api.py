"""Start forms over the REST API (issue 15, 新建案件): the start API checks intake data against
the process's start form as task completion checks a task's form, and GET /startable lists
what each user may start by hand, by the start rule."""
from __future__ import annotations

import pytest

from tests.conftest import PROCESSES, bundle
from tests.integration.conftest import deploy

SHIPPED = ("complaint-handling", "after-sales", "negative-review", "service-notification",
           "approvals", "monthly-callback")


@pytest.fixture
def deployed(server, tokens):  # type: ignore[no-untyped-def]
    for folder in SHIPPED:
        response = deploy(server, tokens["admin"], bundle(PROCESSES / folder))
        assert response.status_code == 201, response.text


def customer(server, token: str) -> int:  # type: ignore[no-untyped-def]
    made = server.post("/api/v1/customers", token, json={
        "code": "SF-1", "name": "李娜", "phone": "13900001111", "tier": "金卡"})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def test_intake_that_fails_the_start_form_is_422_per_field(server, tokens, deployed) -> None:
    response = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "complaint_handling",
        "variables": {"channel": "pigeon", "description": ""}}, headers={"Accept-Language": "zh"})
    assert response.status_code == 422, response.text
    fields = {e["field"]: e for e in response.json()["errors"]}
    assert set(fields) == {"channel", "description", "customer_id"}
    assert fields["customer_id"]["message"].startswith("请选择客户")  # was jsonschema's English
    assert server.get("/api/v1/instances?process_key=complaint_handling",
                      tokens["admin"]).json()["total"] == 0


def test_intake_that_fits_starts_the_case_and_prefills_the_first_task(
        server, tokens, deployed) -> None:
    customer_id = customer(server, tokens["agent"])
    response = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "complaint_handling", "customer_id": customer_id,
        "variables": {"channel": "hotline", "description": "收到的水壶漏水。"}})
    assert response.status_code == 201, response.text
    started = response.json()
    assert started["case_no"].startswith("TS")
    [task] = started["open_tasks"]
    assert task["bpmn_id"] == "register_complaint"
    detail = server.get(f"/api/v1/tasks/{task['id']}", tokens["agent"]).json()
    assert detail["data"]["channel"] == "hotline"
    assert detail["data"]["description"] == "收到的水壶漏水。"


def test_a_start_without_intake_data_still_starts(server, tokens, deployed) -> None:
    """API callers that send no variables start as before: the first task collects it all."""
    response = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "complaint_handling"})
    assert response.status_code == 201, response.text


def test_a_start_form_missing_from_the_bundle_is_refused_at_deploy(server, tokens) -> None:
    files = bundle(PROCESSES / "approvals")
    xml = files["approvals.bpmn"].decode()
    xml = xml.replace(
        '<bpmn:startEvent id="approval_requested" name="提交审批申请">',
        '<bpmn:startEvent id="approval_requested" name="提交审批申请"><bpmn:extensionElements>'
        '<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" '
        'value="nowhere.json" /></spiffworkflow:properties></bpmn:extensionElements>')
    response = deploy(server, tokens["admin"], {**files, "approvals.bpmn": xml.encode()})
    assert response.status_code == 422, response.text
    [problem] = response.json()["errors"]
    assert (problem["element_id"], problem["code"]) == ("approval_requested", "missing_form")


def test_a_start_form_that_is_no_schema_is_refused_at_deploy(server, tokens) -> None:
    files = {**bundle(PROCESSES / "approvals"), "start.json": b'{"type": "objekt"}'}
    response = deploy(server, tokens["admin"], files)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["file"] == "start.json"


def test_startable_follows_the_start_rule(server, tokens, deployed) -> None:
    def listed(who: str) -> dict[str, dict]:
        response = server.get("/api/v1/startable", tokens[who])
        assert response.status_code == 200, response.text
        return {p["process_key"]: p for p in response.json()}

    agent = listed("agent")
    # Agent's lane starts these; negative reviews (AfterSales) and service notifications
    # (ServiceAssistant) are started by others; the monthly callback starts on a timer.
    assert set(agent) == {"complaint_handling", "after_sales", "approvals"}
    complaint = agent["complaint_handling"]
    assert complaint["name"] == "投诉处理"
    assert complaint["customer"] == "required"
    assert complaint["start_form"]["properties"]["channel"]["title"] == "投诉渠道"
    assert agent["approvals"]["customer"] is None
    assert set(listed("outsider")) == set()
    assert set(listed("admin")) == {"complaint_handling", "after_sales", "approvals",
                                    "negative_review", "service_notification"}
    assert server.get("/api/v1/startable", tokens["worker"]).status_code == 403
