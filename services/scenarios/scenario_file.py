"""A dry run written as a scenario file (YAML that ``flowdesk test`` runs): its start, each
step the designer took, and after each step what the run showed then (open tasks with their
groups and due times, the status, the end reached), so the file checks the same path again."""
from __future__ import annotations

from typing import Any

import yaml

from services.scenarios.dry_run import DryRun


def scenario_of(run: DryRun, name: str | None = None) -> dict[str, Any]:
    return {"name": name or f"dry run of {run.process_key}",
            "process": run.process_key, "start": dict(run.start_spec or {}),
            "steps": list(run.steps)}


def scenario_yaml(run: DryRun, name: str | None = None) -> str:
    """The YAML text: keys in the file's order, Chinese kept readable."""
    return yaml.safe_dump(scenario_of(run, name), allow_unicode=True, sort_keys=False,
                          default_flow_style=False, width=100)
