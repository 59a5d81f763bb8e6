"""Deployment bundles (BPMN + DMN + JSON-schema forms) → validated, cached process specs.

A bundle is parsed once per content hash: instances store only their state (see serialization)
and get the shared, immutable spec from this cache.
"""
from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from .bpmn_parser import FlowdeskBpmnParser
from .errors import InvalidModel, Problem
from .problem_texts import problem
from .external_tasks import error_variables, specs_have_external_tasks
from .lint import BPMN, NS, executable_process_ids, lint_bpmn, properties_of
from .lint_recursion import lint_recursive_calls
from . import conditions, event_subprocesses, events, form_i18n, spiff_patches, status_profile
from .start_form import StartForm, plain_start_events, read_start_form
from .status_profile import StatusProfile
from .timers import StartSchedule, specs_have_timers, start_schedules
from .xml_safety import parse_untrusted

BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml")
EMPTY_FORM: dict = {"type": "object"}


@dataclass(frozen=True)
class UserTaskInfo:
    """What the inbox needs to know about a user task, read once from the model."""

    bpmn_id: str
    name: str
    lane: str | None
    documentation: str
    form_name: str | None
    form_schema: dict
    properties: dict[str, str]

    @property
    def candidate_groups(self) -> list[str]:
        explicit = [g.strip() for g in self.properties.get("candidateGroups", "").split(",")]
        groups = [g for g in explicit if g]
        return groups or ([self.lane] if self.lane else [])


@dataclass
class ParsedDefinition:
    key: str
    name: str
    sha256: str
    spec: BpmnProcessSpec
    subprocess_specs: dict
    forms: dict[str, dict]
    user_tasks: dict[str, UserTaskInfo] = field(default_factory=dict)
    start_schedules: list[StartSchedule] = field(default_factory=list)  # timer start events
    # Where each timer start event is: (file, line), for a problem found later (at deploy time)
    start_locations: dict[str, tuple[str, int]] = field(default_factory=dict)
    case_prefix: str = "C"  # case numbers: <prefix><YYYYMMDD><seq>
    status_profile: StatusProfile | None = None  # legal user-status order per case type
    start_data: str | None = None  # startDataProvider: the host fills start variables
    # Who may start it by hand: the groups of the lanes its plain start events are in, and
    # its ``starters`` property (groups or user names). Both empty: any staff member.
    start_lanes: frozenset[str] = frozenset()
    # Texts in other languages than the model's Chinese (``i18n.en.json``; engine/form_i18n.py)
    catalogues: dict[str, dict] = field(default_factory=dict)
    starters: frozenset[str] = frozenset()
    # Whether a person can start it (a plain start event) and the form they fill to do so.
    start_form: StartForm = field(default_factory=StartForm)
    # Event subprocesses whose start event interrupts (BPMN's default): when one starts, the
    # rest of its (sub)process is cancelled. SpiffWorkflow does not read isInterrupting.
    interrupting: frozenset[str] = frozenset()
    # Camunda's errorCodeVariable / errorMessageVariable of error boundary events, by id.
    error_variables: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Event subprocesses SpiffWorkflow starts with their process (timer starts): withdrawn
    # when the rest of their (sub)process is done (``engine.event_subprocesses``).
    armed_event_subprocesses: frozenset[str] = frozenset()

    @functools.cached_property
    def has_conditions(self) -> bool:
        """Whether its instances can wait on a condition (else the runtime does not look at
        conditions after each step)."""
        return conditions.has_conditions([self.spec, *self.subprocess_specs.values()])

    @functools.cached_property
    def has_timers(self) -> bool:
        """Whether its instances can ever arm a timer (else the host skips timer upkeep)."""
        return specs_have_timers(self.spec, self.subprocess_specs)

    @functools.cached_property
    def catches_events(self) -> bool:
        """Whether its instances can ever wait for a message or signal (else the host skips
        subscription upkeep)."""
        return events.catches_events(self.spec, self.subprocess_specs)

    @functools.cached_property
    def start_events(self) -> list[events.StartEvent]:
        """Its message and signal start events: an instance starts when one arrives."""
        return events.start_events(self.spec)

    @functools.cached_property
    def has_external_tasks(self) -> bool:
        """Whether its instances can ever wait for a worker (else the host skips that upkeep)."""
        return specs_have_external_tasks(self.spec, self.subprocess_specs)


