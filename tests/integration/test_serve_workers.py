"""``flowdesk serve --workers 2`` on PostgreSQL: both worker processes answer, one of them runs
the node's ticker, /metrics adds up both, and tasks completed concurrently through both are all
there afterwards
(each call on a new connection, so the steps of one instance go to either worker and a
worker's cached workflow is regularly older than the instance's row)."""
from __future__ import annotations

import os
import signal
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from services.definitions import deploy
from services.principal import system
from store.tables import HumanTask, ProcessInstance
from tests.mail_and_hooks import free_port
from tests.integration.test_scheduler_processes import FLOWDESK, served, stop  # noqa: F401
from tests.waiting import DEADLINE, wait_for

INSTANCES, CLIENTS = 16, 4


@pytest.fixture
def two_workers(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    port, log = free_port(), tmp_path / "serve.log"
    env = dict(os.environ, FLOWDESK_DATABASE_URL=database_url, FLOWDESK_TICK_SECONDS="0.2")
    with log.open("wb") as out:
        process = subprocess.Popen([FLOWDESK, "serve", "--port", str(port), "--workers", "2"],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}", process, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        stop(process, log)


def flow(base: str, token: str, key: str) -> list[int]:
    """Start an instance and claim and complete its three tasks, each call on a connection
    of its own; the statuses of every call."""
    headers = {"Authorization": f"Bearer {token}"}
    post = lambda path, body=None: requests.post(base + path, json=body, headers=headers,  # noqa: E731
                                                 timeout=DEADLINE)
    started = post("/api/v1/instances", {"process_key": "three_steps", "business_key": key})
    statuses = [started.status_code]
    for step in range(3):
        page = requests.get(f"{base}/api/v1/tasks?instance_id={started.json()['id']}",
                            headers=headers, timeout=DEADLINE)
        task = page.json()["items"][0]["id"]
        statuses += [page.status_code, post(f"/api/v1/tasks/{task}/claim").status_code,
                     post(f"/api/v1/tasks/{task}/complete", {"data": {"note": f"step {step}"}}).status_code]
    return statuses


def answering_workers(base: str, seen: set[int]) -> set[int]:
    """``seen`` plus the worker that answers this /health (a new connection: any of them)."""
    try:
        seen.add(requests.get(base + "/health", timeout=DEADLINE).json()["pid"])
    except requests.RequestException:  # a worker going down or not yet up
        pass
    return seen


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_workers_answer_and_lose_no_completion(fd, tokens, three_steps, two_workers) -> None:  # type: ignore[no-untyped-def]
    base, process, log = two_workers
    deploy(fd, three_steps, system("tests", "admin"))
    pids: set[int] = set()

    def both_answered() -> bool:
        assert process.poll() is None, log.read_text()[-3000:]
        return len(answering_workers(base, pids)) == 2

    wait_for(both_answered, "both workers to answer /health", interval=0.02)
    assert process.pid not in pids  # the master forks and watches; workers answer

    users = ["agent", "agent2", "supervisor", "admin"][:CLIENTS]
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda n: flow(base, tokens[users[n % CLIENTS]], f"w-{n}"),
                                range(INSTANCES)))
    assert Counter(s for statuses in results for s in statuses) == {
        200: INSTANCES * 9, 201: INSTANCES}

    with fd.uow(read_only=True) as uow:
        statuses = dict(uow.execute(select(ProcessInstance.status, func.count())
                                    .group_by(ProcessInstance.status)).all())
        done = Counter(uow.execute(select(HumanTask.instance_id)
                                   .where(HumanTask.state == "completed")).scalars())
    assert statuses == {"completed": INSTANCES}
    assert sorted(done.values()) == [3] * INSTANCES
    def completions_counted() -> float:
        """flowdesk_http_requests_total of the completions, as one scrape (one worker) says."""
        scrape = requests.get(base + "/metrics", timeout=DEADLINE).text
        return sum(sample.value for family in text_string_to_metric_families(scrape)
                   for sample in family.samples
                   if sample.name == "flowdesk_http_requests_total"
                   and sample.labels["route"] == "/api/v1/tasks/<int:task_id>/complete")

    # each worker counts what it answered (on a background thread, just after the answer);
    # any worker's scrape adds up both
    wait_for(lambda: completions_counted() == 3 * INSTANCES,
             "every worker's completions in one scrape")
    ticker_lines = [line for line in log.read_text().splitlines() if "ticker started" in line]
    assert len(ticker_lines) == 1, ticker_lines  # one ticker for the node, not one per worker


def ticker_pids(log: Path) -> list[int]:
    """The workers that started the node's ticker, in order (from their log lines)."""
    return [int(line.rsplit(":", 1)[1].split(",")[0]) for line in log.read_text().splitlines()
            if "ticker started on" in line]


def test_another_worker_takes_over_the_ticker_when_its_holder_dies(served) -> None:  # type: ignore[no-untyped-def]
    """On SQLite too (several workers are allowed there): the duty worker killed, the node's
    ticker starts again in the other worker or in the killed one's replacement."""
    server, _fd, _token, _clock = served
    server.start("--workers", "2")
    up: set[int] = set()
    wait_for(lambda: len(answering_workers(server.base, up)) == 2, "both workers to answer",
             interval=0.02)
    wait_for(lambda: len(ticker_pids(server.log)) == 1, "the node's ticker to start")
    [holder] = ticker_pids(server.log)
    os.kill(holder, signal.SIGKILL)
    wait_for(lambda: len(ticker_pids(server.log)) == 2, "another worker to start the ticker")
    assert ticker_pids(server.log)[1] != holder
    # the replacement answers too before the server stops: a worker still loading when the
    # server stops misses the stop signal and is only killed after granian's timeout
    after: set[int] = set()
    wait_for(lambda: len(answering_workers(server.base, after) - {holder}) == 2,
             "the killed worker's replacement to answer", interval=0.02)
