"""What a business operation can refuse, in its own terms (no HTTP here).

Each error carries a sentence for people (``detail``) and, where input was wrong, which field
and why (``errors``: ``[{"field", "message", "location"}]``). The API maps each class to a
status once (``api.errors``); the CLI prints ``detail``.
"""
from __future__ import annotations


class ServiceError(Exception):
    """Base of every refusal a service raises on purpose."""

    def __init__(self, detail: str, errors: list[dict] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class NotFound(ServiceError):
    """The thing named does not exist (or is not visible as such)."""


class Forbidden(ServiceError):
    """The principal may not do this."""


class Conflict(ServiceError):
    """The thing is not in a state that allows this (already done, claimed by someone else)."""


class Stale(Conflict):
    """Another call changed the instance between our read and our write (optimistic lock)."""


class Invalid(ServiceError):
    """The input is well-formed but wrong: an unknown customer, a bad configuration."""


class Unavailable(ServiceError):
    """This installation is not set up to do it (no key to open the stored secrets with)."""


class Throttled(ServiceError):
    """Too many attempts; try again after ``retry_after`` seconds. ``scope``: what waits
    (``name``: this name from this address; ``address``: every name from this address)."""

    def __init__(self, detail: str, retry_after: int, scope: str = "name") -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.scope = scope


def field_error(field: str, message: str, location: str = "json") -> dict:
    """One entry of ``ServiceError.errors``."""
    return {"field": field, "message": message, "location": location}
