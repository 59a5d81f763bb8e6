"""One instance's process diagram: the BPMN XML of its definition version and where it stands.

Whoever may read the instance (``services.visibility``) may read its diagram; the definition
endpoints (designers and admins) are not needed for it.
"""
from __future__ import annotations

from sqlalchemy import select

from engine.diagram import element_ids, progress

from services.context import Flowdesk
from services.errors import NotFound
from services.principal import Principal
from services.visibility import INSTANCES, case_visible, refuse_case
from store import queries as q
from store.tables import ProcessDefinition

DEFS = ProcessDefinition.__table__


def get_diagram(fd: Flowdesk, user: Principal, instance_id: int) -> dict:
    """The XML of the file that holds the instance's process, its id, and the active and
    completed element ids (read from the stored state; the live workflow is left alone)."""
    with fd.uow(read_only=True) as uow:
        head = uow.execute(select(INSTANCES.c.definition_id, INSTANCES.c.status,
                                  case_visible(user).label("visible"))
                           .where(INSTANCES.c.id == instance_id)).mappings().first()
        if head is None:
            raise NotFound.of("instance.not_found", instance=instance_id)
        if not head["visible"]:
            raise refuse_case(user, instance_id)
        definition = uow.execute(select(DEFS).where(DEFS.c.id == head["definition_id"])
                                     ).one()
        parsed = fd.parsed(uow, head["definition_id"])
        state = uow.execute(q.INSTANCE_STATE, {"instance_id": instance_id}).scalar_one()
    file_name = parsed.spec.file
    xml = (definition.files or {}).get(file_name) or definition.bpmn_xml
    wf = fd.runtime.loads(parsed, state)
    specs = [parsed.spec, *parsed.subprocess_specs.values()]
    active, completed = progress(wf, element_ids(specs, file_name) or None)
    return {"instance_id": instance_id, "status": head["status"],
            "definition_id": definition.id, "key": definition.key,
            "version": definition.version, "process_id": parsed.key, "bpmn_xml": xml,
            "active": active, "completed": completed}
