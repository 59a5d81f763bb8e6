"""Errors in the request's language: form errors as codes with parameters, said with the
field's title in Chinese by default and in English when Accept-Language prefers it; one 422
title; a 415 for a body that is not JSON; ISO 8601 dates in report rows."""
from __future__ import annotations

import pytest

from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy

BAD = {"amount": 0, "consent": False, "paid_on": "yesterday", "method": "cash"}


@pytest.fixture
def task_url(server, tokens) -> str:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "refund_form")).status_code == 201
    started = server.post("/api/v1/instances", tokens["agent"],
                          json={"process_key": "refund_form"})
    assert started.status_code == 201, started.text
    items = server.get(f"/api/v1/tasks?instance_id={started.json()['id']}",
                       tokens["agent"]).json()["items"]
    url = f"/api/v1/tasks/{items[0]['id']}"
    assert server.post(url + "/claim", tokens["agent"]).status_code == 200
    return url + "/complete"


def _errors(response) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return {e["field"]: e for e in response.json()["errors"]}


def test_form_errors_are_codes_with_parameters_in_chinese_by_default(server, tokens,
                                                                    task_url) -> None:
    response = server.post(task_url, tokens["agent"], json={"data": BAD})
    assert response.json()["title"] == "提交的内容未通过校验"
    errors = _errors(response)
    assert set(errors) == {"amount", "phone", "consent", "paid_on", "method"}
    assert errors["amount"]["code"] == "exclusiveMinimum"
    assert errors["amount"]["params"] == {"limit": 0}
    assert errors["amount"]["message"] == "金额必须大于 0"
    assert errors["phone"]["code"] == "required" and errors["phone"]["message"] == "必须填写：联系电话"
    assert errors["consent"]["code"] == "const"
    assert errors["consent"]["params"] == {"expected": True}
    assert errors["consent"]["message"] == "请确认客户已同意"
    assert errors["paid_on"]["code"] == "format" and errors["paid_on"]["params"] == {"format": "date"}
    assert errors["paid_on"]["message"].startswith("付款日期必须是日期")
    assert errors["method"]["code"] == "oneOf" and "退款方式" in errors["method"]["message"]
    assert not any("expected" in e["message"] or "minimum" in e["message"]
                   for e in errors.values())
    wrong_type = _errors(server.post(task_url, tokens["agent"], json={"data": {
        "amount": "many", "phone": "1", "consent": "yes"}}))
    assert wrong_type["amount"]["params"] == {"expected": "number"}
    assert wrong_type["amount"]["message"] == "金额必须是数字"


def test_form_errors_in_english_when_the_request_prefers_it(server, tokens, task_url) -> None:
    response = server.post(task_url, tokens["agent"], json={"data": BAD},
                           headers={"Accept-Language": "en-US,en;q=0.9,zh-CN;q=0.5"})
    assert response.json()["title"] == "Validation failed"
    errors = _errors(response)
    assert errors["amount"]["message"] == "金额 must be greater than 0"
    assert errors["phone"]["message"] == "Required: 联系电话"
    assert errors["consent"]["message"] == "Please confirm: 客户已同意"
    assert errors["amount"]["code"] == "exclusiveMinimum"  # the codes do not change
    chinese = server.post(task_url, tokens["agent"], json={"data": BAD},
                          headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert _errors(chinese)["amount"]["message"] == "金额必须大于 0"


def test_marshmallow_field_errors_and_every_422_title_in_the_request_language(
        server, tokens, task_url) -> None:
    missing = server.post("/api/v1/instances", tokens["agent"], json={"variables": {}})
    body = missing.json()
    assert missing.status_code == 422 and body["title"] == "提交的内容未通过校验"
    error = next(e for e in body["errors"] if e["field"] == "process_key")
    assert error["code"] == "required" and error["message"] == "必须填写此字段。"
    english = server.post("/api/v1/instances", tokens["agent"], json={"variables": {}},
                          headers={"Accept-Language": "en"})
    assert english.json()["title"] == "Validation failed"
    assert any(e["message"] == "Missing data for required field."
               for e in english.json()["errors"])
    bad_model = deploy(server, tokens["admin"], {"x.bpmn": b"<not xml"})
    assert bad_model.status_code == 422 and bad_model.json()["title"] == "提交的内容未通过校验"


def test_a_json_body_without_its_content_type_is_a_415_that_says_so(server, tokens,
                                                                     task_url) -> None:
    sent = server.post(task_url, tokens["agent"], data='{"data": {"amount": 1}}',
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert sent.status_code == 415, sent.text
    assert sent.headers["Content-Type"].startswith("application/problem+json")
    assert "Content-Type: application/json" in sent.json()["detail"]
    plain = server.post(task_url, tokens["agent"], data='{"data": {}}',
                        headers={"Content-Type": "text/plain", "Accept-Language": "en"})
    assert plain.status_code == 415 and "must be JSON" in plain.json()["detail"]
    assert "Missing data" not in plain.text


def test_report_rows_carry_iso_8601_dates(server, tokens) -> None:
    from tests.conftest import PROCESSES
    assert deploy(server, tokens["admin"],
                  bundle(PROCESSES / "negative-review")).status_code == 201
    started = server.post("/api/v1/instances", tokens["admin"],
                          json={"process_key": "negative_review"})
    assert started.status_code == 201, started.text
    rows = server.get("/api/v1/reports/negative-reviews", tokens["supervisor"]).json()["items"]
    assert rows, rows
    started_at = rows[0]["started_at"]
    assert "GMT" not in started_at and started_at[:4].isdigit() and "T" in started_at


def test_a_shipped_task_is_chinese_and_english_comes_from_the_catalogue(server, tokens) -> None:
    from tests.conftest import PROCESSES
    from services.definitions import _bundle_name
    folder = PROCESSES / "complaint-handling"
    files = {_bundle_name(f): f.read_bytes() for f in sorted(folder.rglob("*"))
             if f.is_file() and f.name.endswith((".bpmn", ".dmn", ".json"))
             and f.name != "sla.json"}
    assert "i18n.en.json" in files
    assert deploy(server, tokens["admin"], files).status_code == 201
    started = server.post("/api/v1/instances", tokens["agent"],
                          json={"process_key": "complaint_handling"})
    assert started.status_code == 201, started.text
    task_id = started.json()["open_tasks"][0]["id"]
    chinese = server.get(f"/api/v1/tasks/{task_id}", tokens["agent"]).json()
    channel = chinese["form_schema"]["properties"]["channel"]
    assert chinese["name"] == "登记投诉" and channel["title"] == "投诉渠道"
    assert "regulator =" not in channel["description"] and "Classify" not in chinese["documentation"]
    english = server.get(f"/api/v1/tasks/{task_id}", tokens["agent"],
                         headers={"Accept-Language": "en"}).json()
    channel = english["form_schema"]["properties"]["channel"]
    assert english["name"] == "Register the complaint"
    assert channel["title"] == "Channel" and channel["oneOf"][0] == {
        "const": "hotline", "title": "24-hour service hotline"}
    assert "five" not in english["documentation"] and "apologise" in english["documentation"]
    # the values people choose do not change with the language
    assert [o["const"] for o in channel["oneOf"]] == [
        o["const"] for o in chinese["form_schema"]["properties"]["channel"]["oneOf"]]