def bundle_sha256(files: dict[str, bytes]) -> str:
    """Content hash of a bundle: same files, same hash, whatever the upload order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def _split(files: dict[str, bytes]) -> tuple[dict, dict, dict, list[Problem]]:
    bpmn, dmn, forms, problems = {}, {}, {}, []
    for name, data in files.items():
        lower = name.lower()
        if lower.endswith(BPMN_SUFFIXES):
            bpmn[name] = data
        elif lower.endswith(".dmn"):
            dmn[name] = data
        elif lower == "sla.json":
            continue  # a process folder's calendars and SLA policies: seeded, not deployed
        elif lower.endswith(".json"):
            forms[name] = data
        else:
            problems.append(problem("unsupported_file", None, name))
    if not bpmn:
        problems.append(problem("no_bpmn", None, ""))
    return bpmn, dmn, forms, problems


def _load_forms(raw: dict[str, bytes]) -> tuple[dict[str, dict], list[Problem]]:
    forms, problems = {}, []
    for name, data in raw.items():
        base = name.rsplit("/", 1)[-1]
        try:
            schema = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            problems.append(problem("invalid_form.json", None, name, line=line,
                                    detail=str(exc)))
            continue
        if not isinstance(schema, dict):
            problems.append(problem("invalid_form.not_object", None, name))
            continue
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.path) or "(root)"
            problems.append(problem("invalid_form.schema", None, name, where=where,
                                    detail=exc.message))
            continue
        forms[base] = schema
    return forms, problems


def _decision_ids(dmn_roots: dict[str, etree._Element]) -> set[str]:
    return {el.get("id", "") for root in dmn_roots.values() for el in root.iter()
            if isinstance(el.tag, str) and etree.QName(el).localname == "decision"}


def _id_lines(roots: dict[str, etree._Element]) -> dict[str, tuple[str, int]]:
    return {el.get("id"): (name, el.sourceline) for name, root in roots.items()
            for el in root.iter() if isinstance(el.tag, str) and el.get("id")}


def _spiff_problem(exc: ValidationException, lines: dict[str, tuple[str, int]]) -> Problem:
    """SpiffWorkflow's refusal, its English kept as the detail of a sentence said in the
    request's language (two it words badly are said in our own words)."""
    file, line = lines.get(exc.id or "", (exc.file_name or "", None))
    line = exc.line_number if isinstance(exc.line_number, int) else line
    message = str(exc.args[0]) if exc.args else str(exc)
    key, params = "invalid_model.spiff", {"detail": message}
    if message.startswith("RecursionError"):
        # SpiffWorkflow's parser follows each sequence flow by calling itself: a chain of a
        # few hundred elements in a row is past Python's recursion limit.
        key, params = "invalid_model.too_long", {}
    elif message.startswith(("NotImplementedError", "There is no support implemented")):
        key, params = "invalid_model.not_implemented", {"version": spiff_patches.SPIFF_VERSION}
    return problem(key, None, exc.file_name or file, line=line, element_id=exc.id or "",
                   **params)


