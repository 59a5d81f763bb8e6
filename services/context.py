"""The app's long-lived parts in one object: DB engine, session factory, runtime and caches.

Routes and the CLI reach services through this, so nothing imports a request global.
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from engine.clock import Clock, SystemClock
from engine.live_cache import WorkflowCache
from engine.parsing import DefinitionCache, ParsedDefinition
from engine.runtime import Runtime

from store import queries
from services.settings import Settings
from store.database import Executor, make_engine, make_session_factory, read_only_engine, unit_of_work


class Flowdesk:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine = make_engine(settings.database_url)
        self.sessions = make_session_factory(self.engine)
        self.read_sessions = make_session_factory(self.engine, read_only=True)
        self._read_engine = read_only_engine(self.engine)
        self.runtime = Runtime(clock=self.clock, cpu_seconds=settings.script_cpu_seconds,
                               timezone=settings.timezone)
        self.definitions = DefinitionCache()
        self.workflows = WorkflowCache(settings.workflow_cache_size)
        self._parsed_by_id: dict[int, ParsedDefinition] = {}
        self._users: dict[str, tuple[float, object]] = {}

    @contextmanager
    def uow(self) -> Iterator[Session]:
        with unit_of_work(self.sessions) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session: no write lock, nothing committed."""
        with self.read_sessions() as session:
            yield session

    @contextmanager
    def tx(self) -> Iterator[Connection]:
        """One write transaction on a Core connection, committed on success."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read_tx(self) -> Iterator[Connection]:
        """A read-only Core connection: no write lock, nothing committed."""
        with self._read_engine.connect() as conn:
            yield conn

    def secret_key(self) -> str:
        """The key that signs session cookies: made once per installation and kept in the
        database, so every process (and a restart) accepts the same cookies."""
        from sqlalchemy import insert, select

        from store.tables import AppSetting
        table = AppSetting.__table__
        with self.tx() as conn:
            found = conn.execute(select(table.c.value).where(table.c.key == "secret_key")
                                 ).scalar()
            if found is None:
                found = secrets.token_urlsafe(48)
                conn.execute(insert(table).values(key="secret_key", value=found))
        return found

    def now(self) -> datetime:
        return self.clock.now()

    def parsed(self, session: Executor, definition_id: int) -> ParsedDefinition:
        """The cached spec of a stored definition version; the row is read only on a miss."""
        found = self._parsed_by_id.get(definition_id)
        if found is None:
            row = session.execute(queries.DEFINITION_FILES,
                                  {"definition_id": definition_id}).one()
            files = {name: text.encode("utf-8") for name, text in row.files.items()}
            found = self.definitions.get(files, row.key, row.sha256)
            self._parsed_by_id[definition_id] = found
        return found

    def cached_user(self, token_hash: str) -> object | None:
        """A recently authenticated user (kept ``auth_cache_seconds``; 0 disables the cache)."""
        entry = self._users.get(token_hash)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        return None

    def remember_user(self, token_hash: str, user: object) -> None:
        if self.settings.auth_cache_seconds > 0:
            if len(self._users) > 10_000:
                self._users.clear()
            self._users[token_hash] = (time.monotonic() + self.settings.auth_cache_seconds, user)

    def dispose(self) -> None:
        self.engine.dispose()
