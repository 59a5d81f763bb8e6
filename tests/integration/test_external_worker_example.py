"""The README's worker (examples/external_worker.py, shown there verbatim) runs against a live
server: it completes what it can do and reports a failure, with retries, for what it cannot."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import RESOURCES, ROOT, bundle
from tests.integration.conftest import deploy
from tests.waiting import DEADLINE

EXAMPLE = ROOT / "examples" / "external_worker.py"
BASE = "/api/v1/external-tasks"


def test_the_readme_shows_the_example_as_it_is() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```python\n{EXAMPLE.read_text(encoding='utf-8')}```" in readme


def test_the_example_worker_completes_a_receipt_and_fails_what_it_cannot(server, tokens) -> None:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "external")).status_code == 201
    ids = [server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "card_payment", "variables": {"amount": amount}}).json()["id"]
        for amount in (99.5, "n/a")]
    charged = server.post(f"{BASE}/fetch-and-lock", tokens["worker"], json={
        "worker_id": "test", "max_tasks": 5,
        "topics": [{"name": "charge_card", "lock_duration": 60_000}]}).json()
    assert len(charged) == 2
    for task in charged:
        assert server.post(f"{BASE}/{task['id']}/complete", tokens["worker"],
                           json={"worker_id": "test"}).status_code == 200

    ran = subprocess.run([sys.executable, str(EXAMPLE), "--once"], capture_output=True,
                         text=True, timeout=DEADLINE, env={
                             **os.environ, "FLOWDESK_URL": server.base,
                             "FLOWDESK_TOKEN": tokens["worker"]})
    assert ran.returncode == 0, ran.stderr

    paid = server.get(f"/api/v1/instances/{ids[0]}", tokens["admin"]).json()
    assert paid["status"] == "completed" and paid["variables"]["receipt"] == "收据: ¥99.50"
    [failed] = server.get(f"{BASE}?instance_id={ids[1]}&topic=send_receipt",
                          tokens["admin"]).json()["items"]
    assert (failed["state"], failed["retries"], failed["worker_id"]) == ("open", 3, None)
    assert failed["retry_at"] and "format code" in failed["error_message"]
