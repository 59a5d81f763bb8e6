"""The app's long-lived parts in one object: DB engine, session factory, runtime and caches.

Routes and the CLI reach services through this, so nothing imports a request global.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.orm import Session

from engine.clock import Clock, SystemClock
from engine.live_cache import WorkflowCache
from engine.parsing import DefinitionCache, ParsedDefinition
from engine.runtime import Runtime

from .config import Settings
from .db import make_engine, make_session_factory, unit_of_work
from .models import ProcessDefinition


class Flowdesk:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine = make_engine(settings.database_url)
        self.sessions = make_session_factory(self.engine)
        self.read_sessions = make_session_factory(self.engine, read_only=True)
        self.runtime = Runtime(clock=self.clock, cpu_seconds=settings.script_cpu_seconds)
        self.definitions = DefinitionCache()
        self.workflows = WorkflowCache(settings.workflow_cache_size)
        self._parsed_by_id: dict[int, ParsedDefinition] = {}

    @contextmanager
    def uow(self) -> Iterator[Session]:
        with unit_of_work(self.sessions) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session: no write lock, nothing committed."""
        with self.read_sessions() as session:
            yield session

    def now(self) -> datetime:
        return self.clock.now()

    def parsed(self, definition: ProcessDefinition) -> ParsedDefinition:
        """The cached spec of a stored definition version (parsed once per process lifetime)."""
        found = self._parsed_by_id.get(definition.id)
        if found is None:
            files = {name: text.encode("utf-8") for name, text in definition.files.items()}
            found = self.definitions.get(files, definition.key, definition.sha256)
            self._parsed_by_id[definition.id] = found
        return found

    def dispose(self) -> None:
        self.engine.dispose()
