"""The ``http`` operator's call: one attempt, secrets swapped in at the last moment.

``perform`` takes the evaluated parameters of a service task (``engine.http_call``) and a
resolver of secret names, makes one HTTP call with httpx and returns an ``HttpOutcome``: the
result for the model's variable, or a failure that says whether trying again can help and how
long to wait (``retry_delay``). It never raises for what the far side or the parameters do
wrong, and holds no database transaction: the resolver opens its own short read, and the
caller (a worker thread) must not call this inside a unit of work.

Secret values exist only in the request that goes out. The outcome (body, headers, error), the
log lines and the exceptions' texts are scrubbed, so anything stored from it holds the
reference. httpx's and httpcore's own log lines (URLs, raw headers) are held back for that
reason.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Collection
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import httpx

from engine import secret_refs
from engine.http_call import MAX_BACKOFF, HttpCall, HttpCallInvalid

from services.errors import ServiceError

log = logging.getLogger("flowdesk.http")

MAX_RESPONSE_BYTES = 1 << 20  # a bigger answer fails the call instead of filling memory
KEPT_HEADERS = ("content-type", "location", "retry-after", "etag", "last-modified")
USER_AGENT = "Flowdesk-http-connector"
_RETRYABLE_STATUS = frozenset({408, 429})

Resolver = Callable[[Collection[str]], dict[str, str]]


# httpx logs every request's full URL at INFO and httpcore the raw headers at DEBUG, and
# either may carry a secret: their loggers (and so their children's) show warnings only.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)


@dataclass(frozen=True)
class HttpOutcome:
    """What one attempt came to. ``ok``: a 2xx answer. Otherwise ``error`` says what went
    wrong and ``retryable`` whether another attempt may do better (5xx, 408, 429, timeouts,
    connection failures) or not (other 4xx, bad parameters, unknown secrets, a response too
    big). ``status`` is None when no answer came."""

    ok: bool
    retryable: bool = False
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    call: HttpCall | None = None
    retry_after_seconds: float | None = None

    def result(self) -> dict[str, Any]:
        """The value for the model's ``result_variable``: status, body, kept headers."""
        return {"status": self.status, "body": self.body, "headers": self.headers}

    def variables(self) -> dict[str, Any]:
        """The task data a successful call adds (nothing without a ``result_variable``)."""
        name = self.call.result_variable if self.call else None
        return {name: self.result()} if self.ok and name else {}

    def retry_delay(self, failed_attempts: int) -> float | None:
        """Seconds before the next attempt, ``failed_attempts`` having failed so far (this
        one included), or None: not retryable, or the call's retries are used up. A server's
        ``Retry-After`` (in seconds) lengthens the wait, up to the longest backoff."""
        if self.ok or not self.retryable or self.call is None:
            return None
        delay = self.call.retry_delay(failed_attempts)
        if delay is None:
            return None
        return max(delay, min(self.retry_after_seconds or 0.0, MAX_BACKOFF))


def perform(params: dict[str, Any], resolve: Resolver, *, client: httpx.Client | None = None,
            max_response_bytes: int = MAX_RESPONSE_BYTES) -> HttpOutcome:
    """Check the parameters, resolve the secrets they name and make one call.

    ``client``: a shared httpx client (connection reuse); by default one is made for the call.
    Either way redirects are not followed (a secret header must not go to another host) and
    no proxy or .netrc settings are taken from the environment."""
    try:
        call = HttpCall.parse(params)
    except HttpCallInvalid as exc:
        return HttpOutcome(ok=False, error=f"The http call's parameters are invalid: {exc}")
    names = call.secret_names()
    try:
        values = resolve(names) if names else {}
    except ServiceError as exc:
        return HttpOutcome(ok=False, call=call, error=exc.detail)
    scrubber = secret_refs.Scrubber(values)
    outcome = _send(call, values, client, max_response_bytes, scrubber)
    log.info("http %s %s: %s", call.method, call.url,
             outcome.status if outcome.status is not None else outcome.error)
    return outcome


def _send(call: HttpCall, values: dict[str, str], client: httpx.Client | None, limit: int,
          scrubber: secret_refs.Scrubber) -> HttpOutcome:
    where = f"{call.method} {call.url}"
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json",
               "Accept-Encoding": "identity"}  # nothing to decompress: the size cap holds
    headers.update({name: secret_refs.substitute(value, values)
                    for name, value in call.headers.items()})
    content = None
    if call.body is not None:
        content = json.dumps(secret_refs.substitute_value(call.body, values),
                             ensure_ascii=False).encode("utf-8")
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json; charset=utf-8"
    deadline = time.monotonic() + call.timeout_seconds
    try:
        with nullcontext(client) if client is not None else _new_client() as http:
            request = http.build_request(call.method, secret_refs.substitute(call.url, values),
                                         headers=headers, content=content,
                                         timeout=httpx.Timeout(call.timeout_seconds))
            response = http.send(request, stream=True, follow_redirects=False)
            try:
                return _answer(call, where, response, limit, deadline, scrubber)
            finally:
                response.close()
    except httpx.TimeoutException:
        return _failed(call, True, f"{where}: no answer within {call.timeout_seconds:g} s")
    except (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL,
            ValueError) as exc:  # ours to fix: trying again cannot help
        return _failed(call, False, f"{where}: the request could not be made: "
                                    f"{scrubber.text(str(exc))}")
    except httpx.TransportError as exc:  # connection refused or reset, DNS, a broken answer
        return _failed(call, True, f"{where}: {type(exc).__name__}: "
                                   f"{scrubber.text(str(exc)) or 'connection failed'}")


def _new_client() -> httpx.Client:
    return httpx.Client(follow_redirects=False, trust_env=False)


def _failed(call: HttpCall, retryable: bool, error: str, **answer: Any) -> HttpOutcome:
    return HttpOutcome(ok=False, retryable=retryable, error=error, call=call, **answer)


def _answer(call: HttpCall, where: str, response: httpx.Response, limit: int, deadline: float,
            scrubber: secret_refs.Scrubber) -> HttpOutcome:
    status = response.status_code
    headers = {name: scrubber.text(response.headers[name]) for name in KEPT_HEADERS
               if name in response.headers}
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return _failed(call, False, f"{where}: the response ({int(declared)} bytes) is larger "
                                    f"than the {limit} bytes Flowdesk reads", status=status,
                       headers=headers)
    raw = bytearray()
    for chunk in response.iter_bytes():
        raw += chunk
        if len(raw) > limit:
            return _failed(call, False, f"{where}: the response is larger than the {limit} "
                                        "bytes Flowdesk reads", status=status, headers=headers)
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the whole answer took too long", request=response.request)
    body = scrubber.value(_parse(bytes(raw), response))
    retry_after = response.headers.get("retry-after", "")
    answer: dict[str, Any] = {
        "status": status, "body": body, "headers": headers,
        "retry_after_seconds": float(retry_after) if retry_after.isdigit() else None}
    if 200 <= status < 300:
        return HttpOutcome(ok=True, call=call, **answer)
    retryable = status >= 500 or status in _RETRYABLE_STATUS
    snippet = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    reason = scrubber.text(response.reason_phrase)
    return _failed(call, retryable, f"{where} answered {status} {reason}".rstrip()
                   + (f": {snippet[:300]}" if body not in (None, "") else ""), **answer)


def _parse(raw: bytes, response: httpx.Response) -> Any:
    """JSON when the server says so (or text that is not JSON after all), else text."""
    if not raw:
        return None
    text = raw.decode(response.encoding or "utf-8", errors="replace")
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text
