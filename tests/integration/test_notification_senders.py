"""Two sender processes on one PostgreSQL share 1,000 due notifications: SKIP LOCKED gives
each row to one of them, so every notification is sent exactly once."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from services.context import Flowdesk
from store.tables import Notification
from tests.waiting import DEADLINE, wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_senders_send_1000_notifications_once_each(fd: Flowdesk, database_url: str,  # type: ignore[no-untyped-def]
                                                       tmp_path: Path) -> None:
    count, now = 1000, fd.now()
    rows = [{"created_at": now, "kind": "group_queue", "recipient": f"user{n}",
             "subject": f"#{n}", "body": {"task": f"t{n}"}, "channel": "webhook",
             "target": {"url": "http://127.0.0.1/hook", "row": n}, "state": "pending",
             "attempts": 0, "next_attempt_at": now, "urgent": False, "lang": "zh"}
            for n in range(count)]
    with fd.uow() as uow:
        uow.execute(Notification.__table__.insert(), rows)
    go = tmp_path / "go"
    outs = [tmp_path / f"sent{n}.txt" for n in range(2)]
    senders = [subprocess.Popen([sys.executable, "-m", "tests.integration.notify_sender_process",
                                 database_url, str(go), str(out)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
               for out in outs]
    # both started and connected before either begins: a race, not a relay
    wait_for(lambda: all(Path(f"{out}.ready").exists() for out in outs), "both senders ready",
             deadline=3 * DEADLINE)
    go.touch()
    for sender in senders:
        output, _ = sender.communicate(timeout=3 * DEADLINE)
        assert sender.returncode == 0, output.decode()[-3000:]
    sent = [[int(line) for line in out.read_text().split()] for out in outs]
    assert Counter(n for one in sent for n in one) == {n: 1 for n in range(count)}
    assert all(sent), f"one sender sent nothing: {[len(s) for s in sent]}"
    with fd.uow(read_only=True) as uow:
        states = Counter(uow.scalars(select(Notification.state)))
    assert states == {"sent": count}
