"""The case search and the case page's data (/api/v1/cases), under the visibility rule:
one's own cases found by any clue, others' only by an exact one and masked, the look-up
audited; the page with labelled fields, clocks, done tasks and related cases, 403 if not one's."""
from __future__ import annotations

from tests.conftest import PROCESSES, bundle
from tests.integration.conftest import deploy
from tests.integration.test_sla_api import armed, at, local  # noqa: F401 - the fixture
from tests.integration.test_visibility_api import CUSTOMER, SECRET, _audit_actions, _finance_case


INTAKE = {"channel": "complaint_hotline", "description": "电话投诉: 电水壶底座漏水。"}


def _complaint(server, tokens, customer_id: int, **variables) -> dict:  # type: ignore[no-untyped-def]
    started = server.post("/api/v1/instances", tokens["admin"], json={
        "process_key": "complaint_handling", "customer_id": customer_id,
        "variables": {**INTAKE, **variables}})
    assert started.status_code == 201, started.text
    return started.json()


def test_an_agent_finds_own_cases_by_any_clue_and_others_only_masked(server, tokens) -> None:  # type: ignore[no-untyped-def]
    case, customer = _finance_case(server, tokens)
    agent, supervisor = tokens["agent"], tokens["supervisor"]
    for q in ("王", CUSTOMER["code"], case["case_no"][:4]):  # a part of a name: nothing
        found = server.get("/api/v1/cases", agent, params={"q": q})
        assert found.status_code == 200, found.text
        assert found.json() == {"cases": [], "masked": []}, q
    for q in (case["case_no"], SECRET["order_no"], CUSTOMER["phone"]):
        found = server.get("/api/v1/cases", agent, params={"q": q}).json()
        assert found["cases"] == []
        [summary] = found["masked"]
        assert summary["instance_id"] == case["id"] and summary["may_open"] is False
        assert summary["customer"]["phone"] == "138****5678" and summary["customer"]["name"] == "王*"
        assert summary["process_name"] and summary["personal"]["iban"] == "****3000"
    looked = [a for a in _audit_actions(server, supervisor, case["id"]) if a[0] == "case.looked_up"]
    assert looked == [("case.looked_up", "agent")] * 3

    for q in ("王", CUSTOMER["code"], case["case_no"], CUSTOMER["phone"], case["case_no"][:6]):
        found = server.get("/api/v1/cases", supervisor, params={"q": q}).json()
        assert [c["instance_id"] for c in found["cases"]] == [case["id"]], q
        assert found["masked"] == []
        [own] = found["cases"]
        assert own["may_open"] is True and own["customer"]["name"] == CUSTOMER["name"]
        assert own["customer"]["phone"] == "138****5678"  # the full record is on the page


def test_the_search_escapes_wildcards_and_refuses_an_empty_query(server, tokens) -> None:  # type: ignore[no-untyped-def]
    _finance_case(server, tokens)
    supervisor = tokens["supervisor"]
    for q in ("%", "_", "王%"):
        assert server.get("/api/v1/cases", supervisor, params={"q": q}).json()["cases"] == [], q
    for params in ({}, {"q": ""}, {"q": "x" * 101}):
        refused = server.get("/api/v1/cases", supervisor, params=params)
        assert refused.status_code == 422, refused.text
        assert "q" in {e["field"] for e in refused.json()["errors"]}
    assert server.get("/api/v1/cases", tokens["worker"], params={"q": "x"}).status_code == 403


