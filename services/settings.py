"""Settings from the environment (FLOWDESK_*), with defaults for the embedded SQLite store."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from store.database import database_url_from_env


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


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
    # The notification pipeline runs on the ticker at most this often: each run that finds
    # work commits on the ticker's connection, and on SQLite every commit of another
    # connection throws away the page cache of the requests' (host/ticker.py).
    notify_interval: float = field(default_factory=lambda: float(
        os.environ.get("FLOWDESK_NOTIFY_SECONDS", "1.0")))
    scheduler_batch: int = field(default_factory=lambda: int(
        os.environ.get("FLOWDESK_SCHEDULER_BATCH", "50")))
    timezone: str = field(default_factory=lambda: os.environ.get(
        "FLOWDESK_TIMEZONE", "Asia/Shanghai"))  # what "today" means in task lists
    # Where the deployed bundles' folders are, for their scenario tests (the designer's
    # coverage of a draft that brings none): ``<dir>/<folder>/tests/*.yaml``.
    processes_dir: str = field(default_factory=lambda: _env("FLOWDESK_PROCESSES_DIR",
                                                            "processes"))
    # The key(s) that open stored secrets (services/secret_keys.py); repr=False keeps them out
    # of any printed settings.
    secrets_key: str | None = field(repr=False, default_factory=lambda: os.environ.get(
        "FLOWDESK_SECRETS_KEY") or None)
    secrets_key_file: str | None = field(default_factory=lambda: os.environ.get(
        "FLOWDESK_SECRETS_KEY_FILE") or None)
    # Single sign-on with an OpenID Connect provider (web/oidc.py); no issuer: passwords only.
    oidc_issuer: str = field(default_factory=lambda: _env("FLOWDESK_OIDC_ISSUER"))
    oidc_client_id: str = field(default_factory=lambda: _env("FLOWDESK_OIDC_CLIENT_ID"))
    oidc_client_secret: str = field(repr=False, default_factory=lambda: _env(
        "FLOWDESK_OIDC_CLIENT_SECRET"))
    oidc_client_secret_file: str = field(default_factory=lambda: _env(
        "FLOWDESK_OIDC_CLIENT_SECRET_FILE"))
    oidc_scopes: str = field(default_factory=lambda: _env(
        "FLOWDESK_OIDC_SCOPES", "openid profile email"))
    oidc_groups_claim: str = field(default_factory=lambda: _env(
        "FLOWDESK_OIDC_GROUPS_CLAIM", "groups"))
    oidc_roles_claim: str = field(default_factory=lambda: _env("FLOWDESK_OIDC_ROLES_CLAIM"))
    oidc_username_claim: str = field(default_factory=lambda: _env(
        "FLOWDESK_OIDC_USERNAME_CLAIM", "preferred_username"))
    oidc_label: str = field(default_factory=lambda: _env("FLOWDESK_OIDC_LABEL"))
    oidc_redirect_uri: str = field(default_factory=lambda: _env("FLOWDESK_OIDC_REDIRECT_URI"))
    # Notifications (services/notify): where the case links in messages point, and the mail
    # server (smtp://user:pass@host:587?starttls=1, smtps://...:465; the password may be a
    # stored secret's reference); repr=False keeps the password out of printed settings.
    base_url: str = field(default_factory=lambda: _env(
        "FLOWDESK_BASE_URL", "http://127.0.0.1:5000"))
    smtp_url: str = field(repr=False, default_factory=lambda: _env("FLOWDESK_SMTP_URL"))
    mail_from: str = field(default_factory=lambda: _env("FLOWDESK_MAIL_FROM"))
    # How long a sent notification (an in-app one once read) is kept before the housekeeping
    # deletes it (services/housekeeping.py); dead ones stay until resent or removed.
    notification_retention_days: float = field(default_factory=lambda: float(
        _env("FLOWDESK_NOTIFICATION_RETENTION_DAYS", "90")))
    # /ready (services/readiness.py): the most due work left unfired, and the oldest
    # scheduler heartbeat (seconds), that still count as ready.
    ready_max_backlog: int = field(default_factory=lambda: int(
        _env("FLOWDESK_READY_MAX_BACKLOG", "1000")))
    ready_max_tick_age: float = field(default_factory=lambda: float(
        _env("FLOWDESK_READY_MAX_TICK_AGE", "30")))
    # /metrics: a bearer token, else only from these networks (api/metrics.py).
    metrics_token: str | None = field(repr=False, default_factory=lambda: _env(
        "FLOWDESK_METRICS_TOKEN") or None)
    metrics_allow: str = field(default_factory=lambda: _env(
        "FLOWDESK_METRICS_ALLOW", "127.0.0.1/32,::1/128"))
    # One log line per request: "json" or a readable line (api/request_log.py).
    log_format: str = field(default_factory=lambda: _env("FLOWDESK_LOG_FORMAT", "text"))
    max_upload_bytes: int = 5 * 1024 * 1024
    # The live-workflow cache's bounds (engine/live_cache.py): entries, and approximate bytes.
    workflow_cache_size: int = field(default_factory=lambda: int(
        _env("FLOWDESK_WORKFLOW_CACHE_SIZE", "2048")))
    # 16 MB by default: a worker's memory stays put however many cases are open (the serve
    # tree under 150 MiB at 100,000 open tasks, README "More workers, more nodes")
    workflow_cache_bytes: int = field(default_factory=lambda: int(
        _env("FLOWDESK_WORKFLOW_CACHE_MB", "16")) * 1024 * 1024)
    testing: bool = False

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    def oidc_secret(self) -> str:
        """The client secret: the variable, else the first line of the secret file (a
        mounted secret), else empty (a public client, PKCE only)."""
        if self.oidc_client_secret or not self.oidc_client_secret_file:
            return self.oidc_client_secret
        with open(self.oidc_client_secret_file, encoding="utf-8") as handle:
            return handle.readline().strip()

    @classmethod
    def from_mapping(cls, values: dict | None) -> "Settings":
        settings = cls()
        for key, value in (values or {}).items():
            name = key.lower()
            if hasattr(settings, name):
                setattr(settings, name, value)
        return settings
