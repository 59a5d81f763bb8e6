"""E-mail delivery by SMTP: ``FLOWDESK_SMTP_URL`` and ``FLOWDESK_MAIL_FROM``.

``smtp://user:pass@host:587?starttls=1`` talks plain SMTP and upgrades with STARTTLS (required
when ``starttls=1``), ``smtps://user:pass@host:465`` is TLS from the first byte, no user means
no login. ``cafile=/path/ca.pem`` in the query trusts a private CA (else the system's). The
password may be a stored secret's reference (``smtp://ops:{{secret:SMTP_PASSWORD}}@host``,
percent-encoded or not), read just before the call. A message is multipart: the plain text and
an HTML part (``templates.html_body``), with a UTF-8 subject (``email.message.EmailMessage``
encodes Chinese headers). The password and the URL never reach a log line or an error: errors
name the server as host:port.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from engine import secret_refs
from services import secrets
from services.errors import ServiceError
from services.notify.channels import DeliveryFailed
from services.notify.templates import Message, html_body

if TYPE_CHECKING:
    from services.context import Flowdesk

log = logging.getLogger("flowdesk.notify")

TIMEOUT_SECONDS = 15.0
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send, from the URL; ``password`` may still be a reference."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    user: str | None
    password: str | None = field(repr=False)
    cafile: str | None = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def parse_url(url: str) -> SmtpServer:
    """The server of an ``smtp://`` or ``smtps://`` URL; ValueError names what is wrong
    (never the password)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("FLOWDESK_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("FLOWDESK_SMTP_URL names no host")
    query = parse_qs(parts.query)
    implicit = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit else 25)
    except ValueError:
        raise ValueError("FLOWDESK_SMTP_URL has a bad port") from None
    return SmtpServer(
        host=parts.hostname, port=port, implicit_tls=implicit,
        starttls=not implicit and query.get("starttls", ["0"])[0].lower() in _TRUE,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        cafile=query.get("cafile", [None])[0])


def build(message: Message, sender: str, address: str) -> EmailMessage:
    """The e-mail: plain text first, HTML as the alternative, UTF-8 throughout."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = sender
    mail["To"] = address
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    if message.urgent:
        mail["X-Priority"] = "1"
        mail["Importance"] = "high"
    mail.set_content(message.text, charset="utf-8")
    mail.add_alternative(html_body(message), subtype="html", charset="utf-8")
    return mail


def send(target: dict, message: Message, fd: Flowdesk) -> None:
    address = target.get("address")
    if not isinstance(address, str) or "@" not in address or "\n" in address:
        raise DeliveryFailed("the e-mail target has no address", retry=False)
    settings = fd.settings
    if not settings.smtp_url or not settings.mail_from:
        raise DeliveryFailed("no mail server: set FLOWDESK_SMTP_URL and FLOWDESK_MAIL_FROM",
                             retry=False)
    try:
        server = parse_url(settings.smtp_url)
    except ValueError as exc:
        raise DeliveryFailed(str(exc), retry=False) from None
    password = _password(server, fd)
    if password is not None and not password.isascii():  # smtplib's AUTH sends ASCII only
        raise DeliveryFailed("the SMTP password must be ASCII", retry=False)
    mail = build(message, settings.mail_from, address)
    try:
        _deliver(server, password, mail)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryFailed(f"{server.where}: the login was refused ({exc.smtp_code})",
                             retry=False) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise DeliveryFailed(f"{server.where}: the address was refused ({codes})",
                             retry=all(400 <= c < 500 for c in codes)) from None
    except smtplib.SMTPResponseException as exc:
        said = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        raise DeliveryFailed(f"{server.where}: {exc.smtp_code} {said}"[:300],
                             retry=not 500 <= exc.smtp_code < 600) from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        raise DeliveryFailed(f"{server.where}: {type(exc).__name__}: {exc}"[:300],
                             retry=True) from None
    log.info("e-mail delivered via %s", server.where)


def _password(server: SmtpServer, fd: Flowdesk) -> str | None:
    """The login password, with a stored secret's reference resolved."""
    if server.password is None or "{" not in server.password:
        return server.password
    try:
        names = secret_refs.names_in(server.password)
        return secret_refs.substitute(server.password, secrets.resolver(fd)(names))
    except (secret_refs.BadReference, ServiceError) as exc:
        raise DeliveryFailed(f"the SMTP password: {exc}", retry=False) from None


def _deliver(server: SmtpServer, password: str | None, mail: EmailMessage) -> None:
    context = ssl.create_default_context(cafile=server.cafile)
    if server.implicit_tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port,
                                                timeout=TIMEOUT_SECONDS, context=context)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    with client:
        client.ehlo()
        if server.starttls:
            client.starttls(context=context)
            client.ehlo()
        if server.user:
            client.login(server.user, password or "")
        client.send_message(mail)
