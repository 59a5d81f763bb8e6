"""Every refusal a person meets is in their language (issue 15): the same refusal comes in
Chinese by default and in English when Accept-Language prefers it, title and detail and the
field messages, for one representative of each area (tasks, visibility, instances, customers,
look-up, deploying into process groups, SLA admin, sign-in and tokens). Status and shape do
not change with the language."""
from __future__ import annotations

import re

import pytest

from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy

EN = {"Accept-Language": "en-US,en;q=0.9,zh-CN;q=0.5"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _both(call) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    """The problem in the default language and in English: same status, same shape."""
    chinese, english = call({}), call(EN)
    assert chinese.status_code == english.status_code, (chinese.text, english.text)
    for answer in (chinese, english):
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    zh, en = chinese.json(), english.json()
    assert set(zh) == set(en) and zh["status"] == en["status"] == chinese.status_code
    assert [(e["field"], e.get("code")) for e in zh.get("errors", [])] == [
        (e["field"], e.get("code")) for e in en.get("errors", [])]
    assert CHINESE.search(zh["title"]) and CHINESE.search(zh["detail"]), zh
    assert not CHINESE.search(en["title"]), en
    return zh, en


@pytest.fixture
def task_id(server, tokens) -> int:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).ok
    started = server.post("/api/v1/instances", tokens["agent"],
                          json={"process_key": "three_steps"})
    assert started.status_code == 201, started.text
    return started.json()["open_tasks"][0]["id"]


def test_a_task_claimed_by_someone_else(server, tokens, task_id) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/tasks/{task_id}/claim"
    assert server.post(url, tokens["agent"]).status_code == 200
    zh, en = _both(lambda h: server.post(url, tokens["agent2"], headers=h))
    assert zh["status"] == 409
    assert (zh["title"], zh["detail"]) == ("冲突", f"任务 {task_id} 已被「agent」认领。")
    assert (en["title"], en["detail"]) == ("Conflict",
                                           f"Task {task_id} is already claimed by 'agent'.")


def test_a_blank_reason_and_a_task_no_longer_open(server, tokens, task_id) -> None:  # type: ignore[no-untyped-def]
    zh, en = _both(lambda h: server.post(f"/api/v1/tasks/{task_id}/escalate", tokens["agent"],
                                         json={"reason": "  "}, headers=h))
    assert zh["status"] == 422 and zh["detail"] == "请说明升级的原因。"
    assert en["detail"] == "Say why the task is escalated."
    assert zh["errors"] == [{"field": "reason", "code": "field.not_blank", "message": "不能为空",
                             "location": "json"}]
    assert en["errors"][0]["message"] == "must not be blank"
    instance = server.get(f"/api/v1/tasks/{task_id}", tokens["agent"]).json()["instance_id"]
    cancelled = server.post(f"/api/v1/instances/{instance}/cancel", tokens["admin"],
                            json={"reason": "test"})
    assert cancelled.status_code < 300, cancelled.text
    zh, en = _both(lambda h: server.post(f"/api/v1/tasks/{task_id}/claim", tokens["agent"],
                                         headers=h))
    assert zh["status"] == 409
    assert zh["detail"] == f"任务 {task_id} 的状态为「已取消」，已不能办理。"
    assert en["detail"] == f"Task {task_id} is cancelled, not open."


def test_a_case_the_user_does_not_work_on(server, tokens, task_id) -> None:  # type: ignore[no-untyped-def]
    instance = server.get(f"/api/v1/tasks/{task_id}", tokens["agent"]).json()["instance_id"]
    zh, en = _both(lambda h: server.get(f"/api/v1/instances/{instance}", tokens["outsider"],
                                        headers=h))
    assert zh["status"] == 403 and zh["title"] == "无权操作" and en["title"] == "Forbidden"
    assert zh["detail"].startswith(f"「outsider」没有经办案件 {instance}")
    assert en["detail"].startswith(f"'outsider' does not work on case {instance}")


