"""The tables of who may do what: users, their groups, tokens and sessions, sign-in failures,
secrets, installation settings, the process groups with their designers, and accounts at
single sign-on providers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.table_base import Base, UtcDateTime


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    roles: Mapped[str] = mapped_column(String(200), default="staff")  # comma-separated
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    password_hash: Mapped[str | None] = mapped_column(String(300))  # scrypt; None: no sign-in


class AppSetting(Base):
    """Installation-wide values every process must share (e.g. the session signing key)."""

    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SignInFailure(Base):
    """Recent wrong passwords for one username from one client address
    (services/sign_in_throttle.py): the pair waits until ``retry_at`` before its next try."""

    __tablename__ = "sign_in_failures"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    retry_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UserSession(Base):
    """A signed-in browser session, kept on the server so that signing out, disabling the
    user or an admin ending it takes effect on the next request of every node. The cookie
    carries a random id; only its SHA-256 is stored."""

    __tablename__ = "user_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]


class Secret(Base):
    """A named secret (an API key of the shop, the SMS gateway's password), encrypted with a key
    that is not in the database (services/secret_keys.py); models refer to it by name."""

    __tablename__ = "secrets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    ciphertext: Mapped[str] = mapped_column(Text)  # a Fernet token of {"name", "value"}
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class Group(Base):
    """A user group, i.e. a lane that receives tasks; ``name`` is what models refer to,
    ``display_name`` what people read (前台客服)."""

    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100), nullable=True)


class UserGroup(Base):
    __tablename__ = "user_groups"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                          primary_key=True)


class ApiToken(Base):
    """Bearer tokens, stored as SHA-256 digests: a leaked table leaks no usable token."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]  # None: until revoked
    revoked_at: Mapped[datetime | None]
    # written at most every few minutes (services.authentication.TOUCH_EVERY), not per request
    last_used_at: Mapped[datetime | None]


class ProcessGroup(Base):
    """A folder of processes with designers of its own: only they (and admins) deploy its keys
    and read their XML."""

    __tablename__ = "process_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]


class ProcessGroupDesigner(Base):
    """Who designs a process group (not a user group: those are lanes that receive tasks)."""

    __tablename__ = "process_group_designers"
    group_id: Mapped[int] = mapped_column(ForeignKey("process_groups.id", ondelete="CASCADE"),
                                          primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)


class ProcessKey(Base):
    """The group a process key belongs to: one per key, set at its first deployment."""

    __tablename__ = "process_keys"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("process_groups.id"), index=True)


class UserIdentity(Base):
    """A user's account at an OpenID Connect provider (services/oidc_users.py): the provider's
    stable key for them, issuer and ``sub``. Accounts are linked by this key only, never by a
    name, so a provider cannot hand someone an existing Flowdesk account by naming it."""

    __tablename__ = "user_identities"
    issuer: Mapped[str] = mapped_column(String(300), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_sign_in_at: Mapped[datetime]


class AccessEpochRow(Base):
    """One row whose value moves with every change of who may do what (a revoked token, an
    ended session, a disabled user, changed roles or groups): the nodes' cached credentials
    are trusted only while it stands still (``store.access_epoch``)."""

    __tablename__ = "access_epoch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
