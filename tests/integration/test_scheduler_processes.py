"""The scheduler as separate processes: ``flowdesk worker`` ×3 on one PostgreSQL, and
``flowdesk serve`` stopped and restarted with timers falling due while it is down."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from sqlalchemy import select
from SpiffWorkflow.util.task import TaskState

from engine.clock import FakeClock
from host.migrate import upgrade
from services.context import Flowdesk
from services.definitions import deploy
from services.identity import create_token, ensure_user
from services.instances import start_instance
from services.principal import Principal, system
from services.settings import Settings
from store.tables import AuditEntry, DueWork, ProcessInstance
from tests.conftest import RESOURCES
from tests.integration.conftest import row_of
from tests.waiting import DEADLINE, wait_for

WEB_ROOT = Path(__file__).resolve().parents[2] / "web"
MODELER_BUNDLE = "/ui/static/vendor/flowdesk-modeler/flowdesk-modeler.js"

TIMERS = RESOURCES / "timers"
FLOWDESK = str(Path(sys.executable).with_name("flowdesk"))


def bpmn(name: str) -> dict[str, bytes]:
    return {f"{name}.bpmn": (TIMERS / f"{name}.bpmn").read_bytes()}


def timer_rows(fd: Flowdesk) -> list[DueWork]:
    with fd.uow(read_only=True) as session:
        return list(session.execute(select(DueWork).where(DueWork.kind == "timer")
                                    .order_by(DueWork.id)))


def fired_audit(fd: Flowdesk) -> list[AuditEntry]:
    with fd.uow(read_only=True) as session:
        return list(session.execute(select(AuditEntry).where(AuditEntry.action == "timer.fired")
                                    .order_by(AuditEntry.id)))


def stop(process: subprocess.Popen, log: Path) -> None:
    """SIGTERM, then a clean exit (waited for up to a generous deadline, not timed)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"pid {process.pid} ignored SIGTERM:\n{log.read_text()[-3000:]}")
    assert code == 0, f"pid {process.pid} exited with {code}:\n{log.read_text()[-3000:]}"


# -- three workers on one PostgreSQL -----------------------------------------------------------

@pytest.fixture
def workers(database_url: str, tmp_path: Path) -> Iterator[list[subprocess.Popen]]:
    env = dict(os.environ, FLOWDESK_DATABASE_URL=database_url)
    started = []
    for n in range(3):
        log = tmp_path / f"worker{n}.log"
        with log.open("wb") as out:
            started.append((subprocess.Popen([FLOWDESK, "worker", "--interval", "0.2"], env=env,
                                             stdout=out, stderr=subprocess.STDOUT), log))
    try:
        yield [p for p, _ in started]
    finally:
        for process, log in started:
            stop(process, log)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_three_workers_fire_500_timers_once_each(fd: Flowdesk, clock: FakeClock, workers) -> None:  # type: ignore[no-untyped-def]
    count, spread = 500, 3.0
    began = datetime.now(timezone.utc)
    clock.set(began)
    user_id, _ = ensure_user(fd, "loadtest")
    user = Principal(user_id, "loadtest", frozenset({"staff"}), frozenset())
    deploy(fd, bpmn("wait_until"), system("loadtest", "admin"))
    # The instances are started here with the clock standing at `began`: none of their timers
    # is due when the instance reaches it (that would fire it synchronously), however long the
    # starts take. The workers, on the real clock, fire each one once it is due.
    ids = []
    for n in range(count):
        remind_at = began + timedelta(seconds=2.0 + spread * n / count)
        ids.append(start_instance(fd, user, "wait_until",
                                  variables={"remind_at": remind_at.isoformat()})["id"])
    assert len(timer_rows(fd)) == count

    def all_fired() -> bool:
        return all(r.state == "done" for r in timer_rows(fd))

    wait_for(all_fired, f"{count} timers to fire", deadline=3 * DEADLINE, interval=0.2)
    assert all(p.poll() is None for p in workers), "a worker died"
    fired = fired_audit(fd)
    assert Counter(a.instance_id for a in fired) == {i: 1 for i in ids}
    rows = timer_rows(fd)
    assert sorted(a.after["due_work_id"] for a in fired) == [r.id for r in rows]
    nodes = Counter(r.fired_by for r in rows)
    assert len(nodes) > 1, f"only one worker fired anything: {nodes}"
    assert set(nodes) <= {f"{socket.gethostname()}:{p.pid}" for p in workers}
    with fd.uow(read_only=True) as session:
        statuses = Counter(session.scalars(select(ProcessInstance.status)))
    assert statuses == {"completed": count}


