"""Running scenario files: each on a fresh store holding its bundle (deployed once per run,
with its ``sla.json``), on a virtual clock; results per scenario and coverage per process.

The store comes from the caller (the host makes throwaway SQLite stores): ``Stores.fresh``
answers a new store's URL with the bundle prepared in it. The designer's coverage runs the
same way with bounds (``fire_limit`` due times per advance) and ``seed`` (the installation's
calendars and SLA policies, put into the store before the bundle is deployed).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from engine.clock import FakeClock
from engine.errors import InvalidModel
from engine.model_graph import ModelGraph, read_graph
from engine.parsing import DefinitionCache
from services.context import Flowdesk
from services.definitions import bundle_files, deploy_path
from services.errors import ServiceError
from services.scenarios.expect import Mismatch
from services.scenarios.script_tests import run_script_test
from services.scenarios.session import ScenarioSession, StepFailed
from services.scenarios.spec import Scenario, ScenarioFileError, Step, load
from services.settings import Settings

ACTOR = "flowdesk-test"


class Stores(Protocol):
    def fresh(self, key: str, prepare: Callable[[str], None]) -> str: ...

    def discard(self, url: str) -> None: ...


@dataclass
class Result:
    name: str
    file: Path
    process: str
    seconds: float
    step: Step | None = None  # where it failed
    error: str | None = None  # a step that could not be done
    mismatches: list[Mismatch] = field(default_factory=list)
    elements: set[str] = field(default_factory=set)
    flows: set[str] = field(default_factory=set)
    path: list[str] = field(default_factory=list)  # of the main case, when it stopped

    @property
    def ok(self) -> bool:
        return self.error is None and not self.mismatches


@dataclass
class Bundle:
    key: str
    graph: ModelGraph
    problem: str | None = None  # the deployment was rejected


class Runner:
    def __init__(self, stores: Stores, settings: Callable[[str], Settings],
                 seed: Callable[[Flowdesk], None] | None = None,
                 fire_limit: int | None = None) -> None:
        self.stores, self.settings = stores, settings
        self.seed, self.fire_limit = seed, fire_limit
        self.definitions = DefinitionCache()  # parsed once per run, shared by every store
        self.bundles: dict[Path, Bundle] = {}

    def run(self, files: Iterable[Path]) -> Iterable[Result]:
        for file in files:
            started = time.perf_counter()
            try:
                scenario = load(file)
            except ScenarioFileError as exc:
                yield Result(file.stem, file, "?", time.perf_counter() - started,
                             error=str(exc))
                continue
            result = self.run_one(scenario)
            result.seconds = time.perf_counter() - started
            yield result

    def run_one(self, scenario: Scenario) -> Result:
        bundle = self._bundle(scenario.bundle)
        result = Result(scenario.name, scenario.file, scenario.process or bundle.key, 0.0)
        if bundle.problem:
            result.error = bundle.problem
            return result
        clock = FakeClock()
        url = self.stores.fresh(str(scenario.bundle), lambda u: None)
        fd = self._flowdesk(url, clock)
        try:
            for test in scenario.script_tests:
                result.mismatches += run_script_test(fd, fd.definitions.get(
                    bundle_files(scenario.bundle), None), test)
            if result.mismatches:
                return result
            session = ScenarioSession(fd, clock, bundle.graph, result.process, scenario.mocks)
            session.fire_limit = self.fire_limit
            self._run_steps(session, scenario, result)
        finally:
            fd.dispose()
            self.stores.discard(url)
        return result

    def _run_steps(self, session: ScenarioSession, scenario: Scenario, result: Result) -> None:
        if not scenario.steps and not scenario.start:
            return  # a file of script tests only
        try:
            session.start(scenario.start)
            for step in scenario.steps:
                result.step = step
                result.mismatches = session.step(step)
                if result.mismatches:
                    return
                if session.stopped_early:
                    raise StepFailed(f"more than {self.fire_limit} due times in one advance "
                                     "(the limit of a run on the server)")
            result.step = None
        except StepFailed as exc:
            result.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - one broken scenario must not end the run
            result.error = f"{type(exc).__name__}: {exc}"
        finally:
            state = session.state()
            result.elements, result.flows, result.path = (state.elements, state.flows,
                                                          state.path)

    def _flowdesk(self, url: str, clock: FakeClock) -> Flowdesk:
        fd = Flowdesk(self.settings(url), clock=clock)
        fd.definitions = self.definitions
        return fd

    def _bundle(self, folder: Path) -> Bundle:
        """Deploy the folder once per run into its prepared store (new stores copy it)."""
        found = self.bundles.get(folder)
        if found is not None:
            return found
        files = bundle_files(folder)
        found = self.bundles[folder] = Bundle("?", read_graph(files))

        def prepare(url: str) -> None:
            fd = self._flowdesk(url, FakeClock())
            try:
                if self.seed is not None:
                    self.seed(fd)
                found.key = deploy_path(fd, folder, ACTOR, with_scenarios=False)[0][0].key
            finally:
                fd.dispose()
        try:
            self.stores.fresh(str(folder), prepare)
        except InvalidModel as exc:
            found.problem = "the model was rejected: " + "; ".join(
                f"[{p.element_id or '-'}] {p.message}" for p in exc.problems)
        except ServiceError as exc:
            found.problem = f"the bundle could not be deployed: {exc.detail}"
        return found
