"""The app's long-lived parts in one object: the database, the runtime and the caches.

The API, the CLI and the ticker reach the services through this, so no service imports a
request global. ``uow()`` is the one way a service opens a transaction.
"""
from __future__ import annotations

import copy
import secrets
import time
from datetime import datetime

from sqlalchemy import Engine, insert, select

from engine.clock import Clock, SystemClock
from engine.live_cache import WorkflowCache
from engine.parsing import DefinitionCache, ParsedDefinition
from engine.runtime import Runtime
from engine.step_budget import StepLimits
from services import secret_keys
from services.hooks import Hooks
from services.credential_cache import CredentialCache
from services.rules import default_hooks
from services.bundle_scenarios import model_only
from services.secret_keys import SecretBox
from services.settings import Settings
from services.sla.book import SlaBook
from store import queries
from store.access_epoch import AccessEpoch
from store.tables import AppSetting
from store.uow import Database, UnitOfWork


BACKGROUND_POOL = 3  # the ticker, the connector worker, and one to spare


class Flowdesk:
    def __init__(self, settings: Settings, clock: Clock | None = None,
                 hooks: Hooks | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self._use(Database(settings.database_url))
        # Who a credential belongs to, reused while the access epoch stands still: every
        # change of access bumps it (``fd.access.bump(uow)``), on every node.
        self.access = AccessEpoch(self.db, settings.database_url)
        self.credentials = CredentialCache()
        # Engine budgets run on the monotonic clock: they bound how long a call holds the lock.
        self.runtime = Runtime(clock=self.clock, cpu_seconds=settings.script_cpu_seconds,
                               timezone=settings.timezone,
                               limits=StepLimits(timer=time.monotonic))
        self.definitions = DefinitionCache()
        self.workflows = WorkflowCache(settings.workflow_cache_size,
                                       settings.workflow_cache_bytes)
        self._parsed_by_id: dict[int, ParsedDefinition] = {}
        self.sla = SlaBook()  # parsed SLA policies and calendars
        self.hooks = hooks if hooks is not None else default_hooks()  # process-specific rules

    def for_background(self) -> Flowdesk:
        """This Flowdesk (its caches, clock and rules) on a small pool of its own, for the
        ticker's and the connector worker's threads in a serving process: the requests' pool
        keeps handing a request the connection warm from the one before (``make_engine``);
        with one pool, a connection a tick took while a request held the warm one went back on
        top, and the next request got it with a cold cache (about 10 % of bench/bench_api.py's
        instances/s)."""
        twin = copy.copy(self)
        twin._use(Database(self.settings.database_url, pool_size=BACKGROUND_POOL))
        return twin

    def _use(self, db: Database) -> None:
        self.db = db
        # ``fd.uow()`` / ``fd.uow(read_only=True)``: one transaction (``store.uow``), the only
        # way a service opens one.
        self.uow = db.unit_of_work
        # ``fd.read_alone(statement, params)``: one hot SELECT outside any transaction (the
        # credential lookup every request makes first).
        self.read_alone = db.read_alone

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (the host starts SQLite's WAL checkpointer on it)."""
        return self.db.engine

    def secret_key(self) -> str:
        """The key that signs session cookies: made once per installation and kept in the
        database, so every process (and a restart) accepts the same cookies."""
        table = AppSetting.__table__
        with self.uow() as conn:
            found = conn.execute(select(table.c.value).where(table.c.key == "secret_key")
                                 ).scalar()
            if found is None:
                found = secrets.token_urlsafe(48)
                conn.execute(insert(table).values(key="secret_key", value=found))
        return found

    def secret_box(self) -> SecretBox:
        """What seals and opens stored secrets, with this installation's key(s), read afresh
        each time so a rotation reaches running processes (``services.secret_keys``)."""
        return secret_keys.load(self.settings)

    def now(self) -> datetime:
        return self.clock.now()

    def parsed(self, uow: UnitOfWork, definition_id: int) -> ParsedDefinition:
        """The cached spec of a stored definition version; the row is read only on a miss."""
        found = self._parsed_by_id.get(definition_id)
        if found is None:
            row = uow.execute(queries.DEFINITION_FILES,
                                  {"definition_id": definition_id}).one()
            files = {name: text.encode("utf-8") for name, text in model_only(row.files).items()}
            found = self.definitions.get(files, row.key, row.sha256)
            self._parsed_by_id[definition_id] = found
        return found

    def drop_caches(self) -> None:
        """Forget every parsed definition and live workflow, as a restarted server would:
        the next call on an instance parses its model again and rebuilds it from its state."""
        self._parsed_by_id.clear()
        self.definitions.clear()
        self.workflows.clear()

    def dispose(self) -> None:
        self.access.close()
        self.db.dispose()
