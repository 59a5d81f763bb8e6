"""A server worker that dies (killed, out of memory) is replaced: `flowdesk serve` keeps
listening and answers again, from a new worker process, with nothing lost."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import requests

from tests.integration.test_scheduler_processes import served  # noqa: F401 - fixture
from tests.waiting import DEADLINE, wait_for


def workers_of(pid: int) -> set[int]:
    """The server's worker processes: its children (Linux's /proc)."""
    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        children.update(int(child) for child in text)
    return children


def test_a_killed_worker_is_replaced_and_the_server_answers_again(served) -> None:  # type: ignore[no-untyped-def]
    server, _fd, token, _clock = served
    server.start(scheduler=False)
    headers = {"Authorization": f"Bearer {token}"}
    created = requests.post(server.base + "/api/v1/customers", headers=headers, timeout=DEADLINE,
                            json={"code": "before-kill", "name": "甲"})
    assert created.status_code == 201, created.text
    [worker] = workers_of(server.process.pid)
    os.kill(worker, signal.SIGKILL)

    def replaced() -> bool:
        assert server.process.poll() is None, server.log.read_text()[-3000:]
        fresh = workers_of(server.process.pid) - {worker}
        if not fresh:
            return False
        try:
            return requests.get(server.base + "/health", timeout=DEADLINE).ok
        except requests.RequestException:
            return False

    wait_for(replaced, "a new worker answering /health", interval=0.1)
    found = requests.get(server.base + "/api/v1/customers?q=before-kill", headers=headers,
                         timeout=DEADLINE)
    assert found.status_code == 200 and [c["code"] for c in found.json()["items"]] == ["before-kill"]
    again = requests.post(server.base + "/api/v1/customers", headers=headers, timeout=DEADLINE,
                          json={"code": "after-kill", "name": "乙"})
    assert again.status_code == 201, again.text
