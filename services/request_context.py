"""The id of the request being served, for the audit rows it writes.

The API sets it for each request (``api.request_log``) and clears it after; anything else
(the scheduler, the CLI) leaves it unset, and its audit rows carry none. A contextvar, so
every service's ``audit.record`` sees it without a parameter passed down every call.
"""
from __future__ import annotations

from contextvars import ContextVar, Token

_request_id: ContextVar[str | None] = ContextVar("flowdesk_request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> Token:
    return _request_id.set(value)


def reset_request_id(token: Token) -> None:
    _request_id.reset(token)
