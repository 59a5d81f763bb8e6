"""Password guessing is slowed per name AND client address, never by locking the name: a
client's first three wrong passwords for a name are free, then it waits 1 s, 2 s, 4 s … (up to
15 min; 429 with Retry-After, the password not even checked) before its next try, while a
correct password from another client goes straight through. Unknown names are counted like
real ones. The client is the peer's address; with FLOWDESK_TRUSTED_PROXIES the proxy's
X-Forwarded-For says who it is (how these tests act as several clients). (The sign-in page's
message: tests/e2e/test_pages.py.)"""
from __future__ import annotations

import pytest
import requests

from services.identity import set_password

SESSION = "/api/v1/auth/session"
behind_a_proxy = pytest.mark.app_config(trusted_proxies=1)


def _sign_in(server, username: str, password: str,  # type: ignore[no-untyped-def]
             client: str | None = None) -> requests.Response:
    headers = {"X-Forwarded-For": client} if client else {}
    headers["Accept-Language"] = "en"  # the assertions read the English words
    return server.post(SESSION, json={"username": username, "password": password},
                       headers=headers)


@behind_a_proxy
def test_an_attacker_does_not_stop_the_owner_signing_in_from_elsewhere(server, fd, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    set_password(fd, "admin", "correct horse")
    attacker, owner = "203.0.113.7", "198.51.100.20"
    answers = [_sign_in(server, "admin", f"guess{i}", attacker).status_code for i in range(5)]
    assert answers == [401, 401, 401, 401, 429]  # slowed after the fourth
    assert _sign_in(server, "admin", "correct horse", owner).status_code == 200
    # even the right password waits at the attacker's address, without being checked
    assert _sign_in(server, "admin", "correct horse", attacker).status_code == 429


@behind_a_proxy
def test_failures_from_one_address_slow_down_with_a_growing_delay(server, fd, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    set_password(fd, "agent", "correct horse")
    client = "203.0.113.8"
    for _ in range(3):
        assert _sign_in(server, "agent", "guess", client).status_code == 401
    waits = []
    for _ in range(5):
        assert _sign_in(server, "agent", "guess", client).status_code == 401
        slowed = _sign_in(server, "agent", "correct horse", client)
        assert slowed.status_code == 429, slowed.text
        waits.append(int(slowed.headers["Retry-After"]))
        assert f"try again in {waits[-1]} second" in slowed.json()["detail"]
        clock.advance(seconds=waits[-1])
    assert waits == [1, 2, 4, 8, 16]
    assert _sign_in(server, "agent", "correct horse", client).status_code == 200
    assert _sign_in(server, "agent", "guess", client).status_code == 401  # counting afresh


@behind_a_proxy
def test_the_delay_stops_growing_at_fifteen_minutes_and_is_forgotten_after_an_hour(server, fd, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    from services import sign_in_throttle as throttle
    for _ in range(20):
        throttle.record_failure(fd, "agent", "203.0.113.9")
    assert throttle.wait_for(fd, "agent", "203.0.113.9") == 900
    clock.advance(minutes=15)
    assert _sign_in(server, "agent", "guess", "203.0.113.9").status_code == 401
    assert _sign_in(server, "agent", "guess", "203.0.113.9").headers["Retry-After"] == "900"
    clock.advance(hours=1, seconds=1)
    answers = [_sign_in(server, "agent", "guess", "203.0.113.9").status_code for _ in range(4)]
    assert answers == [401, 401, 401, 401]


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(server, fd, tokens) -> None:  # type: ignore[no-untyped-def]
    """By default the peer's address counts: a client cannot pick a new one per guess."""
    answers = [_sign_in(server, "nobody", "guess", f"192.0.2.{i}").status_code
               for i in range(5)]
    assert answers == [401, 401, 401, 401, 429]  # unknown names are counted like real ones


def test_first_failures_at_once_are_all_counted(fd, tokens) -> None:  # type: ignore[no-untyped-def]
    """Eight threads fail for a new name at the same moment: no error, all eight counted."""
    import threading

    from services import sign_in_throttle as throttle
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def fail() -> None:
        barrier.wait()
        try:
            throttle.record_failure(fd, "racer", "192.0.2.1")
        except BaseException as exc:  # noqa: BLE001 - the test reports any of them
            errors.append(exc)

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert throttle.wait_for(fd, "racer", "192.0.2.1") == 16  # the eighth failure's delay
    assert throttle.wait_for(fd, "racer", "192.0.2.2") == 0


@behind_a_proxy
def test_spraying_one_password_over_many_names_slows_that_address_for_every_name(server, fd, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    """Five different names are free; each further one makes the address wait (growing) before
    trying any name, even one it never tried; the owner elsewhere is not held back."""
    set_password(fd, "admin", "correct horse")
    sprayer, owner = "203.0.113.50", "198.51.100.50"
    names = [f"user{i}" for i in range(5)]
    assert [_sign_in(server, n, "Summer2026!", sprayer).status_code for n in names] == [401] * 5
    assert _sign_in(server, "user5", "Summer2026!", sprayer).status_code == 401  # the sixth name
    waits = []
    for i in range(6, 10):
        slowed = _sign_in(server, f"user{i}", "Summer2026!", sprayer)
        assert slowed.status_code == 429, slowed.text
        assert "different names" in slowed.json()["detail"]
        waits.append(int(slowed.headers["Retry-After"]))
        # the right password of a name never tried from here waits as well (not checked)
        assert _sign_in(server, "admin", "correct horse", sprayer).status_code == 429
        # while its owner, from an address that has not failed, goes straight through
        assert _sign_in(server, "admin", "correct horse", owner).status_code == 200
        clock.advance(seconds=waits[-1])
        assert _sign_in(server, f"user{i}", "Summer2026!", sprayer).status_code == 401
    assert waits == [1, 2, 4, 8]


@behind_a_proxy
def test_an_address_spraying_is_forgotten_after_an_hour(server, fd, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    from services import sign_in_throttle as throttle
    client = "203.0.113.51"
    for i in range(8):
        throttle.record_failure(fd, f"name{i}", client)
    assert throttle.waits(fd, "someone", client) == (0, 4)  # the eighth name: 4 s for any name
    assert throttle.wait_for(fd, "someone", "203.0.113.52") == 0
    clock.advance(seconds=4)
    assert throttle.wait_for(fd, "someone", client) == 0
    assert _sign_in(server, "someone", "guess", client).status_code == 401  # ninth name: 8 s
    assert _sign_in(server, "other", "guess", client).headers["Retry-After"] == "8"
    clock.advance(hours=1, seconds=1)
    assert [_sign_in(server, f"again{i}", "guess", client).status_code
            for i in range(5)] == [401] * 5