# -- flowdesk serve stopped and restarted -------------------------------------------------------

class Server:
    """``flowdesk serve`` on a SQLite file, started and stopped at will."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        self.database_url, self.workdir = database_url, workdir
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.runs = 0

    def start(self, *args: str, scheduler: bool = True) -> None:
        self.runs += 1
        self.log = self.workdir / f"serve{self.runs}.log"
        env = dict(os.environ, FLOWDESK_DATABASE_URL=self.database_url,
                   FLOWDESK_TICK_SECONDS="0.2", FLOWDESK_SCHEDULER="on" if scheduler else "off")
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([FLOWDESK, "serve", "--port", str(self.port), *args],
                                            env=env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)  # its own group: crash()

        def healthy() -> bool:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                return requests.get(self.base + "/health", timeout=DEADLINE).ok
            except requests.RequestException:  # not listening yet, or too busy to answer yet
                return False

        wait_for(healthy, "flowdesk serve to answer /health", interval=0.1)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, self.log)
            self.process = None

    def crash(self) -> None:
        """SIGKILL to the server and its workers: no clean-up of any kind, as when the machine
        loses power."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, Flowdesk, str, FakeClock]]:
    """A server to start and stop, and this test's own Flowdesk on its database, whose clock
    (a FakeClock) the test sets when it starts instances itself."""
    url = f"sqlite:///{tmp_path / 'served.db'}"
    upgrade(url)
    clock = FakeClock(datetime.now(timezone.utc))
    fd = Flowdesk(Settings(database_url=url), clock=clock)
    ensure_user(fd, "admin", ["admin", "designer", "staff"], ["Agent"])
    token = create_token(fd, "admin")
    server = Server(url, tmp_path)
    try:
        yield server, fd, token, clock
    finally:
        server.stop()
        fd.dispose()


def remind_runs(fd: Flowdesk, instance_id: int) -> int:
    with fd.uow(read_only=True) as conn:
        row = conn.execute(select(ProcessInstance.definition_id, ProcessInstance.state)
                           .where(ProcessInstance.id == instance_id)).one()
        wf = fd.runtime.loads(fd.parsed(conn, row.definition_id), row.state)
    return sum(1 for t in wf.tasks.values()
               if t.task_spec.bpmn_id == "remind" and t.state == TaskState.COMPLETED)


def test_timers_due_while_the_server_is_down_fire_once_after_restart(served) -> None:  # type: ignore[no-untyped-def]
    server, fd, token, clock = served
    server.start()
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {token}"
        for name in ("wait_until", "quick_cycle"):
            response = http.post(server.base + "/api/v1/definitions", timeout=DEADLINE,
                                 files=[("files", (f, data)) for f, data in bpmn(name).items()])
            assert response.status_code == 201, response.text
    server.stop()

    # While it is down, instances are started (on the database, as the server would) with
    # timers falling due a second later: so they all fall due while it is down, however slow
    # the machine. The clock stands at `created` while they start, so none is due on arrival.
    user_id, _ = ensure_user(fd, "admin")
    admin = Principal(user_id, "admin", frozenset({"admin", "designer", "staff"}),
                      frozenset({"Agent"}))
    created = datetime.now(timezone.utc)
    clock.set(created)
    due = [created + timedelta(seconds=1.0 + 0.1 * n) for n in range(5)]
    ids = [start_instance(fd, admin, "wait_until",
                          variables={"remind_at": remind_at.isoformat()})["id"]
           for remind_at in due]
    # R5/PT1S: five reminders at +1 s … +5 s, all of them missed while the server is down
    cycle = start_instance(fd, admin, "quick_cycle", variables={"reminders": 0})["id"]
    assert [r.state for r in timer_rows(fd) if r.instance_id in ids] == ["pending"] * 5
    assert [r.state for r in timer_rows(fd) if r.instance_id == cycle] == ["pending"]
    fired_before = len([a for a in fired_audit(fd) if a.instance_id == cycle])
    assert fired_before == 0  # nothing runs while the server is down

    everything_due = created + timedelta(seconds=5.5)
    wait_for(lambda: datetime.now(timezone.utc) >= everything_due,
             "the last missed reminder to fall due")
    restarted = datetime.now(timezone.utc)
    server.start()

    def settled() -> bool:
        rows = timer_rows(fd)
        return (all(r.state == "done" for r in rows if r.instance_id in ids)
                and not [r for r in rows if r.instance_id == cycle and r.state == "pending"])

    wait_for(settled, "the overdue timers to fire after the restart", interval=0.1)
    server.stop()  # a clean stop: whatever it was going to fire (a burst, say) has fired now
    fired = fired_audit(fd)
    assert Counter(a.instance_id for a in fired if a.instance_id in ids) == {i: 1 for i in ids}
    for row in (r for r in timer_rows(fd) if r.instance_id in ids):
        assert row.fired_at >= restarted and row.fired_at - row.due_at > timedelta(seconds=2)
    cycle_fires = [a for a in fired if a.instance_id == cycle]
    assert len([a for a in cycle_fires if a.at >= restarted]) == 1, [
        (a.at, a.after) for a in cycle_fires]
    assert remind_runs(fd, cycle) == len(cycle_fires) == fired_before + 1
    with fd.uow(read_only=True) as session:
        statuses = {i: row_of(session, ProcessInstance, i).status for i in [*ids, cycle]}
    assert statuses == {**{i: "completed" for i in ids}, cycle: "running"}


