"""The conformance matrix on the engine: every case straight through, and again rebuilt from
its saved state before every step; the same open tasks, variables, path and end both ways."""
from __future__ import annotations

import pytest

from engine.parsing import parse_bundle
from tests.conformance import CASES, CONFORMANCE, Case, run
from tests.conftest import bundle


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_same_path_straight_and_from_saved_state(case: Case) -> None:
    straight = run(case, reload_each_step=False)
    restored = run(case, reload_each_step=True)
    assert restored == straight
    status, open_ids, variables, external_ids = straight[-2]
    assert (status, open_ids, external_ids) == (case.status, [], [])
    assert case.variables_after.items() <= variables.items()


def test_the_path_shows_each_branch_taken() -> None:
    """The path (elements done) tells the branches apart: the default of the exclusive
    gateway, both parallel branches, the side branch of a non-interrupting boundary."""
    by_name = {c.name: c for c in CASES}
    case = by_name["exclusive condition, inclusive default"]
    _active, done = run(case, reload_each_step=True)[-1]
    assert {"task_a", "left", "right", "inc_none", "summarise"} <= set(done)
    assert not {"task_b", "inc_x", "inc_y"} & set(done)
    case = by_name["non-interrupting message boundary, then an intermediate message catch"]
    _active, done = run(case, reload_each_step=True)[-1]
    assert {"replied", "count_reply", "reply_noted", "work", "wait_parcel", "end"} <= set(done)
    assert "end_withdrawn" not in done


def test_an_interrupting_event_subprocess_cancels_what_else_ran() -> None:
    """BPMN: an interrupting event subprocess stops the main flow and the other event
    subprocesses of its process; the case then ends when it does."""
    case = next(c for c in CASES if c.name.startswith("interrupting signal event subprocess"))
    seen = run(case, reload_each_step=True)
    assert [open_ids for _status, open_ids, _vars, _external in seen[:-1]] == [
        ["work"], ["take_note", "work"], ["close_withdrawn"], []]
    _active, done = seen[-1]
    assert "close_withdrawn" in done and not {"work", "take_note", "end"} & set(done)


def test_one_instance_triggering_an_event_subprocess_leaves_the_others_alone() -> None:
    """The parsed definition is shared by every instance: SpiffWorkflow 3.2 wired a triggered
    event subprocess into it for good, so every later instance started it at once and never
    completed. Now each instance starts only what it caught."""
    from engine.runtime import Runtime
    definition = parse_bundle(bundle(CONFORMANCE / "event_subprocess"))
    runtime = Runtime()
    first, result = runtime.start(definition, {})
    runtime.send_event(definition, first, "signal", "case_withdrawn", {})
    later, result = runtime.start(definition, {})
    assert [t.bpmn_id for t in result.open_tasks] == ["work"]
    result = runtime.complete_task(definition, later, result.open_tasks[0].guid, {})
    assert result.status == "completed" and result.incident is None


PATHS = [  # (case, elements done, elements not done)
    ("timer event subprocesses withdrawn when the work is done first",
     {"start", "work", "end"}, {"on_hour", "on_day", "chase", "close_expired"}),
    ("interrupting timer event subprocess stops the work and the other",
     {"on_day", "close_expired"}, {"work", "end", "chase"}),
    ("error end event caught by an error event subprocess of its subprocess",
     {"goods_bad", "on_bad", "repair", "review", "close", "end"}, {"wrap_up", "on_late"}),
    ("error not handled by its subprocess reaches the process's error event subprocess",
     {"goods_fatal", "on_fatal", "handle_fatal"}, {"close", "end", "on_bad", "repair"}),
    ("escalation end event caught by an interrupting boundary",
     {"throw_refused", "refused", "supervise", "note_late"}, {"end", "handle_end"}),
    ("terminate end event on one parallel branch ends the other",
     {"stop_all"}, {"refund", "end"}),
    ("interrupting conditional boundary",
     {"withdrawn", "close_withdrawn", "end_withdrawn"}, {"intake", "fork", "end"}),
    ("conditional catch fires after a variables update",
     {"wait_paid", "ship", "take_payment", "join", "end"}, {"urgent", "on_complaint"}),
    ("conditional-start event subprocess",
     {"on_complaint", "complaint_start", "handle_complaint", "end"}, {"urgent", "withdrawn"}),
]


@pytest.mark.parametrize("name, done, not_done", PATHS, ids=[p[0] for p in PATHS])
def test_event_paths(name: str, done: set[str], not_done: set[str]) -> None:
    """Where BPMN says an event stops or skips something, the path shows it."""
    case = next(c for c in CASES if c.name == name)
    active, completed = run(case, reload_each_step=True)[-1]
    assert active == []
    assert done <= set(completed) and not not_done & set(completed)


def test_external_tasks_wait_for_their_worker_and_leave_the_path_they_took() -> None:
    """An external task stays open until a worker answers; a BPMN error thrown from it ends
    it through the boundary that caught it (on the task, or on its subprocess); a timer
    boundary withdraws it."""
    by_name = {c.name: c for c in CASES}

    def seen(name: str) -> list[tuple]:
        case = by_name[name]
        return run(case, reload_each_step=True)

    done = seen("external tasks done by workers, one inside a subprocess")
    assert [(s[1], s[3]) for s in done[:-1]] == [
        ([], ["check_stock"]), ([], ["print_label"]), (["ship"], []), ([], [])]
    assert done[0][0] == "waiting"
    _active, path = done[-1]
    assert {"check_stock", "print_label", "pack", "ship", "end"} <= set(path)
    caught = seen("a BPMN error from an external task caught by its error boundary")
    assert {"out_of_stock", "backorder", "end_backorder"} <= set(caught[-1][1])
    assert "check_stock" not in caught[-1][1] and "pack" not in caught[-1][1]
    outer = seen("a BPMN error from an external task caught on its subprocess")
    assert {"pack_failed", "pack_by_hand", "end_by_hand"} <= set(outer[-1][1])
    assert not {"print_label", "pack", "ship"} & set(outer[-1][1])
    timed_out = seen("an interrupting timer boundary withdraws an external task")
    assert (timed_out[1][1], timed_out[1][3]) == (["chase_supplier"], [])
    assert {"supplier_silent", "chase_supplier"} <= set(timed_out[-1][1])
    assert "check_stock" not in timed_out[-1][1]
