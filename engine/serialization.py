"""State-only serialization: an instance stores its task tree and data, never the process spec.

The spec is parsed once per definition (cached by content hash) and handed back in on load, which
halves the stored size and the load time compared with Spiff's full JSON (spiffworkflow-notes §4).
Every blob carries Spiff's ``serializer_version`` so Spiff's own migrations still run on old rows.
"""
from __future__ import annotations

import decimal
import json
from typing import Any

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .external_tasks import ExternalServiceTask, ExternalServiceTaskConverter
from .spiff_patches import SPIFF_VERSION


class _StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Drops ``spec``/``subprocess_specs`` on the way out; takes them as arguments on the way in."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict, spec: BpmnProcessSpec | None = None,  # type: ignore[override]
                  subprocess_specs: dict | None = None) -> BpmnWorkflow:
        if spec is None:
            raise ValueError("state-only workflows need their spec to be restored")
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _uuid(value: str) -> Any:
    from uuid import UUID
    return UUID(value)


class StateSerializer:
    """Turns a live workflow into a JSON string of its state and back, given the cached spec."""

    def __init__(self) -> None:
        config = dict(SPIFF_CONFIG)
        config[BpmnWorkflow] = _StateOnlyWorkflowConverter
        config[ExternalServiceTask] = ExternalServiceTaskConverter
        registry = BpmnWorkflowSerializer.configure(config)
        registry.register(decimal.Decimal, lambda v: {"value": str(v)},
                          lambda v: decimal.Decimal(v["value"]))
        self._serializer = BpmnWorkflowSerializer(registry)
        self.version: str = self._serializer.VERSION

    @property
    def registry(self) -> Any:
        """Spiff's converter registry (``engine.migration`` compares specs with it)."""
        return self._serializer.registry

    @property
    def spiff_version(self) -> str:
        return SPIFF_VERSION

    def dumps(self, workflow: BpmnWorkflow) -> str:
        """JSON of the workflow's state, stamped with the serializer version."""
        registry = self._serializer.registry
        registry._encoder_mode = True
        try:
            dct = self._serializer.to_dict(workflow)
            dct[BpmnWorkflowSerializer.VERSION_KEY] = self.version
            return json.dumps(dct, cls=self._serializer._encoder_cls, separators=(",", ":"))
        finally:
            registry._encoder_mode = False

    def loads(self, state: str, spec: BpmnProcessSpec, subprocess_specs: dict) -> BpmnWorkflow:
        """Rebuild a live workflow from stored state, migrating older serializer versions first."""
        dct = json.loads(state, cls=self._serializer.json_decoder_cls)
        version = dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
        if version in MIGRATIONS:
            MIGRATIONS[version](dct)
        return self._serializer.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
