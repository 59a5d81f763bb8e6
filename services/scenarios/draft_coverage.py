"""Scenario coverage of a designer's draft, on the server: the scenarios given with the draft
(its ``tests/*.yaml`` files), or else those of the bundle folder the process was deployed from
(``Settings.processes_dir``), run as ``flowdesk test`` runs them on throwaway stores, answered
as ``flowdesk test --coverage-json`` writes coverage.

A request does bounded work: at most ``MAX_SCENARIOS`` scenarios of at most ``MAX_STEPS``
steps, ``FIRE_LIMIT`` due times per advance and ``MAX_SECONDS`` in all; what is left out is
named in the answer (``skipped``), never silently dropped. ``MAX_RUNNING`` run at a time per
server process. Timers and SLA clocks run on the installation's calendars and policies (as a
dry run's do) and on the bundle's ``sla.json`` when the folder has one.
"""
from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from engine.errors import EngineError
from engine.model_graph import read_graph
from services.context import Flowdesk
from services.bundle_scenarios import is_scenario_file
from services.definitions import SLA_FILE, TESTS_FOLDER, bundle_files
from services.errors import Unavailable
from services.principal import Principal, require_role
from services.scenarios.coverage import by_process
from services.scenarios.dry_run import copy_time_rules
from services.scenarios.runner import Result, Runner, Stores
from services.scenarios.spec import ScenarioFileError, discover, load

MAX_SCENARIOS = 50
MAX_STEPS = 200
FIRE_LIMIT = 500
MAX_SECONDS = 10.0  # a request holds one of the server's threads: a few seconds, not minutes
MAX_RUNNING = 2
_running = threading.BoundedSemaphore(MAX_RUNNING)


def limits() -> dict[str, float]:
    return {"scenarios": MAX_SCENARIOS, "steps": MAX_STEPS, "due_times_per_advance": FIRE_LIMIT,
            "seconds": MAX_SECONDS}


def deployed_folder(real: Flowdesk, key: str) -> Path | None:
    """The folder under ``processes_dir`` whose bundle deploys as process ``key``."""
    root = Path(real.settings.processes_dir)
    if not root.is_dir():
        return None
    for folder in sorted(d for d in root.iterdir() if (d / TESTS_FOLDER).is_dir()):
        try:
            if real.definitions.get(bundle_files(folder), None).key == key:
                return folder
        except (EngineError, OSError):
            continue
    return None


def _write_bundle(into: Path, files: dict[str, bytes], scenarios: dict[str, bytes]) -> None:
    """The draft as a process folder: the model's files by name, the scenarios in tests/."""
    (into / TESTS_FOLDER).mkdir(parents=True)
    for name, data in files.items():
        (into / PurePosixPath(name).name).write_bytes(data)
    for name, data in scenarios.items():
        (into / TESTS_FOLDER / PurePosixPath(name).name).write_bytes(data)


def _bounded(files: list[Path]) -> tuple[list[Path], list[dict[str, str]]]:
    """The scenario files to run, and those left out with the reason (too many, too long)."""
    run, skipped = [], []
    for file in files:
        try:
            steps = len(load(file).steps)
        except ScenarioFileError:
            steps = 0  # the runner reports the file as failed, naming the problem
        if len(run) >= MAX_SCENARIOS:
            skipped.append({"file": file.name, "reason": "too_many_scenarios"})
        elif steps > MAX_STEPS:
            skipped.append({"file": file.name, "reason": "too_many_steps"})
        else:
            run.append(file)
    return run, skipped


def _result(result: Result) -> dict[str, Any]:
    return {"name": result.name, "file": result.file.name, "process": result.process,
            "ok": result.ok, "error": result.error,
            "mismatches": [m.what for m in result.mismatches],
            "step": result.step.describe() if result.step and not result.ok else None,
            "milliseconds": round(result.seconds * 1000)}


def draft_coverage(real: Flowdesk, user: Principal, files: dict[str, bytes], stores: Stores,
                   clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """Run the draft's scenarios (or the deployed bundle's) and answer their coverage of the
    draft: ``coverage`` keyed by process as ``flowdesk test --coverage-json`` writes it, the
    draft's own ``process_key``, each scenario's result, ``skipped`` and the ``limits``.
    Raises InvalidModel when the draft would not deploy."""
    require_role(user, "designer", "admin")
    scenarios = {n: d for n, d in files.items() if is_scenario_file(n)}
    model = {n: d for n, d in files.items() if n not in scenarios}
    key = real.definitions.get({PurePosixPath(n).name: d for n, d in model.items()
                                if PurePosixPath(n).name != SLA_FILE}, None).key
    source = "draft"
    if not scenarios:
        folder = deployed_folder(real, key)
        if folder is not None:
            source = "deployed"
            scenarios = {f.name: f.read_bytes() for f in discover([folder / TESTS_FOLDER])}
            if SLA_FILE not in model and (folder / SLA_FILE).is_file():
                model[SLA_FILE] = (folder / SLA_FILE).read_bytes()
    if not _running.acquire(blocking=False):
        raise Unavailable.of("coverage.busy", limit=MAX_RUNNING)
    try:
        with tempfile.TemporaryDirectory(prefix="flowdesk-coverage-") as work:
            bundle = Path(work) / key.replace("/", "_")
            _write_bundle(bundle, model, scenarios)
            try:
                return _run(real, key, bundle, source, stores, clock)
            finally:
                forget = getattr(stores, "forget", None)
                if forget is not None:  # the draft's prepared store is not used again
                    forget(str(bundle))
    finally:
        _running.release()


def _run(real: Flowdesk, key: str, bundle: Path, source: str, stores: Stores,
         clock: Callable[[], float]) -> dict[str, Any]:
    files, skipped = _bounded(discover([bundle / TESTS_FOLDER]))
    runner = Runner(stores, lambda url: replace(real.settings, database_url=url, smtp_url=""),
                    seed=lambda fd: copy_time_rules(real, fd), fire_limit=FIRE_LIMIT)
    results: list[Result] = []
    deadline = clock() + MAX_SECONDS
    for number, result in enumerate(runner.run(files)):
        results.append(result)
        if clock() > deadline:
            skipped += [{"file": f.name, "reason": "out_of_time"} for f in files[number + 1:]]
            break
    problem = next((b.problem for b in runner.bundles.values() if b.problem), None)
    graphs = {b.key: b.graph for b in runner.bundles.values() if not b.problem}
    if not graphs:  # no scenarios at all: the draft's diagram, nothing visited
        graphs = {key: read_graph(bundle_files(bundle))}
    return {"process_key": key, "source": source, "coverage": by_process(graphs, results),
            "scenarios": [_result(r) for r in results], "skipped": skipped,
            "problem": problem, "limits": limits()}
