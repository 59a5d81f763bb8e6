"""The name people gave a BPMN element, as the admin's mapping table and modification dialog
show it. SpiffWorkflow names a multi-instance or loop activity on its inner task spec (``<id>
[child]``) and leaves the outer spec, the one with the element's id in the process, unnamed."""
from __future__ import annotations

from typing import Any


def element_name(spec: Any) -> str | None:
    """``spec``'s BPMN name, or its inner task's for a multi-instance or loop activity."""
    if spec.bpmn_name:
        return spec.bpmn_name
    inner = getattr(spec, "task_spec", None)
    wf_spec = getattr(spec, "_wf_spec", None)
    if isinstance(inner, str) and wf_spec is not None and inner in wf_spec.task_specs:
        return wf_spec.task_specs[inner].bpmn_name
    return None
