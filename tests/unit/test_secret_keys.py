"""Where the secrets key comes from (never the database) and what it seals."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest

from services import secret_keys
from services.errors import Unavailable
from services.settings import Settings


def settings(**values: object) -> Settings:
    return Settings.from_mapping({"secrets_key": None, "secrets_key_file": None, **values})


def test_on_sqlite_a_key_file_is_made_beside_the_database_for_its_owner_only(
        tmp_path: Path) -> None:
    config = settings(database_url=f"sqlite:///{tmp_path / 'flowdesk.db'}")
    path = tmp_path / "flowdesk.db.secrets-key"
    assert secret_keys.key_file(config) == path and not path.exists()
    token = secret_keys.load(config).seal("SHOP_KEY", "v1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().split()) == 1
    # a second process (or a restart) reads the same key
    assert secret_keys.load(config).open("SHOP_KEY", token) == "v1"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_postgresql_needs_a_configured_key() -> None:
    config = settings(database_url="postgresql+psycopg://flowdesk@db.internal/flowdesk")
    assert secret_keys.key_file(config) is None
    with pytest.raises(Unavailable, match="set FLOWDESK_SECRETS_KEY .* or "
                                          "FLOWDESK_SECRETS_KEY_FILE"):
        secret_keys.load(config)


def test_the_environment_key_wins_and_every_listed_key_opens(tmp_path: Path) -> None:
    old, new = secret_keys.generate_key(), secret_keys.generate_key()
    db = f"sqlite:///{tmp_path / 'f.db'}"
    sealed_old = secret_keys.load(settings(database_url=db, secrets_key=old)).seal("K", "v")
    both = secret_keys.load(settings(database_url=db, secrets_key=f"{new}, {old}"))
    assert both.open("K", sealed_old) == "v"
    resealed = both.reseal(sealed_old)
    assert secret_keys.load(settings(database_url=db, secrets_key=new)).open("K", resealed) \
        == "v"
    with pytest.raises(Unavailable, match="cannot be opened with the configured key"):
        secret_keys.load(settings(database_url=db, secrets_key=new)).open("K", sealed_old)
    assert not list(tmp_path.iterdir())  # no key file when the key comes from the environment
    assert old not in repr(settings(secrets_key=old))


def test_rotating_a_key_file_keeps_the_old_key_behind_the_new(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    config = settings(secrets_key_file=str(path))
    sealed = secret_keys.load(config).seal("SMS", "pw")
    old = secret_keys.read_key_file(path)
    secret_keys.prepend_key(path)
    keys = secret_keys.read_key_file(path)
    assert len(keys) == 2 and keys[1:] == old
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    box = secret_keys.load(config)
    assert box.open("SMS", sealed) == "pw"
    only_new = secret_keys.SecretBox(keys[:1])
    assert only_new.open("SMS", box.reseal(sealed)) == "pw"
    assert only_new.open("SMS", box.seal("SMS", "pw2")) == "pw2"  # the new key seals


def test_a_key_file_readable_by_others_is_warned_about(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "keys"
    path.write_text(f"# the shop's key\n{secret_keys.generate_key()}\n")
    path.chmod(0o644)
    secret_keys.load(settings(secrets_key_file=str(path))).seal("A", "b")
    assert "can be read by others (mode 644)" in caplog.text


def test_what_is_not_a_key_is_a_clear_refusal() -> None:
    with pytest.raises(Unavailable, match="not a Fernet key"):
        secret_keys.SecretBox(["not-a-key"])
    with pytest.raises(Unavailable, match="key list is empty"):
        secret_keys.SecretBox([])


def test_a_token_opens_only_under_the_name_it_was_sealed_for() -> None:
    box = secret_keys.SecretBox([secret_keys.generate_key()])
    token = box.seal("SHOP_KEY", "秘钥")
    assert box.open("SHOP_KEY", token) == "秘钥" and "秘钥" not in token
    with pytest.raises(Unavailable, match="sealed for another name"):
        box.open("SMS", token)
