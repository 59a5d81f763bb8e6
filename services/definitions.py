"""Deploy process bundles as versioned definitions; identical content is not a new version."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.errors import InvalidModel, Problem
from engine.parsing import BPMN_SUFFIXES, ParsedDefinition
from engine.timers import StartSchedule

from services.context import Flowdesk
from services.errors import Conflict, NotFound
from store.tables import ProcessDefinition
from services import audit
from services import due_work

DEPLOYABLE = (*BPMN_SUFFIXES, ".dmn", ".json")
SLA_FILE = "sla.json"  # seeds calendars and SLA policies; not part of the definition


def _decode(files: dict[str, bytes]) -> dict[str, str]:
    texts, problems = {}, []
    for name, data in files.items():
        try:
            texts[name] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(f"The file is not UTF-8 text ({exc.reason}).", file=name,
                                    code="not_utf8"))
    if problems:
        raise InvalidModel(problems)
    return texts


def _checked(fd: Flowdesk, files: dict[str, bytes],
             process_key: str | None) -> tuple[dict[str, bytes], dict[str, str], ParsedDefinition]:
    """The bundle under its base names, as text, and fully validated (raises InvalidModel)."""
    files = {Path(name).name: data for name, data in files.items()}
    texts = _decode(files)
    return files, texts, fd.definitions.get(files, process_key)


def _same_and_latest(session: Session,
                     parsed: ParsedDefinition) -> tuple[ProcessDefinition | None, int]:
    """The stored version with this very content, if any, and the key's latest version number."""
    same = session.scalar(select(ProcessDefinition).where(
        ProcessDefinition.key == parsed.key, ProcessDefinition.sha256 == parsed.sha256))
    latest = session.scalar(select(func.max(ProcessDefinition.version))
                            .where(ProcessDefinition.key == parsed.key)) or 0
    return same, latest


def validate(fd: Flowdesk, files: dict[str, bytes], process_key: str | None = None) -> dict:
    """What deploying the bundle would do, without storing anything. Raises InvalidModel."""
    _, _, parsed = _checked(fd, files, process_key)
    with fd.read() as session:
        same, latest = _same_and_latest(session, parsed)
    return {"key": parsed.key, "name": parsed.name, "changed": same is None,
            "version": same.version if same is not None else latest + 1}


def deploy(fd: Flowdesk, files: dict[str, bytes], actor: str,
           process_key: str | None = None) -> tuple[ProcessDefinition, bool]:
    """Validate and store a bundle; return (definition, created). Raises InvalidModel."""
    files, texts, parsed = _checked(fd, files, process_key)
    bpmn = next(texts[n] for n in sorted(texts) if n.lower().endswith(BPMN_SUFFIXES))
    try:
        with fd.uow() as session:
            same, latest = _same_and_latest(session, parsed)
            if same is not None:
                return same, False
            row = ProcessDefinition(key=parsed.key, version=latest + 1, name=parsed.name,
                                    sha256=parsed.sha256, bpmn_xml=bpmn, files=texts,
                                    deployed_at=fd.now(), deployed_by=actor)
            session.add(row)
            session.flush()
            if parsed.start_schedules:
                _schedule_starts(session, row, parsed.start_schedules, fd.now())
            audit.record(session, fd.now(), actor, "definition.deployed", definition_id=row.id,
                         after={"key": row.key, "version": row.version,
                                "sha256": parsed.sha256, "files": sorted(texts)})
            return row, True
    except IntegrityError:
        raise Conflict("Another deployment of this process finished at the same moment; "
                       "retry.") from None


def _schedule_starts(session: Session, row: ProcessDefinition,
                     schedules: list[StartSchedule], now: datetime) -> None:
    """The newest version of a key owns its timer start events; older ones stop starting."""
    older = list(session.scalars(select(ProcessDefinition.id).where(
        ProcessDefinition.key == row.key, ProcessDefinition.id != row.id)))
    due_work.cancel_starts_of_key(session, older)
    for schedule in schedules:
        due_work.arm_start(session, row.id, schedule, anchor=now, after=now, now=now)


def deploy_path(fd: Flowdesk, path: Path, actor: str) -> list[tuple[ProcessDefinition, bool]]:
    """A folder of process folders, one process folder, or a single file."""
    path = Path(path)
    if path.is_file():
        return [deploy(fd, {path.name: path.read_bytes()}, actor)]
    bundles = [d for d in sorted(path.iterdir()) if d.is_dir() and any(d.rglob("*.bpmn"))]
    if any(path.glob("*.bpmn")):
        bundles = [path]
    results = []
    for folder in bundles:
        files = {f.name: f.read_bytes() for f in sorted(folder.rglob("*"))
                 if f.is_file() and f.name.lower().endswith(DEPLOYABLE)
                 and f.name != SLA_FILE}
        results.append(deploy(fd, files, actor))
        if (folder / SLA_FILE).is_file():
            seed_sla(fd, folder / SLA_FILE, actor)
    return results


def seed_sla(fd: Flowdesk, path: Path, actor: str) -> list[str]:
    """A process folder's ``sla.json``: the calendars and SLA policies it needs, created if
    missing (admins change them later through the API; a redeploy keeps their changes)."""
    from services.sla_admin import seed
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidModel([Problem(f"Not valid JSON: {exc}", file=path.name,
                                    code="invalid_sla")]) from None
    return seed(fd, config, actor)


def list_definitions(fd: Flowdesk, key: str | None = None,
                     all_versions: bool = False) -> list[ProcessDefinition]:
    with fd.read() as session:
        query = select(ProcessDefinition).order_by(ProcessDefinition.key,
                                                   ProcessDefinition.version.desc())
        if key:
            query = query.where(ProcessDefinition.key == key)
        rows = list(session.scalars(query))
    if all_versions:
        return rows
    latest: dict[str, ProcessDefinition] = {}
    for row in rows:
        latest.setdefault(row.key, row)
    return list(latest.values())


def get_definition(fd: Flowdesk, definition_id: int) -> ProcessDefinition:
    with fd.read() as session:
        row = session.get(ProcessDefinition, definition_id)
    if row is None:
        raise NotFound(f"No process definition {definition_id}.")
    return row

