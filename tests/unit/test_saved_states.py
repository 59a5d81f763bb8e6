"""Instance states saved by an earlier serializer still load and run.

``tests/resources/saved_states`` holds instance states exactly as Flowdesk stored them
(``Runtime.dumps``, the ``state`` column), each at an interesting wait, with what a reload must
show and one step to take afterwards (``make_fixtures.py`` there made them; it only ever adds
files). Every fixture is loaded with today's runtime and the parsed definition of its bundle,
so a serializer or SpiffWorkflow change that cannot read yesterday's rows, or reads them
differently, fails here instead of on a production database.
"""
from __future__ import annotations

import importlib.util
import json
from datetime import datetime
from pathlib import Path

import pytest

from engine.clock import FakeClock
from engine.parsing import parse_bundle
from engine.runtime import Runtime
from tests.conftest import RESOURCES, ROOT

SAVED = RESOURCES / "saved_states"
FIXTURES = sorted(SAVED.glob("*.serializer-*.json"))
REQUIRED_CASES = {"three_steps_at_step_two", "parallel_one_branch_done",
                  "boundary_timers_after_a_reminder", "complaint_registered",
                  "external_task_waiting"}


def _maker():  # type: ignore[no-untyped-def]
    """The fixture script, for its way of describing a result and of taking the next step."""
    spec = importlib.util.spec_from_file_location("saved_state_maker", SAVED / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


MAKER = _maker()


def _definition(fixture: dict):  # type: ignore[no-untyped-def]
    folder = ROOT / fixture["bundle"]
    assert folder.is_dir(), f"the fixture's bundle {fixture['bundle']} is gone"
    return parse_bundle(MAKER.files_of(fixture["bundle"], fixture["files"]))


def test_the_fixtures_cover_the_required_waits() -> None:
    cases = {json.loads(p.read_text(encoding="utf-8"))["case"] for p in FIXTURES}
    assert REQUIRED_CASES <= cases, f"missing saved states: {REQUIRED_CASES - cases}"


def test_the_current_serializer_version_has_saved_states() -> None:
    """A new serializer version must add its own fixtures (run make_fixtures.py, which keeps
    the old files) so the next change is guarded against it too."""
    version = Runtime().serializer.version
    assert any(p.name.endswith(f".serializer-{version}.json") for p in FIXTURES), (
        f"no saved states for serializer version {version}: run "
        "tests/resources/saved_states/make_fixtures.py to add them (never refresh old ones)")


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name.removesuffix(".json") for p in FIXTURES])
def test_a_saved_state_loads_and_runs_on(path: Path) -> None:
    fixture = json.loads(path.read_text(encoding="utf-8"))
    stored = json.loads(fixture["state"])
    assert stored["serializer_version"] == fixture["serializer_version"]

    definition = _definition(fixture)
    clock = FakeClock(datetime.fromisoformat(fixture["clock"]))
    runtime = Runtime(clock=clock)
    wf = runtime.loads(definition, fixture["state"])

    # what the instance showed when it was saved: its open tasks (same task ids), its armed
    # timers (same due times) and its variables
    loaded = runtime.inspect(definition, wf)
    shown = MAKER.picture(loaded)
    expected = fixture["expect"]
    assert shown["status"] == expected["status"]
    assert shown["open_tasks"] == expected["open_tasks"]
    assert shown["waiting_timers"] == expected["waiting_timers"]
    assert shown["variables"] == expected["variables"]
    assert shown.get("external_tasks") == expected.get("external_tasks")

    # and it still runs: one step on, it arrives where the never-saved workflow did
    after = MAKER.take_step(runtime, clock, definition, wf, loaded, fixture["next_step"])
    assert MAKER.picture(after, with_guids=False) == fixture["expect_after_step"]
    assert after.incident is None

    # a state saved again by today's serializer loads to the same picture
    again = runtime.loads(definition, runtime.dumps(wf))
    assert MAKER.picture(runtime.inspect(definition, again), with_guids=False) == \
        fixture["expect_after_step"]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_a_plan_reads_the_live_elements_from_the_saved_json(path: Path) -> None:
    """A migration plan reads where an instance waits from its saved JSON
    (``active_elements_saved``) as the rebuilt workflow would say it, or declines (None) for a
    state of another serializer version."""
    from engine.migration import active_elements, active_elements_saved
    fixture = json.loads(path.read_text(encoding="utf-8"))
    definition = _definition(fixture)
    runtime = Runtime()
    read = active_elements_saved(definition, fixture["state"], runtime.serializer.version)
    if json.loads(fixture["state"]).get("serializer_version") != runtime.serializer.version:
        assert read is None
        return
    assert read == active_elements(runtime.loads(definition, fixture["state"]))
    assert read, "every fixture waits somewhere"


def test_the_live_elements_inside_a_subprocess_are_read_from_the_saved_json() -> None:
    """Live tokens inside (nested) subprocesses are named from their subprocess's spec; a
    state naming a spec the definition lacks is declined, not guessed."""
    from engine.migration import active_elements, active_elements_saved
    from tests.conftest import bundle
    definition = parse_bundle(bundle(RESOURCES / "subprocesses"))
    runtime = Runtime()
    wf, result = runtime.start(definition)
    assert result.incident is None and result.open_tasks
    state = runtime.dumps(wf)
    assert json.loads(state)["subprocesses"], "the fixture waits inside a subprocess"
    read = active_elements_saved(definition, state, runtime.serializer.version)
    assert read == active_elements(runtime.loads(definition, state))
    broken = json.loads(state)
    next(iter(broken["subprocesses"].values()))["spec"] = "no_such_process"
    assert active_elements_saved(definition, json.dumps(broken), runtime.serializer.version) is None
    assert active_elements_saved(definition, state, "0.1") is None
