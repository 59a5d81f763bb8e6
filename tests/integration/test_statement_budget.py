"""The hot calls stay within their statement budget: one committed unit of work per change,
none for a read, and the statement counts the README promises (``How one call flows``).

Counted through the unit of work (``store.uow``): every statement a service runs goes through
it, SQLAlchemy's own execution and the fast path alike, so a statement added to a hot path
(or a second transaction) turns this red. Counted on warm caches (definition, live
workflow), as the calls run in steady state.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from store.uow import WorkDone
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy

# call -> (statements, committed units of work), besides the check of the caller's credential.
# That check is one statement on PostgreSQL (the access epoch row, ``store.access_epoch``) and
# none on SQLite (a file beside the database): the principal found for a credential is reused
# while nobody's access changes, and every change of access moves the epoch, so taking access
# back still counts on the next request of every node. On a miss (first use, a change, or
# once a minute) the credential's own lookup runs instead. The token's last_used_at is written
# only when that lookup finds it older than services.authentication.TOUCH_EVERY (5 min): the
# warm-up call below writes it, and the counted calls, a moment later, never do.
BUDGET = {
    "create an instance": (5, 1),
    "list my tasks": (1, 0),
    "complete a task": (5, 1),
}


def credential_check(fd) -> int:  # type: ignore[no-untyped-def]
    """Statements each call spends on its caller's credential once it is known."""
    return 1 if fd.engine.dialect.name == "postgresql" else 0


def with_credential_check(fd, budget: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    check = credential_check(fd)
    return {call: (n + check, commits) for call, (n, commits) in budget.items()}


@pytest.fixture
def units(fd) -> Iterator[list[WorkDone]]:  # type: ignore[no-untyped-def]
    """Every unit of work the app finishes while the test watches."""
    seen: list[WorkDone] = []
    fd.db.observers.append(seen.append)
    yield seen
    fd.db.observers.remove(seen.append)


def measured(units: list[WorkDone], call) -> tuple[int, int, list[str]]:  # type: ignore[no-untyped-def]
    units.clear()
    response = call()
    assert response.status_code in (200, 201), response.text
    statements = [s for u in units for s in u.statements]
    return len(statements), sum(u.committed for u in units), statements


def test_hot_calls_keep_their_statement_budget(server, fd, tokens, units) -> None:  # type: ignore[no-untyped-def]
    agent = tokens["agent"]
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).status_code == 201

    def start():  # type: ignore[no-untyped-def]
        return server.post("/api/v1/instances", agent, json={"process_key": "three_steps"})

    start()  # warm: the definition's spec and its latest-version lookup
    got = {}
    got["create an instance"] = measured(units, start)
    got["list my tasks"] = measured(
        units, lambda: server.get("/api/v1/tasks?assignee=me&per_page=20", agent))
    task_id = start().json()["open_tasks"][0]["id"]
    got["complete a task"] = measured(
        units, lambda: server.post(f"/api/v1/tasks/{task_id}/complete", agent,
                                   json={"data": {"accepted": True, "note": "ok"}}))
    counts = {call: (n, commits) for call, (n, commits, _) in got.items()}
    listing = {call: statements for call, (_, _, statements) in got.items()}
    expected = with_credential_check(fd, BUDGET)
    if fd.engine.dialect.name == "postgresql":  # the case number's own transaction
        statements, commits = expected["create an instance"]  # (services.customers.take_case_no)
        expected["create an instance"] = (statements, commits + 1)
    assert counts == expected, listing


# An external task's calls, same rules (warm caches); processes without external tasks pay
# nothing for them (the budget above).
EXTERNAL_BUDGET = {
    "fetch and lock one task": (4, 1),
    "poll with nothing to fetch": (1, 0),  # reads: no write lock taken on SQLite
    "complete an external task": (7, 1),
}


def test_external_task_calls_keep_their_statement_budget(server, fd, tokens, units) -> None:  # type: ignore[no-untyped-def]
    worker = tokens["worker"]
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "external")).status_code == 201

    def start():  # type: ignore[no-untyped-def]
        return server.post("/api/v1/instances", tokens["agent"], json={
            "process_key": "card_payment", "variables": {"amount": 1}})

    def fetch():  # type: ignore[no-untyped-def]
        return server.post("/api/v1/external-tasks/fetch-and-lock", worker, json={
            "worker_id": "w", "max_tasks": 1,
            "topics": [{"name": "charge_card", "lock_duration": 60_000}]})

    start(), start()
    first = fetch().json()[0]["id"]  # warm: the statements, the definition
    assert server.post(f"/api/v1/external-tasks/{first}/complete", worker,
                       json={"worker_id": "w"}).status_code == 200
    got = {"fetch and lock one task": measured(units, fetch)}
    got["poll with nothing to fetch"] = measured(units, fetch)
    task_id = server.get("/api/v1/external-tasks?state=open&topic=charge_card",
                         tokens["admin"]).json()["items"][0]["id"]
    got["complete an external task"] = measured(
        units, lambda: server.post(f"/api/v1/external-tasks/{task_id}/complete", worker,
                                   json={"worker_id": "w", "variables": {"charge_id": "c"}}))
    counts = {call: (n, commits) for call, (n, commits, _) in got.items()}
    assert counts == with_credential_check(fd, EXTERNAL_BUDGET), {call: s for call, (_, _, s) in got.items()}