@pytest.mark.parametrize("server_name", ["granian", "gunicorn"])
def test_both_servers_answer_the_api_and_the_pages(served, server_name: str) -> None:  # type: ignore[no-untyped-def]
    """``flowdesk serve --server granian|gunicorn``: uploads, cookies, static files, JSON."""
    server, fd, token, _ = served
    server.start("--server", server_name)
    login = requests.get(server.base + "/login", timeout=DEADLINE)
    assert login.status_code == 200 and "session=" in login.headers.get("Set-Cookie", "")
    script = requests.get(server.base + "/ui/static/common.js", timeout=DEADLINE)
    assert script.status_code == 200 and "window.Flowdesk" in script.text
    bundle = requests.get(server.base + MODELER_BUNDLE, timeout=DEADLINE)  # streamed: over 1 MiB
    assert bundle.status_code == 200
    assert bundle.content == (WEB_ROOT / MODELER_BUNDLE.removeprefix("/ui/")).read_bytes()
    files = [("files", (f.name, f.read_bytes()))
             for f in sorted((RESOURCES / "three_steps").iterdir())]
    auth = {"Authorization": f"Bearer {token}"}
    deployed = requests.post(server.base + "/api/v1/definitions", files=files, headers=auth,
                             timeout=DEADLINE)
    assert deployed.status_code == 201, deployed.text
    started = requests.post(server.base + "/api/v1/instances", headers=auth, timeout=DEADLINE,
                            json={"process_key": "three_steps", "business_key": "中文-1"})
    assert started.status_code == 201 and started.json()["business_key"] == "中文-1"
    assert started.headers["Content-Length"] == str(len(started.content))  # in one piece
    assert requests.get(server.base + "/api/v1/tasks", timeout=DEADLINE).status_code == 401
    server.stop()


def _children(pid: int) -> set[int]:
    return {int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()}


def test_a_killed_worker_is_replaced(served) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL to granian's worker (not the master): a new worker answers /health again."""
    server, _, _, _ = served
    server.start(scheduler=False)
    master = server.process.pid
    [worker] = _children(master) - _resource_trackers(master)
    os.kill(worker, signal.SIGKILL)

    def replaced() -> bool:
        assert server.process.poll() is None, server.log.read_text()[-3000:]
        if worker in _children(master):
            return False
        try:
            return requests.get(server.base + "/health", timeout=DEADLINE).ok
        except requests.RequestException:
            return False

    wait_for(replaced, "a new worker to answer /health", interval=0.1)
    assert len(_children(master) - _resource_trackers(master)) == 1


def _resource_trackers(pid: int) -> set[int]:
    """multiprocessing's helper processes beside the worker."""
    return {child for child in _children(pid)
            if b"resource_tracker" in Path(f"/proc/{child}/cmdline").read_bytes()}