def test_an_instance_that_does_not_exist_and_a_role_missing(server, tokens) -> None:  # type: ignore[no-untyped-def]
    zh, en = _both(lambda h: server.get("/api/v1/instances/987654", tokens["agent"], headers=h))
    assert (zh["status"], zh["title"], zh["detail"]) == (404, "未找到", "没有编号为 987654 的流程实例。")
    assert (en["title"], en["detail"]) == ("Not found", "No process instance 987654.")
    zh, en = _both(lambda h: server.post("/api/v1/instances/987654/cancel", tokens["agent"],
                                         json={"reason": "x"}, headers=h))
    assert zh["status"] == 403 and "「agent」的角色：staff" in zh["detail"]
    assert en["detail"] == "This needs one of these roles: admin; 'agent' has staff."


def test_a_customer_code_taken_names_the_field_in_both_languages(server, tokens) -> None:  # type: ignore[no-untyped-def]
    customer = {"code": "TB-0001", "name": "王芳"}
    assert server.post("/api/v1/customers", tokens["agent"], json=customer).status_code == 201
    zh, en = _both(lambda h: server.post("/api/v1/customers", tokens["agent"], json=customer,
                                         headers=h))
    assert zh["status"] == 409 and zh["detail"] == "客户编码「TB-0001」已存在。"
    assert en["detail"] == "A customer with code 'TB-0001' already exists."
    assert zh["errors"] == [{"field": "code", "code": "field.code_taken", "message": "已被使用",
                             "location": "json"}]
    assert en["errors"][0]["message"] == "already used"


def test_a_look_up_by_two_keys(server, tokens) -> None:  # type: ignore[no-untyped-def]
    zh, en = _both(lambda h: server.get("/api/v1/lookup?case_no=TS1&phone=138", tokens["agent"],
                                        headers=h))
    assert zh["status"] == 422 and zh["title"] == "提交的内容未通过校验"
    assert en["title"] == "Validation failed"
    assert zh["detail"] == "请只用案件编号、订单号、电话中的一项查询案件。"
    assert {e["message"] for e in zh["errors"]} == {"只能填写案件编号、订单号、电话中的一项"}
    assert {e["message"] for e in en["errors"]} == {"give exactly one of case_no, order_no, phone"}


def test_deploying_into_a_process_group_that_does_not_exist(server, tokens) -> None:  # type: ignore[no-untyped-def]
    files = [("files", (name, data)) for name, data in bundle(RESOURCES / "three_steps").items()]
    zh, en = _both(lambda h: server.post("/api/v1/definitions", tokens["designer"],
                                         data={"process_group": "nope"}, files=files,
                                         headers=h))
    assert zh["status"] == 422
    assert zh["detail"] == "没有流程组「nope」；可选：cs。"
    assert en["detail"] == "There is no process group 'nope'; you may choose: cs."
    assert zh["errors"][0]["message"] == "没有这个流程组"


def test_an_sla_calendar_that_does_not_exist(server, tokens) -> None:  # type: ignore[no-untyped-def]
    zh, en = _both(lambda h: server.get("/api/v1/admin/calendars/nowhere", tokens["admin"],
                                        headers=h))
    assert zh["status"] == 404 and zh["detail"] == "没有名为「nowhere」的日历。"
    assert en["detail"] == "No calendar named 'nowhere'."


def test_a_wrong_token_a_wrong_password_and_an_unknown_address(server, tokens) -> None:  # type: ignore[no-untyped-def]
    zh, en = _both(lambda h: server.get("/api/v1/tasks", "fd_not-a-token", headers=h))
    assert (zh["status"], zh["title"], en["title"]) == (401, "未登录", "Unauthorized")
    assert "令牌不存在" in zh["detail"] and "bearer token is unknown" in en["detail"]
    zh, en = _both(lambda h: server.post("/api/v1/auth/session", json={
        "username": "agent", "password": "not it"}, headers=h))
    assert zh["detail"] == "用户名或密码不正确。" and en["detail"] == "Unknown user or wrong password."
    zh, en = _both(lambda h: server.get("/api/v1/nothing-here", tokens["agent"], headers=h))
    assert zh["status"] == 404 and zh["title"] == "未找到" and en["title"] == "Not Found"
