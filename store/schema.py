"""The schema, from the Alembic migrations run in code, so ``flowdesk db upgrade``, the tests,
``flowdesk test`` and the designer's dry runs need no alembic.ini."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

import migrations
from store import statistics
from store.database import make_engine


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate, then gather the planner's statistics (new indexes are used at once)."""
    command.upgrade(alembic_config(database_url), revision)
    engine = make_engine(database_url)
    try:
        statistics.refresh(engine)
    finally:
        engine.dispose()
