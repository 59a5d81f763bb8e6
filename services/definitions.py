"""Deploy process bundles as versioned definitions; identical content is not a new version,
nor is the latest version's model as the modeler writes it back unchanged (canonical form).

A bundle's scenario files (``tests/*.yaml``, ``services.bundle_scenarios``) are stored with the
version but are not its content: a bundle that differs from a stored version only in its tests
makes no new version (cases, timer starts and the version list stay as they are) and replaces
that version's scenario files instead; a bundle that brings none keeps the stored ones."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.canonical import same_bundle
from engine.errors import InvalidModel
from engine.parsing import BPMN_SUFFIXES, ParsedDefinition
from engine.problem_texts import problem
from engine.timers import StartSchedule

from services import audit, due_work, process_groups, subscriptions
from services.bundle_scenarios import (TESTS_FOLDER, checked, folder_scenarios, model_only,
                                       scenarios_of, split)
from services.context import Flowdesk
from services.errors import Conflict, NotFound
from services.principal import Principal, system
from store.tables import ProcessDefinition
from store.uow import UnitOfWork

DEPLOYABLE = (*BPMN_SUFFIXES, ".dmn", ".json")
SLA_FILE = "sla.json"  # seeds calendars and SLA policies; not part of the definition
__all__ = ["SLA_FILE", "TESTS_FOLDER", "bundle_files", "deploy", "deploy_path", "validate"]


def _decode(files: dict[str, bytes]) -> dict[str, str]:
    texts, problems = {}, []
    for name, data in files.items():
        try:
            texts[name] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(problem("not_utf8", None, name, detail=exc.reason))
    if problems:
        raise InvalidModel(problems)
    return texts


@dataclass(frozen=True)
class Bundle:
    """A bundle checked for deployment: the model's files under their base names (bytes and
    text), its parsed definition, and its scenario files as ``tests/<name>`` text."""

    files: dict[str, bytes]
    texts: dict[str, str]
    parsed: ParsedDefinition
    scenarios: dict[str, str]


def _checked(fd: Flowdesk, files: dict[str, bytes], process_key: str | None) -> Bundle:
    """The bundle fully validated: every problem of the model and of its scenario files in
    one InvalidModel."""
    model, scenarios = split(files)
    model = {Path(name).name: data for name, data in model.items()}
    problems = []
    try:
        texts = _decode(model)
        parsed = fd.definitions.get(model, process_key)
    except InvalidModel as exc:
        problems = exc.problems
    try:
        tests = checked(scenarios)
    except InvalidModel as exc:
        problems = [*problems, *exc.problems]
    if problems:
        raise InvalidModel(problems)
    return Bundle(model, texts, parsed, tests)


DEFS = ProcessDefinition.__table__


def _same_and_latest(uow: UnitOfWork, parsed: ParsedDefinition,
                     files: dict[str, bytes]) -> tuple[Row | None, int]:
    """The stored version with this very content, if any, and the key's latest version number.

    The same content is the same bytes, or the latest version's model in canonical form
    (``engine.canonical``): what the modeler rewrites when a model is opened and deployed
    again unchanged (prefixes, attribute and element order, whitespace, number formats) is
    not a change; a moved shape is."""
    same = uow.execute(select(DEFS).where(DEFS.c.key == parsed.key,
                                          DEFS.c.sha256 == parsed.sha256)).first()
    latest = uow.scalar(select(func.max(DEFS.c.version)).where(DEFS.c.key == parsed.key)) or 0
    if same is None and latest:
        newest = uow.execute(select(DEFS).where(DEFS.c.key == parsed.key,
                                                DEFS.c.version == latest)).one()
        stored = {name: text.encode("utf-8")
                  for name, text in model_only(newest.files or {}).items()}
        if stored and same_bundle(stored, files):
            same = newest
    return same, latest


def validate(fd: Flowdesk, files: dict[str, bytes], process_key: str | None = None) -> dict:
    """What deploying the bundle would do, without storing anything. Raises InvalidModel."""
    bundle = _checked(fd, files, process_key)
    parsed = bundle.parsed
    with fd.uow(read_only=True) as uow:
        same, latest = _same_and_latest(uow, parsed, bundle.files)
    if same is None:
        _refuse_past_starts(parsed, fd.now())
    return {"key": parsed.key, "name": parsed.name, "changed": same is None,
            "version": same.version if same is not None else latest + 1}


@dataclass(frozen=True)
class Deployed:
    row: Row
    created: bool
    scenarios_replaced: bool = False  # the same version, its scenario files replaced


def deploy(fd: Flowdesk, files: dict[str, bytes], by: Principal,
           process_key: str | None = None,
           process_group: str | None = None) -> tuple[Row, bool]:
    """Validate and store a bundle; return (definition row, created). See ``deploy_bundle``."""
    done = deploy_bundle(fd, files, by, process_key, process_group)
    return done.row, done.created


def deploy_bundle(fd: Flowdesk, files: dict[str, bytes], by: Principal,
                  process_key: str | None = None,
                  process_group: str | None = None) -> Deployed:
    """Validate and store a bundle with its scenario files. Raises InvalidModel, and Forbidden
    unless ``by`` designs the key's process group (a new key: see
    ``process_groups.place_for_deploy``)."""
    bundle = _checked(fd, files, process_key)
    parsed, texts = bundle.parsed, bundle.texts
    bpmn = next(texts[n] for n in sorted(texts) if n.lower().endswith(BPMN_SUFFIXES))
    actor = by.username
    try:
        with fd.uow() as uow:
            now = fd.now()
            group = process_groups.place_for_deploy(uow, by, parsed.key, process_group, now)
            same, latest = _same_and_latest(uow, parsed, bundle.files)
            if same is not None:
                return _same_version(uow, same, bundle.scenarios, actor, now)
            _refuse_past_starts(parsed, now)
            definition_id = uow.execute(insert(DEFS).values(
                key=parsed.key, version=latest + 1, name=parsed.name, sha256=parsed.sha256,
                bpmn_xml=bpmn, files={**texts, **bundle.scenarios}, deployed_at=now,
                deployed_by=actor
            ).returning(DEFS.c.id)).scalar_one()
            row = uow.execute(select(DEFS).where(DEFS.c.id == definition_id)).one()
            _schedule_starts(uow, row, parsed.start_schedules, now)
            subscriptions.register_starts(uow, row.id, parsed, now)
            audit.record(uow, now, actor, "definition.deployed", definition_id=row.id,
                         after={"key": row.key, "version": row.version,
                                "process_group": group.name, "sha256": parsed.sha256,
                                "files": sorted(texts), "scenarios": sorted(bundle.scenarios)})
            return Deployed(row, True)
    except IntegrityError:
        raise Conflict.of("definition.deploy_race") from None


def _same_version(uow: UnitOfWork, same: Row, scenarios: dict[str, str], actor: str,
                  now: datetime) -> Deployed:
    """The model is a stored version's: no new version. Scenario files the bundle brings
    replace that version's when they differ (they test the model, they are not it); a bundle
    without any keeps the stored ones."""
    stored = scenarios_of(same.files or {})
    if not scenarios or scenarios == stored:
        return Deployed(same, False)
    files = {**model_only(same.files or {}), **scenarios}
    uow.execute(update(DEFS).where(DEFS.c.id == same.id).values(files=files))
    audit.record(uow, now, actor, "definition.scenarios_replaced", definition_id=same.id,
                 before={"scenarios": sorted(stored)}, after={"scenarios": sorted(scenarios)})
    return Deployed(uow.execute(select(DEFS).where(DEFS.c.id == same.id)).one(), False, True)


def _schedule_starts(uow: UnitOfWork, row: Row, schedules: list[StartSchedule],
                     now: datetime) -> None:
    """The newest version of a key owns its timer start events; older ones stop starting, also
    when the new version has none (their rows would otherwise stay listed as pending)."""
    older = list(uow.scalars(select(DEFS.c.id).where(DEFS.c.key == row.key,
                                                     DEFS.c.id != row.id)))
    due_work.cancel_starts_of_key(uow, older)
    for schedule in schedules:
        due_work.arm_start(uow, row.id, schedule, anchor=now, after=now, now=now)


def _refuse_past_starts(parsed: ParsedDefinition, now: datetime) -> None:
    """A new version whose timer start event has no occurrence left (a date, or a bounded
    cycle, already past) would never start a case by it: refused, naming the event where it
    is (``start_locations``). The lint cannot tell: it has no clock. The same content deployed
    again is no new version."""
    past = [s for s in parsed.start_schedules if s.next_start(now, now) is None]
    if not past:
        return
    problems = []
    for s in past:
        file, line = parsed.start_locations.get(s.bpmn_id, ("", None))
        problems.append(problem("invalid_timer", None, file, line=line, element_id=s.bpmn_id,
                                label=s.bpmn_id, reason="timer.past", value=s.value))
    raise InvalidModel(problems)


def _bundle_name(file: Path) -> str:
    """A file's name in the bundle: ``i18n/en.json`` (a language catalogue, engine/form_i18n.py)
    becomes ``i18n.en.json``, anything else keeps its base name."""
    return f"i18n.{file.name}" if file.parent.name == "i18n" else file.name


def bundle_files(folder: Path) -> dict[str, bytes]:
    """A process folder's model files under their bundle names; its ``sla.json`` (seeded
    apart) and its ``tests/`` folder (scenario files, ``folder_scenarios``) are not the model."""
    return {_bundle_name(f): f.read_bytes() for f in sorted(folder.rglob("*"))
            if f.is_file() and f.name.lower().endswith(DEPLOYABLE) and f.name != SLA_FILE
            and TESTS_FOLDER not in f.relative_to(folder).parts[:-1]}


def deploy_path(fd: Flowdesk, path: Path, actor: str, process_group: str | None = None,
                with_scenarios: bool = True) -> list[tuple[Row, bool]]:
    """A folder of process folders, one process folder, or a single file, deployed by the
    system (the CLI): new keys go into ``process_group``, else the default group. Each folder's
    ``tests/`` scenario files travel with its version unless ``with_scenarios`` is false (the
    scenario runner, which reports a broken file as that scenario's failure)."""
    path, by = Path(path), system(actor, "admin")
    if path.is_file():
        return [deploy(fd, {path.name: path.read_bytes()}, by, None, process_group)]
    bundles = [d for d in sorted(path.iterdir()) if d.is_dir() and any(d.rglob("*.bpmn"))]
    if any(path.glob("*.bpmn")):
        bundles = [path]
    results = []
    for folder in bundles:
        files = bundle_files(folder)
        if with_scenarios:
            files.update(folder_scenarios(folder))
        results.append(deploy(fd, files, by, None, process_group))
        if (folder / SLA_FILE).is_file():
            seed_sla(fd, folder / SLA_FILE, actor)
    return results


def seed_sla(fd: Flowdesk, path: Path, actor: str) -> list[str]:
    """A process folder's ``sla.json``: the calendars and SLA policies it needs, created if
    missing (admins change them later through the API; a redeploy keeps their changes)."""
    from services.sla.config import seed
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidModel([problem("invalid_sla", None, path.name, detail=str(exc))]) from None
    return seed(fd, config, actor)


def _with_group():  # type: ignore[no-untyped-def]
    """Definitions with the name of their key's process group."""
    groups, keys = process_groups.GROUPS, process_groups.KEYS
    return (select(DEFS, groups.c.name.label("process_group"))
            .outerjoin(keys, keys.c.key == DEFS.c.key)
            .outerjoin(groups, groups.c.id == keys.c.group_id))


def list_definitions(fd: Flowdesk, key: str | None = None,
                     all_versions: bool = False) -> list[Row]:
    query = _with_group().order_by(DEFS.c.key, DEFS.c.version.desc())
    if key:
        query = query.where(DEFS.c.key == key)
    with fd.uow(read_only=True) as uow:
        rows = list(uow.execute(query))
    if all_versions:
        return rows
    latest: dict[str, Row] = {}
    for row in rows:
        latest.setdefault(row.key, row)
    return list(latest.values())


def get_definition(fd: Flowdesk, user: Principal, definition_id: int) -> Row:
    """One version with its XML and files: for designers of its process group and admins (the
    XML is how a process works inside, scripts and rules included; staff see a case's diagram
    through the case)."""
    with fd.uow(read_only=True) as uow:
        row = uow.execute(_with_group().where(DEFS.c.id == definition_id)).first()
        if row is None:
            raise NotFound.of("definition.not_found", definition=definition_id)
        process_groups.require_xml_reader(uow, user, row.key)
    return row
