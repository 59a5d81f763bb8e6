"""Complaint handling version 1 (processes/) and a version 2 for migration tests: v2 renames
confirm_satisfaction to follow_up_satisfaction, removes arrange_exchange (an exchange goes
straight on to the follow-up) and adds quality_review after root_cause_note
(tests/resources/complaint_handling_v2)."""
from __future__ import annotations

from tests.conftest import PROCESSES, RESOURCES, bundle

V2 = RESOURCES / "complaint_handling_v2"


def complaint_v1() -> dict[str, bytes]:
    return bundle(PROCESSES / "complaint-handling")


def complaint_v2() -> dict[str, bytes]:
    files = complaint_v1()
    files.update({f.name: f.read_bytes() for f in V2.iterdir()})
    return files
