"""``flowdesk db upgrade``: the store's migrations (``store.schema``), run by the host."""
from __future__ import annotations

from store.schema import alembic_config, upgrade  # noqa: F401 - the host's (and tests') entry
