"""A script task's code tested alone: inputs in, expected variables out, in the very sandbox
and CPU budget the engine runs it with (``engine.scripting``)."""
from __future__ import annotations

import copy
from typing import Any

from engine.parsing import ParsedDefinition
from services.context import Flowdesk
from services.scenarios.expect import Mismatch, _subset
from services.scenarios.spec import ScriptTest


def script_of(parsed: ParsedDefinition, element: str) -> str | None:
    """The code of script task ``element`` in the process or one of its subprocesses."""
    for spec in (parsed.spec, *parsed.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) == element:
                return getattr(task_spec, "script", None)
    return None


def run_script_test(fd: Flowdesk, parsed: ParsedDefinition, test: ScriptTest) -> list[Mismatch]:
    """Run the element's script on a copy of ``inputs``; ``expect`` holds a subset of the
    variables after it, or ``error`` (a part of the message the sandbox refuses it with)."""
    script = script_of(parsed, test.element)
    if script is None:
        return [Mismatch(f"script task {test.element}", "a script task of the process",
                         "no such script task")]
    context: dict[str, Any] = copy.deepcopy(test.inputs)
    wanted_error = test.expect.get("error") if set(test.expect) == {"error"} else None
    try:
        fd.runtime.script_engine.environment.execute(script, context)
    except Exception as exc:  # noqa: BLE001 - any failure of the script is the result
        got = f"{type(exc).__name__}: {exc}"
        if wanted_error is not None and str(wanted_error) in got:
            return []
        return [Mismatch(f"script {test.element}", wanted_error or test.expect, got)]
    if wanted_error is not None:
        return [Mismatch(f"script {test.element}", f"error {wanted_error}", "ran without error")]
    return _subset(f"script {test.element}", test.expect, context)
