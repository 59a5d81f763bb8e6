"""The schema comes from Alembic alone, and the migrations match the models on both databases."""
from __future__ import annotations

from datetime import datetime, timezone

from alembic import command
from sqlalchemy import create_engine, inspect, text

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


def test_upgrading_puts_deployed_keys_and_designers_into_the_default_group(
        database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0010")
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (username, display_name, roles, active, created_at) VALUES "
                "('d', 'd', 'staff,designer', true, :at), ('s', 's', 'staff', true, :at)"),
                {"at": datetime(2026, 1, 1, tzinfo=timezone.utc)})
            for version, sha in ((1, "a"), (2, "b")):
                conn.execute(text(
                    "INSERT INTO process_definitions (key, version, name, sha256, bpmn_xml, "
                    "files, deployed_at, deployed_by) VALUES ('k', :v, 'k', :sha, '<x/>', '{}', "
                    ":at, 'a')"), {"v": version, "sha": sha,
                                   "at": datetime(2026, 1, 1, tzinfo=timezone.utc)})
        command.upgrade(config, "head")
        with engine.connect() as conn:
            groups = conn.execute(text("SELECT name, description FROM process_groups")).all()
            keys = conn.execute(text("SELECT k.key, g.name FROM process_keys k "
                                     "JOIN process_groups g ON g.id = k.group_id")).all()
            designers = conn.execute(text(
                "SELECT u.username FROM process_group_designers p "
                "JOIN users u ON u.id = p.user_id")).scalars().all()
    finally:
        engine.dispose()
    assert [tuple(g) for g in groups] == [("cs", "客服流程")]
    assert [tuple(k) for k in keys] == [("k", "cs")] and designers == ["d"]


def test_upgrading_gives_the_shipped_groups_their_display_names(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0011")
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO groups (name) VALUES ('Agent'), ('Night')"))
        command.upgrade(config, "head")
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT name, display_name FROM groups")).all())
    finally:
        engine.dispose()
    assert rows == {"Agent": "前台客服", "Night": None}


def test_upgrading_writes_stored_phones_in_the_one_form(database_url: str) -> None:
    """Phones kept as typed were not found by a look-up of the same number (0030)."""
    config = alembic_config(database_url)
    command.downgrade(config, "0029")
    engine = create_engine(database_url)
    typed = {"a": "138 1234 5678", "b": "+86 139-0000-1111", "c": "021-6123 4567",
             "d": "not a phone", "e": "13700002222"}
    try:
        with engine.begin() as conn:
            for code, phone in typed.items():
                conn.execute(text(
                    "INSERT INTO customers (code, name, tier, phone, notes, created_at, "
                    "updated_at) VALUES (:code, :code, '普通', :phone, '', :at, :at)"),
                    {"code": code, "phone": phone, "at": datetime(2026, 1, 1, tzinfo=timezone.utc)})
        command.upgrade(config, "head")
        with engine.connect() as conn:
            stored = dict(conn.execute(text("SELECT code, phone FROM customers")).all())
    finally:
        engine.dispose()
    assert stored == {"a": "13812345678", "b": "13900001111", "c": "02161234567",
                      "d": "not a phone", "e": "13700002222"}
