"""Who sees what (the README's product rule): cases and their customers for those who work on
them, masked look-ups for every staff member, starting by lane, customer edits, definition XML."""
from __future__ import annotations

from sqlalchemy import select

from services.identity import create_token, ensure_user
from store.tables import AuditEntry
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy

CUSTOMER = {"code": "TB-0815", "name": "王芳", "phone": "13812345678", "email": "wf@example.com"}
SECRET = {"iban": "DE89370400440532013000", "order_no": "TB20260611001",
          "shipping_address": "浙江省杭州市西湖区文三路 100 号", "remark": "退款到原卡"}


def _finance_case(server, tokens) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    """A Finance-only case about a customer, started by the admin."""
    admin = tokens["admin"]
    assert deploy(server, admin, bundle(RESOURCES / "finance_only")).ok
    customer = server.post("/api/v1/customers", admin, json=CUSTOMER).json()
    started = server.post("/api/v1/instances", admin, json={
        "process_key": "finance_only", "customer_id": customer["id"], "variables": SECRET})
    assert started.status_code == 201, started.text
    return started.json(), customer


def _audit_actions(server, token, instance_id) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    trail = server.get(f"/api/v1/instances/{instance_id}", token).json()["audit"]
    return [(entry["action"], entry["actor"]) for entry in trail]


def test_an_agent_reads_a_finance_case_only_once_given_one_of_its_tasks(server, tokens) -> None:  # type: ignore[no-untyped-def]
    case, customer = _finance_case(server, tokens)
    agent, supervisor = tokens["agent"], tokens["supervisor"]
    for path in (f"/api/v1/instances/{case['id']}", f"/api/v1/instances/{case['id']}/diagram",
                 f"/api/v1/customers/{customer['id']}"):
        refused = server.get(path, agent)
        assert refused.status_code == 403, (path, refused.text)
        assert "DE89" not in refused.text
    assert server.get("/api/v1/instances/999999", agent).status_code == 404
    assert server.get("/api/v1/instances", agent).json()["total"] == 0
    assert server.get("/api/v1/instances", supervisor).json()["total"] == 1

    seen = server.get(f"/api/v1/instances/{case['id']}", supervisor).json()
    assert seen["variables"]["iban"] == SECRET["iban"]
    assert ("customer.read", "supervisor") in _audit_actions(server, supervisor, case["id"])

    task_id = case["open_tasks"][0]["id"]
    given = server.post(f"/api/v1/tasks/{task_id}/assign", tokens["admin"], json={"user": "agent"})
    assert given.status_code == 200, given.text
    detail = server.get(f"/api/v1/instances/{case['id']}", agent)
    assert detail.status_code == 200 and detail.json()["variables"]["iban"] == SECRET["iban"]
    assert server.get(f"/api/v1/instances/{case['id']}/diagram", agent).status_code == 200
    assert server.get(f"/api/v1/customers/{customer['id']}", agent).json()["phone"] == CUSTOMER["phone"]
    assert [i["id"] for i in server.get("/api/v1/instances", agent).json()["items"]] == [case["id"]]
    assert server.get(f"/api/v1/instances/{case['id']}", tokens["agent2"]).status_code == 403
    actions = _audit_actions(server, supervisor, case["id"])
    assert ("customer.read", "agent") in actions


