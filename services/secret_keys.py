"""The key that opens stored secrets, and the sealing itself (``cryptography``'s Fernet).

The key is never in the database, so a copy of the database (a backup, a dump handed to
support) opens no secret. Where it comes from, first found wins:

1. ``FLOWDESK_SECRETS_KEY``: one or more Fernet keys separated by commas;
2. ``FLOWDESK_SECRETS_KEY_FILE``: a file with one key per line (``#`` comments allowed);
3. on SQLite, the file ``<database>.secrets-key`` beside the database file.

A key file that does not exist yet is created on first use with a fresh key, readable by its
owner only (0600), so ``scripts/run.sh`` needs no set-up. PostgreSQL has no default: a file
made on one machine would be missing on the next, so there secrets need 1 or 2 (else
``Unavailable``). The first key seals; every key listed opens (``MultiFernet``), which is how a
key is rotated (README, Secrets). Files are read on every use, so a rotation done by
``flowdesk secrets rotate-key`` reaches running processes without a restart.
"""
from __future__ import annotations

import json
import logging
import os
import secrets as token_source
import stat
from pathlib import Path

from types import ModuleType

from services.errors import Unavailable
from services.settings import Settings
from store.database import sqlite_file

log = logging.getLogger("flowdesk.secrets")


def _fernet() -> ModuleType:
    """``cryptography.fernet``, imported when a secret is first sealed or opened: about 6 MB
    in every server worker, most of which never open one."""
    from cryptography import fernet
    return fernet


class SecretBox:
    """Seals a secret's value together with its name (so a token copied onto another row does
    not open there) and opens it again with any of the configured keys."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise Unavailable("No key to open secrets with: the key list is empty.")
        try:
            fernet = _fernet()
            self._fernet = fernet.MultiFernet([fernet.Fernet(key.encode("ascii"))
                                               for key in keys])
        except (ValueError, UnicodeEncodeError):
            raise Unavailable("A configured secrets key is not a Fernet key (32 url-safe "
                              "base64-encoded bytes; `flowdesk secrets generate-key` makes "
                              "one).") from None

    def seal(self, name: str, value: str) -> str:
        plain = json.dumps({"name": name, "value": value}, ensure_ascii=False)
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def open(self, name: str, token: str) -> str:
        try:
            plain = json.loads(self._fernet.decrypt(token.encode("ascii")))
        except _fernet().InvalidToken:
            raise Unavailable(f"The secret '{name}' cannot be opened with the configured "
                              "key(s): was the key replaced without keeping the old one "
                              "behind it?") from None
        if plain.get("name") != name:
            raise Unavailable(f"The stored secret '{name}' was sealed for another name.")
        return str(plain["value"])

    def reseal(self, token: str) -> str:
        """The same secret sealed with the first key (after a rotation)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except _fernet().InvalidToken:
            raise Unavailable("A stored secret cannot be opened with the configured key(s).") \
                from None


def generate_key() -> str:
    return _fernet().Fernet.generate_key().decode("ascii")


def key_file(settings: Settings) -> Path | None:
    """The key file in use, or None when the key comes from the environment or is missing."""
    if settings.secrets_key:
        return None
    if settings.secrets_key_file:
        return Path(settings.secrets_key_file)
    database = sqlite_file(settings.database_url)
    return None if database is None else database.with_name(database.name + ".secrets-key")


def load(settings: Settings) -> SecretBox:
    """The box for this installation's keys (a missing key file is created)."""
    if settings.secrets_key:
        return SecretBox(_split(settings.secrets_key.replace(",", "\n")))
    path = key_file(settings)
    if path is None:
        raise Unavailable.of("secret.no_key")
    return SecretBox(read_key_file(path))


def read_key_file(path: Path) -> list[str]:
    """The keys in ``path``, first the sealing one; a missing file is created with a new key."""
    if not path.exists():
        _create(path, generate_key() + "\n")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("the secrets key file %s can be read by others (mode %o): chmod 600 it",
                    path, mode)
    return _split(path.read_text(encoding="ascii"))


def prepend_key(path: Path) -> None:
    """Put a new key first in ``path`` (it seals from now on); the older ones stay to open
    what they sealed until everything is resealed."""
    keys = read_key_file(path)
    temporary = path.with_name(f".{path.name}.{token_source.token_hex(6)}")
    _write_new(temporary, "\n".join([generate_key(), *keys]) + "\n")
    os.replace(temporary, path)


def _split(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def _write_new(path: Path, text: str) -> None:
    """Write a file that did not exist, readable by its owner only from the first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())


def _create(path: Path, text: str) -> None:
    """Create ``path`` whole or not at all: written aside, then linked into place, so two
    processes starting at once agree on one key (the loser reads the winner's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{token_source.token_hex(6)}")
    _write_new(temporary, text)
    try:
        os.link(temporary, path)
        log.info("created the secrets key file %s", path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
