"""A multi-instance activity is listed under the name its designer gave it (SpiffWorkflow keeps
the name on the inner task spec): in the migration mapping table and the modification dialog."""
from __future__ import annotations

from engine.migration import elements
from engine.modification import _element
from engine.parsing import parse_bundle
from tests.conftest import RESOURCES, bundle


def test_multi_instance_activities_keep_their_names() -> None:
    parsed = parse_bundle(bundle(RESOURCES / "qa_models" / "mi_deadline"))
    names = {e.id: e.name for e in elements(parsed)}
    assert names["rate_each"] == "评估每件商品" and names["call_each"] == "逐个回访"
    assert names["chase"] == "催办评估"  # a plain task as before
    assert _element(parsed.spec.task_specs["rate_each"]).name == "评估每件商品"
