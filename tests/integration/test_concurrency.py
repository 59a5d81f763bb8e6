"""Concurrent completes of one task: exactly one wins, the rest get 409, the instance moves once."""
from __future__ import annotations

import threading

import requests
from sqlalchemy import select

from store.tables import HumanTask, ProcessInstance
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import row_of, deploy

THREADS = 8


def test_eight_threads_complete_the_same_task(server, tokens, fd) -> None:
    deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps"))
    instance = server.post("/api/v1/instances", tokens["agent"],
                           json={"process_key": "three_steps"}).json()
    task_id = instance["open_tasks"][0]["id"]
    barrier = threading.Barrier(THREADS)
    codes: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        with requests.Session() as http:
            barrier.wait()
            response = http.post(f"{server.base}/api/v1/tasks/{task_id}/complete",
                                 headers={"Authorization": f"Bearer {tokens['agent']}"},
                                 json={"data": {"note": f"thread {n}"}}, timeout=60)
        with lock:
            codes.append(response.status_code)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] + [409] * (THREADS - 1)
    with fd.uow(read_only=True) as session:
        row = row_of(session, ProcessInstance, instance["id"])
        tasks = session.execute(select(HumanTask.bpmn_id, HumanTask.state)
                                .where(HumanTask.instance_id == instance["id"])
                                .order_by(HumanTask.id)).all()
    assert row.version == 2
    assert [tuple(t) for t in tasks] == [("step_one", "completed"), ("step_two", "open")]


def test_parallel_branches_completed_at_once_both_succeed(server, tokens, fd) -> None:
    """Optimistic locking must not turn a legitimate race between two branches into a 409."""
    deploy(server, tokens["admin"], bundle(RESOURCES / "parallel"))
    instance = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "parallel", "variables": {"refund": 100, "ratio": 4}}).json()
    ids = [t["id"] for t in instance["open_tasks"]]
    assert len(ids) == 2
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def worker(task_id: int) -> None:
        with requests.Session() as http:
            barrier.wait()
            codes.append(http.post(f"{server.base}/api/v1/tasks/{task_id}/complete",
                                   headers={"Authorization": f"Bearer {tokens['agent']}"},
                                   json={"data": {f"ok_{task_id}": True}}, timeout=60).status_code)

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200, 200]
    detail = server.get(f"/api/v1/instances/{instance['id']}", tokens["agent"]).json()
    assert detail["status"] == "completed" and detail["version"] == 3
    assert detail["variables"]["total"] == 25
    assert {f"ok_{i}" for i in ids} <= set(detail["variables"])
