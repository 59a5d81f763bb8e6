"""The schema comes from Alembic alone, and the migrations match the models on both databases."""
from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect

from host.migrate import alembic_config
from store.tables import Base


def test_migrations_match_the_models(database_url: str) -> None:
    command.check(alembic_config(database_url))  # raises if autogenerate finds any difference
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables and "alembic_version" in tables