def parse_bundle(files: dict[str, bytes], process_key: str | None = None) -> ParsedDefinition:
    """Validate a bundle completely and build its spec; raise InvalidModel listing every problem."""
    profile_raw = files.get(status_profile.FILE)
    catalogues, problems = form_i18n.load_catalogues(files)
    bpmn_raw, dmn_raw, form_raw, split_problems = _split(
        {n: d for n, d in files.items()
         if n != status_profile.FILE and not form_i18n.is_catalogue(n)})
    problems += split_problems
    profile, profile_problems = (status_profile.parse_profile(status_profile.FILE, profile_raw)
                                 if profile_raw is not None else (None, []))
    problems += profile_problems
    roots: dict[str, etree._Element] = {}
    for name, data in {**bpmn_raw, **dmn_raw}.items():
        root, errs = parse_untrusted(data, name)
        problems += errs
        if root is not None:
            roots[name] = root
    forms, form_problems = _load_forms(form_raw)
    problems += form_problems
    bpmn_roots = {n: r for n, r in roots.items() if n in bpmn_raw}
    dmn_roots = {n: r for n, r in roots.items() if n in dmn_raw}
    all_ids = {pid for r in bpmn_roots.values() for pid in
               (p.get("id", "") for p in r.findall("bpmn:process", NS))}
    for name, root in bpmn_roots.items():
        problems += lint_bpmn(root, name, _decision_ids(dmn_roots), all_ids, set(forms))
    problems += lint_recursive_calls(bpmn_roots)
    key = None if problems else _choose_key(bpmn_roots, process_key, problems)
    start_form, start_problems = (read_start_form(bpmn_roots, key, forms) if key
                                  else (StartForm(), []))
    problems += start_problems
    if problems or key is None:
        raise InvalidModel(problems or [problem("no_process.none_found", None, "")])
    parsed = _build_spec(bpmn_roots, dmn_roots, key, forms)
    parsed.sha256 = bundle_sha256(files)
    parsed.case_prefix = _case_prefix(bpmn_roots, key)
    parsed.start_data = _process_property(bpmn_roots, key, "startDataProvider") or None
    parsed.start_lanes = _start_lanes(bpmn_roots, key)
    parsed.starters = frozenset(
        s.strip() for s in _process_property(bpmn_roots, key, "starters").split(",") if s.strip())
    parsed.status_profile = profile
    parsed.catalogues = catalogues
    parsed.start_form = start_form
    return parsed


def _process_property(roots: dict[str, etree._Element], key: str, name: str) -> str:
    for root in roots.values():
        for process in root.findall("bpmn:process", NS):
            if process.get("id") == key:
                return properties_of(process).get(name, "").strip()
    return ""


def _start_lanes(roots: dict[str, etree._Element], key: str) -> frozenset[str]:
    """Names of the lanes (lanes are groups) holding the process's plain start events, the
    ones a person starts it at (message, signal and timer starts are not started by hand)."""
    for root in roots.values():
        for process in root.findall("bpmn:process", NS):
            if process.get("id") != key:
                continue
            plain = {e.get("id") for e in plain_start_events(process)}
            return frozenset(lane.get("name") or lane.get("id", "")
                             for lane in process.iter(f"{{{BPMN}}}lane")
                             if any((ref.text or "").strip() in plain
                                    for ref in lane.findall("bpmn:flowNodeRef", NS)))
    return frozenset()


def _case_prefix(roots: dict[str, etree._Element], key: str) -> str:
    """The process's ``caseNumberPrefix`` property (e.g. TS for 投诉), else initials of the key."""
    wanted = _process_property(roots, key, "caseNumberPrefix").upper()
    if wanted and wanted.isalnum() and len(wanted) <= 8:
        return wanted
    return "".join(part[:1] for part in key.split("_") if part).upper()[:8] or "C"


def _choose_key(roots: dict[str, etree._Element], wanted: str | None,
                problems: list[Problem]) -> str | None:
    executable = [pid for root in roots.values() for pid in executable_process_ids(root)]
    called = {c.get("calledElement") for root in roots.values()
              for c in root.iter(f"{{{BPMN}}}callActivity")}
    candidates = [pid for pid in executable if pid not in called] or executable
    if wanted:
        if wanted not in executable:
            problems.append(problem("no_process.not_executable", None, "", element_id=wanted,
                                    process=wanted, found=executable))
            return None
        return wanted
    if not candidates and roots:
        problems.append(problem("no_process.unmarked", None, ""))
        return None
    if len(candidates) > 1:
        problems.append(problem("ambiguous", None, "", processes=candidates))
        return None
    return candidates[0] if candidates else None


