"""Customer care over the REST API: three monthly runs of its timer start event.

February and March fall in the same quarter, so a customer deep-contacted in February is not
asked again in March (the ``care_customers`` provider reads ``deep_contacted_ids`` of the
quarter's customer_care cases), while one who could not be reached is; April starts a new quarter.
The table of runs is mirrored in processes/customer-care/README.md.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine.clock import FakeClock
from services.due_runner import run_due
from tests.conftest import PROCESSES, bundle
from tests.integration.conftest import claim_and_complete, deploy, rejected

KEY = "customer_care"
CUSTOMERS = {  # created on 2026-01-05 (the fake clock's start)
    "GH-C1": {"name": "王芳", "tier": "VIP", "abc_class": "A", "birthday": "1990-02-17"},
    "GH-C2": {"name": "李伟", "tier": "普通", "birthday": "1985-03-03"},
    "GH-C3": {"name": "赵敏", "tier": "普通"},
    "GH-C4": {"name": "陈杰", "tier": "金卡", "birthday": "1992-02-28"},
}
PRIORITY = {"GH-C1": 90, "GH-C2": 50, "GH-C3": 50, "GH-C4": 60}  # from the customer's tier

GREETED = {"greeted": True, "channel": "sms", "benefit": "coupon",
           "benefit_detail": "生日券满200减30,当月有效"}
CONTACTED = {"contacted": True, "channel": "phone", "topics": "聊了最近的使用情况和新品需求。",
             "needs": "想要大码款式", "satisfaction": 4, "lifecycle_stage": "growth"}

# One run per entry: (the accepted due instants: today's 31-day reading of P1M, then the calendar
# months proposed to the lead; month; quarter; birthday codes; deep-contact codes; greeting data;
# contact data; the expected deep_contacted_ids codes)
RUNS = [
    ([datetime(2026, 2, 1, 1, 0, tzinfo=timezone.utc)], "2026-02", "2026-Q1",
     ["GH-C1", "GH-C4"], ["GH-C1", "GH-C2", "GH-C3", "GH-C4"],
     {"GH-C1": GREETED,
      "GH-C4": {"greeted": False, "channel": "phone", "benefit": "none",
                "note": "号码已停机,请门店更新联系方式。"}},
     {"GH-C1": CONTACTED,
      "GH-C2": {**CONTACTED, "satisfaction": 2, "lifecycle_stage": "decline",
                "topics": "抱怨价格上涨,最近很少下单。",
                "retention_action": "赠送会员日双倍积分,下月再回访。"},
      "GH-C3": {"contacted": False, "channel": "phone", "note": "两次未接,下月再约。"},
      "GH-C4": {**CONTACTED, "channel": "visit", "lifecycle_stage": "initial"}},
     ["GH-C1", "GH-C2", "GH-C4"]),
    # 31 days later (P1M read from the January anchor): same quarter, so only 赵敏 is still due
    ([datetime(2026, 3, 4, 1, 0, tzinfo=timezone.utc), datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)],
     "2026-03", "2026-Q1",
     ["GH-C2"], ["GH-C3"],
     {"GH-C2": {"greeted": True, "channel": "visit", "benefit": "gift",
                "benefit_detail": "到店领取生日礼盒"}},
     {"GH-C3": {**CONTACTED, "channel": "wechat"}},
     ["GH-C3"]),
    # a new quarter: everybody is due again; nobody has a birthday in April
    ([datetime(2026, 4, 4, 1, 0, tzinfo=timezone.utc), datetime(2026, 4, 1, 1, 0, tzinfo=timezone.utc)],
     "2026-04", "2026-Q2",
     [], ["GH-C1", "GH-C2", "GH-C3", "GH-C4"],
     {},
     {code: CONTACTED for code in CUSTOMERS},
     ["GH-C1", "GH-C2", "GH-C3", "GH-C4"]),
]


def test_monthly_care_greets_birthdays_and_deep_contacts_once_a_quarter(  # type: ignore[no-untyped-def]
        server, tokens, fd, clock: FakeClock) -> None:
    admin, agent, agent2 = tokens["admin"], tokens["agent"], tokens["agent2"]
    assert deploy(server, admin, bundle(PROCESSES / "customer-care")).status_code == 201
    ids = {}
    for code, record in CUSTOMERS.items():
        made = server.post("/api/v1/customers", agent, json={"code": code, **record})
        assert made.status_code == 201, made.text
        ids[code] = made.json()["id"]
    code_of = {v: k for k, v in ids.items()}

    for run, (accepted, month, quarter, birthdays, deep, greetings, contacts, contacted) in \
            enumerate(RUNS):
        armed = server.get("/api/v1/admin/timers?kind=start", admin).json()["items"]
        assert len(armed) == 1 and armed[0]["ref"] == "monthly_start"
        assert armed[0]["due_at"] in [at.isoformat() for at in accepted]
        due = datetime.fromisoformat(armed[0]["due_at"])
        clock.set(due - timedelta(seconds=1))
        assert run_due(fd) == 0
        clock.set(due + timedelta(seconds=1))
        assert run_due(fd) == 1
        found = server.get(f"/api/v1/instances?process_key={KEY}", admin).json()
        assert found["total"] == run + 1
        iid = max(i["id"] for i in found["items"])
        instance = server.get(f"/api/v1/instances/{iid}", admin).json()
        assert instance["case_no"] == f"GH{due:%Y%m%d}0001"
        assert instance["status"] == "running" and instance["incidents"] == []

        # every greeting and every deep contact is in the Agent inbox at once, one per customer
        open_tasks = server.get(f"/api/v1/tasks?instance_id={iid}&per_page=100",
                                agent).json()["items"]
        assert len(open_tasks) == len(birthdays) + len(deep)
        # the round's month and quarter, as every task shows them (the instance's own variables
        # are {} while one branch waits at the join: see the README)
        shown = server.get(f"/api/v1/tasks/{open_tasks[0]['id']}", agent).json()["data"]
        assert (shown["month"], shown["quarter"]) == (month, quarter)
        seen: dict[str, list[str]] = {"birthday_greeting": [], "deep_contact": []}
        by_key = {}
        for task in open_tasks:
            shown = server.get(f"/api/v1/tasks/{task['id']}", agent).json()
            code = shown["data"]["customer"]["code"]
            seen[task["bpmn_id"]].append(code)
            by_key[task["bpmn_id"], code] = task["id"]
            assert task["candidate_group"] == "Agent"
            assert task["priority"] == PRIORITY[code]
            assert shown["data"]["deep_contact_customers"] is None  # not the whole list per task
            if task["bpmn_id"] == "birthday_greeting":
                assert shown["name"] == "生日月问候与礼遇"
                assert shown["data"]["birthday_customer"]["birthday"] == CUSTOMERS[code]["birthday"]
            else:
                assert shown["name"] == "季度深度沟通"
        assert (sorted(seen["birthday_greeting"]), sorted(seen["deep_contact"])) == (
            birthdays, deep)

        if run == 0:
            greeting, contact = by_key["birthday_greeting", "GH-C1"], by_key["deep_contact", "GH-C2"]
            assert rejected(server, agent, greeting,
                            {**GREETED, "benefit_detail": " "}) == {"benefit_detail"}
            assert rejected(server, agent, greeting, {"greeted": False, "channel": "sms",
                                                      "benefit": "none"}) == {"note"}
            assert rejected(server, agent, contact, {"contacted": True, "channel": "phone"}) == {
                "topics", "satisfaction", "lifecycle_stage"}
            assert rejected(server, agent, contact,
                            {**CONTACTED, "lifecycle_stage": "decline"}) == {"retention_action"}
            assert rejected(server, agent, contact,
                            {"contacted": False, "channel": "phone"}) == {"note"}
        for n, ((kind, code), data) in enumerate(
                [(("birthday_greeting", c), d) for c, d in greetings.items()]
                + [(("deep_contact", c), d) for c, d in contacts.items()]):
            claim_and_complete(server, agent if n % 2 else agent2, by_key[kind, code], data)

        done = server.get(f"/api/v1/instances/{iid}", admin).json()
        assert done["status"] == "completed" and done["open_tasks"] == []
        out = done["variables"]
        assert out["care_status"] == "done"
        assert [code_of[c["id"]] for c in out["birthday_customers"]] == birthdays
        assert [code_of[c["id"]] for c in out["deep_contact_customers"]] == deep
        assert out["deep_contacted_ids"] == [ids[c] for c in contacted]
        assert [code_of[i] for i in out["deep_contact_missed_ids"]] == [
            c for c in deep if c not in contacted]
        assert [code_of[r["customer_id"]] for r in out["greeting_records"]] == birthdays
        assert [code_of[i] for i in out["greeted_ids"]] == [
            c for c in birthdays if greetings[c]["greeted"]]
        assert [code_of[r["customer_id"]] for r in out["deep_contact_records"]] == deep
        for record in out["deep_contact_records"]:
            given = contacts[code_of[record["customer_id"]]]
            assert (record["contacted"], record["satisfaction"], record["lifecycle_stage"]) == (
                given["contacted"], given.get("satisfaction"), given.get("lifecycle_stage"))
        if run == 0:
            assert [code_of[i] for i in out["retention_ids"]] == ["GH-C2"]
            assert out["greeting_records"][0]["benefit_detail"] == GREETED["benefit_detail"]
        assert "customer" not in out and "contacted" not in out
        actions = [a["action"] for a in done["audit"]]
        assert actions[0] == "instance.started" and actions.count("timer.start_fired") == 1
        assert actions.count("task.completed") == len(birthdays) + len(deep)
