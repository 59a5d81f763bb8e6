"""Throwaway stores for ``flowdesk test`` and the designer's dry runs: a migrated SQLite schema
made once, and a fresh copy of it for every scenario or dry run, so none sees another's
instances or messages, and none touches the real database.

The databases live in a temporary folder on ``/dev/shm`` when the machine has one (memory, not
disk) and are deleted with it. Copying a migrated file is a few milliseconds, where running the
migrations again would be most of a second per scenario. The folder and the template are made
on first use, so an app that never starts a dry run costs nothing.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable
from itertools import count
from pathlib import Path



class ThrowawayStores:
    """Hands out database URLs of fresh, migrated, empty SQLite stores; ``close()`` deletes
    them all. ``migrate(url)`` brings an empty SQLite database to the current schema."""

    def __init__(self, migrate: Callable[[str], None] | None = None) -> None:
        self.migrate = migrate
        self._lock = threading.Lock()  # a server's threads share one template
        self._folder: Path | None = None
        self._template: Path | None = None
        self._numbers = count(1)
        self._prepared: dict[str, Path] = {}

    @property
    def folder(self) -> Path:
        if self._folder is None:
            memory = Path("/dev/shm")
            self._folder = Path(tempfile.mkdtemp(prefix="flowdesk-test-",
                                                 dir=memory if memory.is_dir() else None))
        return self._folder

    def _migrated(self) -> Path:
        with self._lock:
            if self._template is None:
                template = self.folder / "template.db"
                if self.migrate is None:  # Alembic (and Mako, Pygments) only when first needed
                    from store import schema
                    self.migrate = schema.upgrade
                self.migrate(f"sqlite:///{template}")
                self._template = template
        return self._template

    def new(self) -> str:
        """The URL of a new store: a copy of the migrated template."""
        return self._copy(self._migrated())

    def fresh(self, key: str, prepare: Callable[[str], None]) -> str:
        """A new store with ``key``'s content: the first time, a new store that ``prepare``
        fills (deploys a bundle) and that is kept as ``key``'s template; then copies of it."""
        template = self._prepared.get(key)
        if template is None:
            url = self.new()
            prepare(url)
            template = self._prepared[key] = Path(url.removeprefix("sqlite:///"))
        return self._copy(template)

    def _copy(self, template: Path) -> str:
        path = self.folder / f"store-{next(self._numbers)}.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    def forget(self, key: str) -> None:
        """Delete ``key``'s prepared template (a designer's draft is not run again)."""
        template = self._prepared.pop(key, None)
        if template is not None:
            self.discard(f"sqlite:///{template}")

    def discard(self, url: str) -> None:
        """Delete one store's files once its scenario is done (they add up over a run)."""
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-access")):
            leftover.unlink(missing_ok=True)

    def close(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