def test_the_case_page_labels_fields_and_lists_clocks_tasks_and_related_cases(server, tokens) -> None:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(PROCESSES / "complaint-handling")).ok
    customer = server.post("/api/v1/customers", tokens["admin"], json=CUSTOMER).json()
    first = _complaint(server, tokens, customer["id"])
    second = _complaint(server, tokens, customer["id"])
    task = first["open_tasks"][0]
    agent = tokens["agent"]
    assert server.post(f"/api/v1/tasks/{task['id']}/claim", agent).status_code == 200
    page = server.get(f"/api/v1/cases/{first['id']}", agent)
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["process_name"] and body["process_name"] != "complaint_handling"
    assert body["customer"]["phone"] == CUSTOMER["phone"]  # theirs: in full, and audited
    assert ("customer.read", "agent") in _audit_actions(server, tokens["supervisor"], first["id"])
    assert body["open_tasks"][0]["id"] == task["id"]
    assert [r["id"] for r in body["related"]] == [second["id"]]  # the same customer's

    refused = server.get(f"/api/v1/cases/{first['id']}", tokens["outsider"])
    assert refused.status_code == 403 and CUSTOMER["phone"] not in refused.text
    assert server.get("/api/v1/cases/999999", agent).status_code == 404


def test_labelled_fields_use_the_forms_titles_and_choice_labels(server, tokens) -> None:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(PROCESSES / "complaint-handling")).ok
    customer = server.post("/api/v1/customers", tokens["admin"], json=CUSTOMER).json()
    started = _complaint(server, tokens, customer["id"], customer_name="李雷", x_internal=3)
    body = server.get(f"/api/v1/cases/{started['id']}", tokens["supervisor"]).json()
    by_name = {f["name"]: f for f in body["fields"]}
    assert by_name["channel"]["label"] == "投诉渠道" and by_name["channel"]["shown"] == "投诉热线"
    assert by_name["customer_name"]["label"] == "客户姓名"
    assert by_name["customer_name"]["value"] == "李雷" and by_name["customer_name"]["shown"] == ""
    assert "x_internal" in {f["name"] for f in body["other_fields"]}
    assert "x_internal" not in by_name


def test_the_case_page_shows_the_sla_clocks_with_their_due_times(server, tokens, armed) -> None:  # type: ignore[no-untyped-def]
    task = server.get(f"/api/v1/tasks/{armed}", tokens["admin"]).json()
    body = server.get(f"/api/v1/cases/{task['instance_id']}", tokens["supervisor"]).json()
    [clock] = body["sla_clocks"]
    assert clock["policy"] == "step_one_4h" and clock["kind"] == "resolution"
    assert clock["task_id"] == armed and clock["task_name"] == task["name"]
    assert clock["status"] == "running" and clock["sla_state"] == "ok"
    assert local(clock["due_at"]) == at(15)  # 10:00 + 4 working hours, lunch 12–13 off


def test_a_phone_is_found_however_it_was_typed(server, tokens) -> None:  # type: ignore[no-untyped-def]
    """Stored as typed, "138 1234 5678" was not found by "13812345678" (nor the other way)."""
    agent, supervisor = tokens["agent"], tokens["supervisor"]
    assert deploy(server, tokens["admin"], bundle(PROCESSES / "complaint-handling")).ok
    made = server.post("/api/v1/customers", agent, json={
        "code": "P-1", "name": "赵敏", "phone": "+86 139-0000 1111"})
    assert made.status_code == 201, made.text
    assert made.json()["phone"] == "13900001111"
    case = _complaint(server, tokens, made.json()["id"])
    for q in ("13900001111", "139 0000 1111", "１３９００００１１１１"):
        found = server.get("/api/v1/cases", supervisor, params={"q": q}).json()
        assert [c["instance_id"] for c in found["cases"]] == [case["id"]], q
        looked = server.get("/api/v1/lookup", agent, params={"phone": q})
        assert [c["instance_id"] for c in looked.json()["items"]] == [case["id"]], q
    listed = server.get("/api/v1/customers", agent, params={"q": "0000 1111"}).json()
    assert [c["code"] for c in listed["items"]] == ["P-1"]
    for year in ("0001", "9999"):  # a birthday: went in as given
        refused = server.post("/api/v1/customers", agent, json={
            "code": "P-3", "name": "x", "birthday": f"{year}-01-01"})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "birthday"
    for phone in ("abc", "'; drop"):
        refused = server.post("/api/v1/customers", agent, json={
            "code": "P-2", "name": "x", "phone": phone}, headers={"Accept-Language": "zh"})
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["errors"]
        assert error["field"] == "phone" and error["message"].startswith("不是电话号码")