def _customer_reads(fd, instance_id: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        rows = uow.execute(select(AuditEntry.actor, AuditEntry.after).where(
            AuditEntry.instance_id == instance_id, AuditEntry.action == "customer.read")
            .order_by(AuditEntry.id)).all()
    return [(actor, after["via"]) for actor, after in rows]


def test_a_task_answered_with_its_customer_record_is_an_audited_read(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    """GET /tasks/{id} (and the claim, assign, delegation answers) carry the task's data with
    the customer's full record: each is a customer.read, as the case page's read is."""
    case, customer = _finance_case(server, tokens)
    task_id = case["open_tasks"][0]["id"]
    before = _customer_reads(fd, case["id"])
    ensure_user(fd, "fin", ["staff"], ["Finance"])
    finance = create_token(fd, "fin")
    read = server.get(f"/api/v1/tasks/{task_id}", finance)
    assert read.status_code == 200 and read.json()["data"]["customer"]["phone"] == CUSTOMER["phone"]
    assert server.post(f"/api/v1/tasks/{task_id}/claim", finance).status_code == 200
    assert _customer_reads(fd, case["id"])[len(before):] == [("fin", "task"), ("fin", "task")]
    refused = server.get(f"/api/v1/tasks/{task_id}", tokens["agent"])
    assert refused.status_code == 403
    assert _customer_reads(fd, case["id"])[len(before) + 2:] == []


def test_starting_a_case_about_a_customer_is_an_audited_read_of_them(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    """The start's answer carries the customer's full record (its customer variable)."""
    case, customer = _finance_case(server, tokens)
    assert _customer_reads(fd, case["id"]) == [("admin", "instance.started")]
    plain = server.post("/api/v1/instances", tokens["admin"], json={"process_key": "finance_only"})
    assert plain.status_code == 201 and _customer_reads(fd, plain.json()["id"]) == []


def test_any_staff_member_looks_a_case_up_masked_and_audited(server, tokens) -> None:  # type: ignore[no-untyped-def]
    case, customer = _finance_case(server, tokens)
    outsider = tokens["outsider"]
    for query in (f"case_no={case['case_no']}", f"order_no={SECRET['order_no']}",
                  f"phone={CUSTOMER['phone']}"):
        found = server.get(f"/api/v1/lookup?{query}", outsider)
        assert found.status_code == 200, found.text
        [summary] = found.json()["items"]
        assert summary["instance_id"] == case["id"] and summary["may_open"] is False
        assert summary["customer"]["phone"] == "138****5678"
        assert summary["customer"]["name"] == "王*"
        assert summary["personal"]["iban"] == "****3000"
        assert summary["personal"]["shipping_address"] == "浙江省杭州市****"
        assert "remark" not in summary["personal"]
        assert "13812345678" not in found.text and SECRET["iban"] not in found.text
    assert server.get("/api/v1/lookup?phone=13900000000", outsider).json()["items"] == []
    both = server.get(f"/api/v1/lookup?case_no={case['case_no']}&phone=1", outsider)
    assert both.status_code == 422 and {e["field"] for e in both.json()["errors"]} >= {"phone"}
    assert server.get(f"/api/v1/lookup?case_no={case['case_no']}",
                      tokens["designer"]).status_code == 403
    supervisor = server.get(f"/api/v1/lookup?case_no={case['case_no']}", tokens["supervisor"])
    assert supervisor.json()["items"][0]["may_open"] is True

    trail = server.get(f"/api/v1/instances/{case['id']}", tokens["admin"]).json()["audit"]
    looked = [e for e in trail if e["action"] == "case.looked_up" and e["actor"] == "outsider"]
    assert [e["after"]["by"] for e in looked] == ["case_no", "order_no", "phone"]
    assert looked[2]["after"]["value"] == "138****5678"
    listed = server.get("/api/v1/customers?q=王", outsider).json()["items"]
    assert [(c["id"], c["phone"], c["masked"]) for c in listed] == [
        (customer["id"], "138****5678", True)]


def test_starting_needs_the_start_lane_or_the_starters_list(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "finance_only")).ok
    refused = server.post("/api/v1/instances", tokens["agent"], json={"process_key": "finance_only"})
    assert refused.status_code == 403, refused.text
    assert "Finance" in refused.json()["detail"]
    assert server.get("/api/v1/instances", tokens["admin"]).json()["total"] == 0
    ensure_user(fd, "desk", ["staff"], ["AfterSales"])  # the group its starters name
    ensure_user(fd, "cashier", ["staff"], ["Finance"])  # its start event's lane
    for who in ("desk", "cashier"):
        started = server.post("/api/v1/instances", create_token(fd, who),
                              json={"process_key": "finance_only"})
        assert started.status_code == 201, (who, started.text)
    assert server.post("/api/v1/instances", tokens["admin"],
                       json={"process_key": "finance_only"}).status_code == 201
    # its start event in the Agent lane: agents, not staff in no group
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).ok
    assert server.post("/api/v1/instances", tokens["outsider"],
                       json={"process_key": "three_steps"}).status_code == 403
    assert server.post("/api/v1/instances", tokens["agent"],
                       json={"process_key": "three_steps"}).status_code == 201


def test_customer_edits_need_a_case_of_that_customer_or_a_supervisor(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    case, customer = _finance_case(server, tokens)
    path = f"/api/v1/customers/{customer['id']}"
    refused = server.call("PATCH", path, tokens["agent"], json={"tier": "VIP"})
    assert refused.status_code == 403
    assert server.post(f"{path}/purchases", tokens["agent"], json={
        "order_no": "X1", "amount": 1.0, "purchased_at": "2026-06-11T10:00:00+08:00"}
    ).status_code == 403
    by_supervisor = server.call("PATCH", path, tokens["supervisor"], json={"tier": "金卡"})
    assert by_supervisor.status_code == 200 and by_supervisor.json()["tier"] == "金卡"
    server.post(f"/api/v1/tasks/{case['open_tasks'][0]['id']}/assign", tokens["admin"],
                json={"user": "agent"})
    by_agent = server.call("PATCH", path, tokens["agent"], json={"phone": "13900001111"})
    assert by_agent.status_code == 200 and by_agent.json()["phone"] == "13900001111"
    assert server.get(path, tokens["admin"]).json()["tier"] == "金卡"
    audit = AuditEntry.__table__
    with fd.uow(read_only=True) as uow:
        updates = uow.execute(select(audit.c.actor, audit.c.before, audit.c.after)
                              .where(audit.c.action == "customer.updated")
                              .order_by(audit.c.id)).all()
    assert [(u.actor, u.before, u.after) for u in updates] == [
        ("supervisor", {"tier": "普通"}, {"customer_id": customer["id"], "tier": "金卡"}),
        ("agent", {"phone": CUSTOMER["phone"]},
         {"customer_id": customer["id"], "phone": "13900001111"})]


def test_definition_xml_needs_a_designer(server, tokens) -> None:  # type: ignore[no-untyped-def]
    deployed = deploy(server, tokens["designer"], bundle(RESOURCES / "finance_only")).json()
    path = f"/api/v1/definitions/{deployed['id']}"
    for who in ("agent", "supervisor", "outsider", "worker"):
        assert server.get(path, tokens[who]).status_code == 403, who
    for who in ("designer", "admin"):
        assert "finance_only" in server.get(path, tokens[who]).json()["bpmn_xml"], who
