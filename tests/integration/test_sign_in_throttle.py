"""Password guessing: five wrong passwords for a name within 15 minutes lock it for 15 minutes
(429 with Retry-After; even the right password is refused), for unknown names too; the lock
runs out on the clock, and a successful sign-in clears the count. (The sign-in page's message:
tests/e2e/test_pages.py.)"""
from __future__ import annotations

import requests

from services.identity import set_password

SESSION = "/api/v1/auth/session"


def _sign_in(server, username: str, password: str) -> requests.Response:  # type: ignore[no-untyped-def]
    return server.post(SESSION, json={"username": username, "password": password})


def test_five_wrong_passwords_lock_the_name_for_fifteen_minutes(server, fd, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    set_password(fd, "agent", "correct horse")
    for _ in range(5):
        assert _sign_in(server, "agent", "guess").status_code == 401
    locked = _sign_in(server, "agent", "correct horse")
    assert locked.status_code == 429, locked.text
    assert locked.headers["Retry-After"] == "900"
    assert "try again in 15 minute" in locked.json()["detail"]
    assert _sign_in(server, "agent2", "wrong").status_code == 401  # other names are not locked

    clock.advance(minutes=14)
    assert _sign_in(server, "agent", "correct horse").status_code == 429
    assert _sign_in(server, "agent", "correct horse").headers["Retry-After"] == "60"
    clock.advance(minutes=1, seconds=1)
    assert _sign_in(server, "agent", "correct horse").status_code == 200


def test_a_good_sign_in_clears_the_count_and_old_failures_expire(server, fd, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    set_password(fd, "agent", "correct horse")
    for _ in range(4):
        assert _sign_in(server, "agent", "guess").status_code == 401
    assert _sign_in(server, "agent", "correct horse").status_code == 200
    for _ in range(4):
        assert _sign_in(server, "agent", "guess").status_code == 401
    clock.advance(minutes=16)  # the window has passed: the next failure starts a new count
    for _ in range(4):
        assert _sign_in(server, "agent", "guess").status_code == 401
    assert _sign_in(server, "agent", "correct horse").status_code == 200


def test_unknown_names_lock_like_real_ones(server, tokens) -> None:  # type: ignore[no-untyped-def]
    answers = [_sign_in(server, "nobody", "guess").status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]


def test_first_failures_at_once_are_all_counted(fd, tokens) -> None:  # type: ignore[no-untyped-def]
    """Eight threads fail for a new name at the same moment: no error, and the name locks."""
    import threading

    from services import sign_in_throttle as throttle
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def fail() -> None:
        barrier.wait()
        try:
            throttle.record_failure(fd, "racer")
        except BaseException as exc:  # noqa: BLE001 - the test reports any of them
            errors.append(exc)

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert throttle.locked_for(fd, "racer") > 0
