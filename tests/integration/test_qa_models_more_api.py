"""More models nobody on the team drew, driven like ``test_qa_models_api`` (deployed through the
API, a restarted Flowdesk before every step, timers fired by the injected clock and the ticker's
own work, each step compared with the engine's straight run): event subprocesses inside a called
process, an error end event of a called process caught on the call activity, a reminder cycle
(``R3/PT1H``) on a non-interrupting boundary that fires three times and stops when its task is
done, and a sequential multi-instance task with a cardinality and a completion condition inside
a subprocess that ends with an escalation caught on its boundary. Models are in ``tests/resources/qa_models``."""
from __future__ import annotations

import pytest

from tests.integration.test_qa_models_api import (QaCase, drive, qa,  # noqa: F401 - fixture
                                                  restarts, runs)

CASES = [
    qa("timer event subprocess inside a called process nudges, then the call ends normally",
       "event_sub_in_call", {},
       [("advance", "PT61M", {}), ("complete", "care_nudge", {}),
        ("complete", "care_call", {"ok": True}), ("complete", "parent_close", {})],
       postgres=True),
    qa("error end event in a called process caught by the call activity's boundary",
       "event_sub_in_call", {},
       [("advance", "PT61M", {}), ("complete", "care_call", {"ok": False}),
        ("complete", "parent_fix", {})]),
    qa("signal-started interrupting event subprocess inside a called process",
       "event_sub_in_call", {},
       [("signal", "qa_care_withdrawn", {}), ("complete", "care_withdrawn", {}),
        ("complete", "parent_close", {})], postgres=True),
    qa("reminder cycle R3/PT1H fires three times, not a fourth", "reminder_cycle", {},
       [("advance", "PT61M", {}), ("advance", "PT60M", {}), ("advance", "PT60M", {}),
        ("advance", "PT60M", {}), ("complete", "handle", {}), ("complete", "archive", {})],
       after={"data_objects": {"reminders": 3}}, postgres=True),
    qa("reminder cycle stops when its task is done", "reminder_cycle", {},
       [("advance", "PT61M", {}), ("complete", "handle", {}), ("advance", "PT3H", {}),
        ("complete", "archive", {})], after={"data_objects": {"reminders": 1}}),
    qa("sequential offers with a cardinality, accepted at the second", "negotiate_escalation",
       {"accepted": False},
       [("complete", "offer", {"accepted": False}), ("complete", "offer", {"accepted": True}),
        ("complete", "close_deal", {})], after={"accepted": True}, postgres=True),
    qa("three refused offers: escalation end event caught on the subprocess",
       "negotiate_escalation", {"accepted": False},
       [("complete", "offer", {}), ("complete", "offer", {}), ("complete", "offer", {}),
        ("complete", "supervisor", {})]),
]

RUNS = runs(CASES)


@pytest.mark.parametrize(("qa_case", "database_url"), RUNS, indirect=["database_url"])
def test_a_designers_model_runs_across_restarts(tokens, clock, restarts,  # type: ignore[no-untyped-def]
                                                 qa_case: QaCase) -> None:
    assert drive(qa_case, tokens, clock, restarts)["status"] == qa_case.case.status
