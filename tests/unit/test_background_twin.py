"""``Flowdesk.for_background``: the ticker's Flowdesk shares the caches, not the pool."""
from sqlalchemy import text

from host.migrate import upgrade
from services.context import Flowdesk
from services.settings import Settings


def test_the_background_twin_has_its_own_pool_and_the_same_caches(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'b.db'}"
    upgrade(url)
    fd = Flowdesk(Settings(database_url=url))
    twin = fd.for_background()
    try:
        assert twin.db is not fd.db and twin.db.engine is not fd.db.engine
        assert twin.uow.__self__ is twin.db and twin.read_alone.__self__ is twin.db
        assert fd.uow.__self__ is fd.db  # the requests' Flowdesk is untouched
        assert (twin.workflows, twin.definitions, twin.sla, twin.hooks, twin.clock) == (
            fd.workflows, fd.definitions, fd.sla, fd.hooks, fd.clock)
        with twin.uow() as uow:  # it works on the same database
            assert uow.execute(text("select count(*) from process_instances")).scalar() == 0
    finally:
        twin.db.dispose()
        fd.dispose()
