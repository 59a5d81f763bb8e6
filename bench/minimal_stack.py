"""The yardstick for ``bench_api.py --server minimal``: the same flow on a minimal stack.

Flask, SQLAlchemy Core, SQLite in WAL, SpiffWorkflow with state-only serialization and a cache
of live workflows keyed by instance id and row version, served by the same granian setup as
``flowdesk serve``; and nothing else: no auth, no validation, no audit, no SLA or timers, no
problem details. Run alternately with Flowdesk, it shows how much of a run's rate is the host's
mood and how much is Flowdesk's own work.
"""
from __future__ import annotations

import os
from pathlib import Path
from uuid import UUID

from flask import Flask, jsonify, request
from sqlalchemy import (Column, Integer, MetaData, String, Table, Text, create_engine, event,
                        insert, select, update)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.serialization import StateSerializer

PROCESS = Path(__file__).resolve().parent.parent / "tests" / "resources" / "three_steps"

meta = MetaData()
instances = Table("instances", meta, Column("id", Integer, primary_key=True),
                  Column("state", Text), Column("status", String(20)), Column("version", Integer))
tasks = Table("tasks", meta, Column("id", Integer, primary_key=True),
              Column("instance_id", Integer, index=True), Column("guid", String(40)),
              Column("name", String(200)), Column("grp", String(100)),
              Column("state", String(20), index=True))


def _spec():  # type: ignore[no-untyped-def]
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(PROCESS / "three_steps.bpmn"))
    return parser.get_spec("three_steps")


def create_app() -> Flask:
    engine = create_engine(os.environ["MINIMAL_DATABASE_URL"],
                           connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _wal(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA synchronous=NORMAL")

    meta.create_all(engine)
    spec, serializer = _spec(), StateSerializer()
    live: dict[tuple[int, int], BpmnWorkflow] = {}
    app = Flask(__name__)

    def ready_tasks(wf: BpmnWorkflow) -> list[dict]:
        return [{"guid": str(t.id), "name": t.task_spec.bpmn_name or t.task_spec.name,
                 "grp": "Agent", "state": "open"}
                for t in wf.get_tasks(state=TaskState.READY, manual=True)]

    @app.get("/health")
    def health():  # type: ignore[no-untyped-def]
        return jsonify({"status": "ok"})

    @app.post("/api/v1/definitions")
    def deploy():  # type: ignore[no-untyped-def]
        return jsonify({"key": "three_steps"}), 201

    @app.post("/api/v1/instances")
    def start():  # type: ignore[no-untyped-def]
        wf = BpmnWorkflow(spec)
        wf.do_engine_steps()
        with engine.begin() as conn:
            new_id = conn.execute(insert(instances).values(
                state=serializer.dumps(wf), status="waiting", version=1)).inserted_primary_key[0]
            conn.execute(insert(tasks), [dict(t, instance_id=new_id) for t in ready_tasks(wf)])
        live[(new_id, 1)] = wf
        return jsonify({"id": new_id, "status": "waiting"}), 201

    @app.get("/api/v1/tasks")
    def task_list():  # type: ignore[no-untyped-def]
        with engine.connect() as conn:
            rows = conn.execute(select(tasks).where(tasks.c.state == "open",
                                                    tasks.c.grp == "Agent")
                                .order_by(tasks.c.id).limit(50)).mappings().all()
        return jsonify({"items": [dict(r) for r in rows], "total": len(rows)})

    @app.post("/api/v1/tasks/<int:task_id>/complete")
    def complete(task_id: int):  # type: ignore[no-untyped-def]
        data = request.get_json()["data"]
        with engine.begin() as conn:
            row = conn.execute(select(tasks.c.guid, tasks.c.state, instances.c.id,
                                      instances.c.version, instances.c.state.label("wf"))
                               .join(instances, instances.c.id == tasks.c.instance_id)
                               .where(tasks.c.id == task_id)).one()
            if row.state != "open":
                return jsonify({"detail": "not open"}), 409
            wf = live.pop((row.id, row.version), None) or serializer.loads(row.wf, spec, {})
            task = wf.get_task_from_id(UUID(row.guid))
            task.data.update(data)
            task.run()
            wf.do_engine_steps()
            status = "completed" if wf.is_completed() else "waiting"
            conn.execute(update(instances).where(instances.c.id == row.id,
                                                 instances.c.version == row.version)
                         .values(state=serializer.dumps(wf), status=status,
                                 version=row.version + 1))
            conn.execute(update(tasks).where(tasks.c.id == task_id).values(state="completed"))
            new = ready_tasks(wf)
            if new:
                conn.execute(insert(tasks), [dict(t, instance_id=row.id) for t in new])
        live[(row.id, row.version + 1)] = wf
        return jsonify({"task_id": task_id, "instance_status": status})

    # one bytes object per response, as ``flowdesk serve`` hands granian (host.server)
    from host.server import one_piece
    app.wsgi_app = one_piece(app.wsgi_app)  # type: ignore[method-assign]
    return app
