"""The access epoch: a value that changes whenever someone's access is taken back or changed.

Every request must honour a revocation, a disabled user or a changed group on its very next
call, on every node. Looking the credential up in the database on every request does that, but
it was the largest single cost of a request. Instead, each node keeps the principals it looked up
(``services.credential_cache``) tagged with the epoch it read *before* the lookup, and trusts an
entry only while the epoch is still the same.

Who changes access says so in the same unit of work (``bump``): the ``access_epoch`` row is
incremented with the change itself, and once committed the node-local signal is renewed. Reading
the epoch (``current``) is what every request does:

- PostgreSQL (several nodes): the row, one primary-key read outside any transaction;
- a SQLite file (one host, possibly several server processes): a few bytes in a small file
  beside the database, read with one ``pread`` (no SQL statement, which costs a WAL read
  transaction on SQLite); written after the commit with fresh random bytes;
- in-memory SQLite (one process): a counter.

Ordering makes it safe: the epoch is read before the lookup and renewed after the change is
visible, so an entry filled from old data always carries an epoch that is already stale.
"""
from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select, update

from store.database import sqlite_file
from store.fast_sql import Prepared
from store.tables_access import AccessEpochRow

_TABLE = AccessEpochRow.__table__
_READ = Prepared(select(_TABLE.c.value).where(_TABLE.c.id == bindparam("epoch_id")))
_BUMP = update(_TABLE).where(_TABLE.c.id == 1).values(value=_TABLE.c.value + 1)
_MARK_BYTES = 16


class AccessEpoch:
    """The epoch of one database, read the cheapest way its kind allows."""

    def __init__(self, database: Any, url: str) -> None:
        self._database = database
        self._dialect = database.engine.dialect.name
        self._counter = itertools.count(1)
        self._local = 0
        self._marker: Path | None = None
        self._fd: int | None = None
        if self._dialect == "sqlite":
            path = sqlite_file(url)
            if path is not None:
                self._marker = path.with_name(path.name + "-access")

    def current(self) -> object:
        """A value equal to the last one read only if access has not changed since."""
        if self._dialect != "sqlite":
            rows = self._database.read_alone(_READ, {"epoch_id": 1})
            # no row (deleted by hand): nothing can be trusted, so a value equal to no other
            return rows[0]["value"] if rows else object()
        if self._marker is None:
            return self._local
        return os.pread(self._marker_fd(), _MARK_BYTES, 0)

    def bump(self, uow: Any) -> None:
        """Access changes in this unit of work: the row moves with it, and once it has
        committed this host's readers see a new value too."""
        uow.execute(_BUMP)
        uow.after_commit(self._renew_local)

    def _renew_local(self) -> None:
        if self._dialect != "sqlite":
            return
        if self._marker is None:
            self._local = next(self._counter)
            return
        os.pwrite(self._marker_fd(), os.urandom(_MARK_BYTES), 0)

    def _marker_fd(self) -> int:
        if self._fd is None:
            fd = os.open(self._marker, os.O_RDWR | os.O_CREAT, 0o600)
            if os.fstat(fd).st_size < _MARK_BYTES:
                os.pwrite(fd, os.urandom(_MARK_BYTES), 0)
            self._fd = fd
        return self._fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
