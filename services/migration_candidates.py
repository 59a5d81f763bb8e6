"""Which instances a migration plan takes: those listed (each checked: an id of no instance,
of another process or version, or of a suspended instance is a 422 naming it), else those of
the source version in the given statuses."""
from __future__ import annotations

from sqlalchemy import RowMapping, select

from services.engine_step import FINAL_STATUSES
from services.errors import Invalid, coded_field
from services.suspension import SUSPENDED
from store import queries as q
from store.uow import UnitOfWork

# The statuses a plan takes by default: an instance with an open task is ``running``, one
# waiting only on a timer, a message or a signal (an event-based gateway, a catch event) is
# ``waiting``; both stand somewhere on the model and can move.
MIGRATABLE_STATUSES = ("running", "waiting")


def candidates(uow: UnitOfWork, source: RowMapping, args: dict) -> list[int]:
    """The instances of the source version the plan applies to: the listed ids, else those
    in the given statuses (running and waiting by default)."""
    statement = select(q.instances.c.id).where(q.instances.c.definition_id == source["id"])
    if args.get("instance_ids"):
        refuse_foreign(uow, source, args["instance_ids"])
        statement = statement.where(q.instances.c.id.in_(args["instance_ids"]))
    else:
        statuses = args.get("statuses") or MIGRATABLE_STATUSES
        statement = statement.where(q.instances.c.status.in_(
            [s for s in statuses if s not in FINAL_STATUSES]))
    return list(uow.execute(statement.order_by(q.instances.c.id)).scalars())


def refuse_foreign(uow: UnitOfWork, source: RowMapping, instance_ids: list[int]) -> None:
    """Listed ids that are no instance, or one of another process or version, are a mistake
    in the request: refused, each named, rather than silently left out of the plan (which
    would then move fewer cases than the admin chose, or answer that none is there). A
    suspended one too: migrating runs an instance on to its next wait (scripts, throws), and
    nothing may move a suspended instance (``services.suspension``)."""
    found = {r["id"]: r for r in uow.execute(
        select(q.instances.c.id, q.instances.c.definition_id, q.instances.c.status,
               q.definitions.c.key, q.definitions.c.version)
        .join(q.definitions, q.definitions.c.id == q.instances.c.definition_id)
        .where(q.instances.c.id.in_(set(instance_ids)))).mappings()}
    errors, wrong = [], []
    for index, instance_id in enumerate(instance_ids):
        row = found.get(instance_id)
        where = f"instance_ids/{index}"
        if row is None:
            errors.append(coded_field(where, "field.migration_instance_unknown",
                                      instance=instance_id))
        elif row["definition_id"] != source["id"]:
            errors.append(coded_field(where, "field.migration_instance_elsewhere",
                                      instance=instance_id, process_key=row["key"],
                                      version=row["version"]))
        elif row["status"] == SUSPENDED:
            errors.append(coded_field(where, "field.migration_instance_suspended",
                                      instance=instance_id))
        else:
            continue
        wrong.append(str(instance_id))
    if errors:
        raise Invalid.of("migration.foreign_instances", errors, process_key=source["key"],
                         version=source["version"], instances=", ".join(wrong))
