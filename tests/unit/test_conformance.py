"""The conformance matrix on the engine: every case straight through, and again rebuilt from
its saved state before every step; the same open tasks, variables, path and end both ways."""
from __future__ import annotations

import pytest

from engine.parsing import parse_bundle
from tests.conformance import CASES, Case, run
from tests.conftest import bundle


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_same_path_straight_and_from_saved_state(case: Case) -> None:
    definition = parse_bundle(bundle(case.folder))
    straight = run(case, definition, reload_each_step=False)
    restored = run(case, definition, reload_each_step=True)
    assert restored == straight
    status, open_ids, variables = straight[-2]
    assert (status, open_ids) == (case.status, [])
    assert case.variables_after.items() <= variables.items()


def test_the_path_shows_each_branch_taken() -> None:
    """The path (elements done) tells the branches apart: the default of the exclusive
    gateway, both parallel branches, the side branch of a non-interrupting boundary."""
    by_name = {c.name: c for c in CASES}
    case = by_name["exclusive condition, inclusive default"]
    _active, done = run(case, parse_bundle(bundle(case.folder)), reload_each_step=True)[-1]
    assert {"task_a", "left", "right", "inc_none", "summarise"} <= set(done)
    assert not {"task_b", "inc_x", "inc_y"} & set(done)
    case = by_name["non-interrupting message boundary, then an intermediate message catch"]
    _active, done = run(case, parse_bundle(bundle(case.folder)), reload_each_step=True)[-1]
    assert {"replied", "count_reply", "reply_noted", "work", "wait_parcel", "end"} <= set(done)
    assert "end_withdrawn" not in done
