"""Webhook delivery: one POST with httpx, short timeouts, no redirects followed.

The URL may hold secret references (``{{secret:WECOM_KEY}}``: a robot's URL carries its key)
and ``target["secret"]`` names the stored secret that signs (the generic HMAC, DingTalk's
加签, Feishu's 签名校验). Values are read just before the call (``services.secrets.resolver``)
and scrubbed from anything a failure says, so the notification row and the logs hold the
reference only. httpx's own request logging is held back (``services.connectors.http``).
"""
from __future__ import annotations

import json
import logging
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from engine import secret_refs
from services import secrets
from services.errors import ServiceError
from services.notify import robot_formats as robots
from services.notify.channels import DeliveryFailed
from services.notify.subscriptions import is_internal_host
from services.notify.templates import Message

if TYPE_CHECKING:
    from services.context import Flowdesk

log = logging.getLogger("flowdesk.notify")

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "Flowdesk-notifications"
MAX_ANSWER_CHARS = 300  # of a refusal's body, kept in the error


def send(target: dict, message: Message, fd: Flowdesk) -> None:
    fmt = target.get("format") or "generic"
    url_ref = target.get("url")
    if fmt not in robots.FORMATS:
        raise DeliveryFailed(f"unknown webhook format {fmt!r}", retry=False)
    if not isinstance(url_ref, str) or not url_ref.startswith(("http://", "https://")):
        raise DeliveryFailed("the webhook has no http(s) URL", retry=False)
    if target.get("guarded") and _reaches_inside(urlsplit(url_ref).hostname or ""):
        raise DeliveryFailed("a non-admin's webhook may not reach an address inside the "
                             "network", retry=False)
    secret_name = _secret_name(target.get("secret"))
    try:
        names = secret_refs.names_in(url_ref) + ([secret_name] if secret_name else [])
        values = secrets.resolver(fd)(names) if names else {}
    except (secret_refs.BadReference, ServiceError) as exc:
        raise DeliveryFailed(str(exc), retry=False) from None
    scrub = secret_refs.Scrubber(values)
    url = secret_refs.substitute(url_ref, values)
    secret = values.get(secret_name) if secret_name else None
    seconds = int(fd.now().timestamp())
    headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json; charset=utf-8"}
    if fmt == "generic":
        body = robots.generic_body(message)
        headers[robots.TIMESTAMP_HEADER] = str(seconds)
        if secret:
            headers[robots.SIGNATURE_HEADER] = robots.generic_signature(secret, seconds, body)
    else:
        payload: dict[str, Any]
        if fmt == "wecom":
            payload = robots.wecom_body(message)
        elif fmt == "dingtalk":
            payload = robots.dingtalk_body(message)
            url = robots.dingtalk_url(url, secret, seconds * 1000)
        else:
            payload = robots.feishu_body(message, secret, seconds,
                                         "text" if target.get("msg_type") == "text"
                                         else "interactive")
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    _post(fmt, url, body, headers, scrub)


def _reaches_inside(host: str) -> bool:
    """True when ``host`` is internal by name or address, or resolves to an internal address
    (``services.notify.subscriptions.is_internal_host``). A name that does not resolve is left
    to the call, which then fails as it would."""
    if is_internal_host(host):
        return True
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return False
    return any(is_internal_host(str(info[4][0])) for info in found)


def _post(fmt: str, url: str, body: bytes, headers: dict[str, str],
          scrub: secret_refs.Scrubber) -> None:
    where = scrub.text(_host_of(url))
    try:
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        raise DeliveryFailed(f"{where}: timed out", retry=True) from None
    except httpx.HTTPError as exc:
        raise DeliveryFailed(scrub.text(f"{where}: {type(exc).__name__}: {exc}"),
                             retry=True) from None
    status = response.status_code
    if status >= 300:
        said = scrub.text(response.text[:MAX_ANSWER_CHARS])
        retry = status >= 500 or status in (408, 429)
        raise DeliveryFailed(f"{where}: HTTP {status} {said}".rstrip(), retry=retry)
    try:
        answer = response.json() if response.content else None
    except ValueError:
        answer = None
    refused = robots.answer_error(fmt, answer)
    if refused is not None:
        code, said = refused
        raise DeliveryFailed(scrub.text(f"{where}: {fmt} refused the message: {code} {said}"),
                             retry=code in robots.RETRYABLE_CODES.get(fmt, set()))
    log.info("webhook (%s) delivered to %s", fmt, where)


def _secret_name(value: Any) -> str | None:
    """A stored secret's name from ``NAME`` or ``{{secret:NAME}}``; None when there is none."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise DeliveryFailed("the webhook's secret must be a stored secret's name", retry=False)
    found = secret_refs.names_in(value) if "{" in value else [value]
    if len(found) != 1 or not secret_refs.is_name(found[0]):
        raise DeliveryFailed(f"'{value}' is not a stored secret's name", retry=False)
    return found[0]


def _host_of(url: str) -> str:
    """Scheme, host and path of ``url``: the query (a robot's key or access token) stays out."""
    return url.split("?", 1)[0]