def _build_spec(bpmn_roots: dict, dmn_roots: dict, key: str, forms: dict) -> ParsedDefinition:
    lines = _id_lines({**bpmn_roots, **dmn_roots})
    parser = FlowdeskBpmnParser(validator=VALIDATOR)
    try:
        for name, root in dmn_roots.items():
            parser.add_dmn_xml(root, filename=name)
        for name, root in bpmn_roots.items():
            parser.add_bpmn_xml(root, filename=name)
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
        spiff_patches.wire_loop_children([spec, *subprocess_specs.values()])
        spiff_patches.wire_event_subprocesses([spec, *subprocess_specs.values()])
    except ValidationException as exc:
        raise InvalidModel([_spiff_problem(exc, lines)]) from None
    except etree.LxmlError as exc:
        raise InvalidModel([problem("invalid_model.schema", None, "", detail=str(exc))]) from None
    user_tasks = {}
    for process_spec in [spec, *subprocess_specs.values()]:
        for task_spec in process_spec.task_specs.values():
            if getattr(task_spec, "manual", False):  # user and manual tasks
                info = _user_task_info(task_spec, forms)
                user_tasks[info.bpmn_id] = info
    try:
        schedules = start_schedules(spec)
    except Exception as exc:  # noqa: BLE001 - a schedule must be knowable at deploy
        raise InvalidModel([problem("invalid_timer.start_schedule", None, "",
                                    detail=str(exc))]) from None
    return ParsedDefinition(key=key, name=spec.description or key, sha256="", spec=spec,
                            subprocess_specs=subprocess_specs, forms=forms, user_tasks=user_tasks,
                            start_schedules=schedules,
                            start_locations={s.bpmn_id: lines[s.bpmn_id] for s in schedules
                                             if s.bpmn_id in lines},
                            interrupting=interrupting_event_subprocesses(bpmn_roots),
                            error_variables=error_variables(bpmn_roots),
                            armed_event_subprocesses=event_subprocesses.armed_at_start(
                                [spec, *subprocess_specs.values()]))


def interrupting_event_subprocesses(roots: dict[str, etree._Element]) -> frozenset[str]:
    """Ids of the event subprocesses whose start event interrupts (``isInterrupting`` is true
    unless it says false)."""
    found = set()
    for root in roots.values():
        for sub in root.iter(f"{{{BPMN}}}subProcess"):
            if sub.get("triggeredByEvent", "false").lower() != "true":
                continue
            starts = sub.findall(f"{{{BPMN}}}startEvent")
            if any(s.get("isInterrupting", "true").lower() != "false" for s in starts):
                found.add(sub.get("id", ""))
    return frozenset(found)


def _user_task_info(task_spec: Any, forms: dict[str, dict]) -> UserTaskInfo:
    props = dict((getattr(task_spec, "extensions", None) or {}).get("properties", {}))
    form_name = props.get("formJsonSchemaFilename") or f"{task_spec.bpmn_id}.json"
    schema = forms.get(form_name)
    return UserTaskInfo(bpmn_id=task_spec.bpmn_id, name=task_spec.bpmn_name or task_spec.bpmn_id,
                        lane=task_spec.lane, documentation=task_spec.documentation or "",
                        form_name=form_name if schema is not None else None,
                        form_schema=schema if schema is not None else EMPTY_FORM,
                        properties=props)


class DefinitionCache:
    """Parsed bundles by content hash, shared by every instance of that definition version."""

    def __init__(self, size: int = 128) -> None:
        self._size = size
        self._items: OrderedDict[str, ParsedDefinition] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, files: dict[str, bytes], process_key: str | None = None,
            sha256: str | None = None) -> ParsedDefinition:
        """Keyed by content hash and the process asked for (one bundle may hold several)."""
        key = f"{sha256 or bundle_sha256(files)}:{process_key or ''}"
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        parsed = parse_bundle(files, process_key)
        with self._lock:
            self._items[key] = parsed
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return parsed

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
