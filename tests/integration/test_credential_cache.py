"""A node reuses the principal it found for a credential until someone's access changes
(``store.access_epoch``, ``services.credential_cache``): no credential lookup per request, yet
every change of access counts on the next request of every node sharing the database."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest

from api.app import create_app
from services import sessions
from services.api_tokens import create_token, list_tokens, revoke_token
from services.authentication import principal_for_session, principal_for_token
from services.credential_cache import LIFETIME
from services.identity import ensure_user, set_active
from services.oidc_users import _sync_roles


@contextmanager
def _statements(fd):  # type: ignore[no-untyped-def]
    seen: list[str] = []
    observe = lambda done: seen.extend(done.statements)  # noqa: E731
    fd.db.observers.append(observe)
    try:
        yield seen
    finally:
        fd.db.observers.remove(observe)


def _lookups(statements: list[str]) -> list[str]:
    return [s for s in statements if "api_tokens" in s or "user_sessions" in s]


@pytest.fixture
def other_node(database_url, clock):  # type: ignore[no-untyped-def]
    """A second node on the same database (its own caches and epoch reader), on the same clock."""
    app = create_app({"database_url": database_url, "testing": True}, clock=clock)
    yield app.extensions["flowdesk"]
    app.extensions["flowdesk"].dispose()


def test_a_known_credential_is_not_looked_up_again_while_access_stands_still(fd, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    token = tokens["agent"]
    assert principal_for_token(fd, token).username == "agent"
    with _statements(fd) as seen:
        for _ in range(5):
            assert principal_for_token(fd, token).groups == frozenset({"Agent"})
    assert _lookups(seen) == []
    # on PostgreSQL each request reads the epoch row; on SQLite a file beside the database
    assert len(seen) == (5 if fd.engine.dialect.name == "postgresql" else 0)
    clock.advance(seconds=LIFETIME.total_seconds())
    with _statements(fd) as seen:
        assert principal_for_token(fd, token).username == "agent"
    assert len(_lookups(seen)) == 1  # looked up again now and then, even when nothing changed
    assert principal_for_token(fd, "fd_unknown") is None
    with _statements(fd) as seen:
        assert principal_for_token(fd, "fd_unknown") is None
    assert len(_lookups(seen)) == 1  # an unknown credential is never kept


def test_every_change_of_access_counts_on_the_next_request_of_another_node(fd, other_node, tokens) -> None:  # type: ignore[no-untyped-def]
    token = create_token(fd, "agent2", "laptop", expires_in=timedelta(days=1))
    assert principal_for_token(other_node, token).groups == frozenset({"Agent"})

    ensure_user(fd, "agent2", ["staff"], ["AfterSales"])  # a group added
    assert principal_for_token(other_node, token).groups == frozenset({"Agent", "AfterSales"})

    with fd.uow() as uow:  # roles set by single sign-on
        user = {"id": principal_for_token(fd, token).id, "username": "agent2",
                "roles": "staff"}
        _sync_roles(uow, fd, user, ["staff", "supervisor"])
    assert principal_for_token(other_node, token).roles == frozenset({"staff", "supervisor"})

    set_active(fd, "agent2", False)
    assert principal_for_token(other_node, token) is None
    set_active(fd, "agent2", True)
    assert principal_for_token(other_node, token) is not None

    revoke_token(fd, list_tokens(fd, "agent2")[0]["id"])
    assert principal_for_token(other_node, token) is None


def test_an_ended_session_counts_on_the_next_request_of_another_node(fd, other_node, tokens) -> None:  # type: ignore[no-untyped-def]
    agent = principal_for_token(fd, tokens["agent"])
    session_id = sessions.start(fd, agent)
    assert principal_for_session(other_node, session_id).username == "agent"
    assert principal_for_session(other_node, session_id).username == "agent"  # kept
    sessions.end(fd, session_id, "agent")
    assert principal_for_session(other_node, session_id) is None


def test_a_credential_is_not_trusted_past_its_own_expiry(fd, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    token = create_token(fd, "agent2", "short", expires_in=timedelta(seconds=30))
    assert principal_for_token(fd, token) is not None
    clock.advance(seconds=29)
    assert principal_for_token(fd, token) is not None
    clock.advance(seconds=1)
    assert principal_for_token(fd, token) is None
