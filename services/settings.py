"""Settings from the environment (FLOWDESK_*), with defaults for the embedded SQLite store."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from store.database import database_url_from_env


@dataclass
class Settings:
    database_url: str = field(default_factory=database_url_from_env)
    script_cpu_seconds: float = field(default_factory=lambda: float(
        os.environ.get("FLOWDESK_SCRIPT_CPU_SECONDS", "1.0")))
    # How many reverse proxies in front of Flowdesk to believe about the client's address
    # (X-Forwarded-For, for the sign-in throttle); 0: none, the peer's address counts.
    trusted_proxies: int = field(default_factory=lambda: int(
        os.environ.get("FLOWDESK_TRUSTED_PROXIES", "0")))
    scheduler_enabled: bool = field(default_factory=lambda: os.environ.get(
        "FLOWDESK_SCHEDULER", "on").lower() not in ("0", "off", "false", "no"))
    scheduler_interval: float = field(default_factory=lambda: float(
        os.environ.get("FLOWDESK_TICK_SECONDS", "0.25")))
    scheduler_batch: int = field(default_factory=lambda: int(
        os.environ.get("FLOWDESK_SCHEDULER_BATCH", "50")))
    timezone: str = field(default_factory=lambda: os.environ.get(
        "FLOWDESK_TIMEZONE", "Asia/Shanghai"))  # what "today" means in task lists
    # The key(s) that open stored secrets (services/secret_keys.py); repr=False keeps them out
    # of any printed settings.
    secrets_key: str | None = field(repr=False, default_factory=lambda: os.environ.get(
        "FLOWDESK_SECRETS_KEY") or None)
    secrets_key_file: str | None = field(default_factory=lambda: os.environ.get(
        "FLOWDESK_SECRETS_KEY_FILE") or None)
    max_upload_bytes: int = 5 * 1024 * 1024
    workflow_cache_size: int = 2048
    testing: bool = False

    @classmethod
    def from_mapping(cls, values: dict | None) -> "Settings":
        settings = cls()
        for key, value in (values or {}).items():
            name = key.lower()
            if hasattr(settings, name):
                setattr(settings, name, value)
        return settings
