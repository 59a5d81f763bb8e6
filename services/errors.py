"""What a business operation can refuse, in its own terms (no HTTP here).

Each error carries a sentence for people (``detail``) and, where input was wrong, which field
and why (``errors``: ``[{"field", "message", "location"}]``). The API maps each class to a
status once (``api.errors``); the CLI prints ``detail``.

A refusal people meet is raised with a code and parameters (``Conflict.of("task.claimed",
task=5, user="li")``, words in ``services.error_texts``): its ``detail`` is the English
sentence, and the API says it again in the request's language; a field error made with
``coded_field`` carries its own code the same way.
"""
from __future__ import annotations

from typing import Any, TypeVar

from services import error_texts

E = TypeVar("E", bound="ServiceError")


class ServiceError(Exception):
    """Base of every refusal a service raises on purpose."""

    def __init__(self, detail: str, errors: list[dict] | None = None, *,
                 code: str | None = None, params: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.code = code
        self.params = params or {}

    @classmethod
    def of(cls: type[E], code: str, errors: list[dict] | None = None, /, **params: Any) -> E:
        """The refusal ``code`` of ``services.error_texts`` with its parameters; ``detail`` is
        its English sentence."""
        return cls(error_texts.render(code, params, "en"), errors, code=code, params=params)

    def said_in(self, lang: str) -> str:
        """``detail`` in ``lang`` (zh or en) where the refusal has a code, else as raised."""
        return error_texts.render(self.code, self.params, lang) if self.code else self.detail


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

    def __init__(self, detail: str, retry_after: int, scope: str = "name", *,
                 code: str | None = None, params: dict[str, Any] | None = None) -> None:
        super().__init__(detail, code=code, params=params)
        self.retry_after = retry_after
        self.scope = scope

    @classmethod
    def after(cls, retry_after: int, code: str, /, scope: str = "name",
              **params: Any) -> "Throttled":
        """The coded refusal, to be tried again after ``retry_after`` seconds."""
        return cls(error_texts.render(code, params, "en"), retry_after, scope, code=code,
                   params=params)


def field_error(field: str, message: str, location: str = "json") -> dict:
    """One entry of ``ServiceError.errors``."""
    return {"field": field, "message": message, "location": location}


def coded_field(field: str, code: str, location: str = "json", /, **params: Any) -> dict:
    """One entry of ``ServiceError.errors`` whose message is the catalogue's ``code`` (English
    here, the request's language at the API)."""
    error = {"field": field, "code": code, "message": error_texts.render(code, params, "en"),
             "location": location}
    if params:
        error["params"] = params
    return error
