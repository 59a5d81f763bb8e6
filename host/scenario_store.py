"""The host's throwaway stores (``store.throwaway``), migrated by the host's Alembic run:
``flowdesk test`` and the server's dry runs use them."""
from __future__ import annotations

from host.migrate import upgrade
from store.throwaway import ThrowawayStores as _Stores


class ThrowawayStores(_Stores):
    def __init__(self) -> None:
        super().__init__(upgrade)
