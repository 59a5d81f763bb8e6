"""The bodies and signatures of the webhooks Flowdesk posts to: its own generic JSON and the
group robots of WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书). Pure functions: the sender
(``channel_webhook``) brings the time and the secret.

As the vendors document them:

- WeCom group robot (企业微信 群机器人, developer.work.weixin.qq.com/document/path/91770): POST
  ``{"msgtype": "markdown", "markdown": {"content": ...}}`` to the webhook URL (its ``key`` is the
  credential); the content is at most 4,096 bytes of UTF-8; the answer is
  ``{"errcode": 0, "errmsg": "ok"}``, another errcode is a failure (45009: too frequent).
- DingTalk custom robot (钉钉 自定义机器人, open.dingtalk.com/document/robots/customize-robot-
  security-settings): with 加签, ``timestamp`` (milliseconds) + "\\n" + the ``SEC…`` secret is
  signed with HmacSHA256 keyed by the secret, Base64-encoded, then URL-encoded, and sent as the
  ``timestamp`` and ``sign`` query parameters; body ``{"msgtype": "markdown", "markdown":
  {"title", "text"}}``; the answer carries ``errcode`` (0: sent; 130101: too frequent).
- Feishu custom bot (飞书 自定义机器人, open.feishu.cn/document/client-docs/bot-v3/add-custom-bot,
  签名校验): ``timestamp`` (seconds) + "\\n" + secret is the HMAC-SHA256 *key* of an empty
  message, Base64-encoded, sent as ``timestamp`` and ``sign`` in the JSON body beside
  ``msg_type`` (``text`` or ``interactive``: a card); the answer carries ``code`` (0: sent;
  19021: a bad signature; 9499: too many requests).
- Generic: the message as JSON, ``X-Flowdesk-Timestamp`` (seconds) and
  ``X-Flowdesk-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` keyed by the
  secret, so a receiver checks both that Flowdesk sent it and that it is fresh.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode

from services.notify.templates import Message

FORMATS = ("generic", "wecom", "dingtalk", "feishu")
WECOM_MAX_BYTES = 4096
DINGTALK_MAX_BYTES = 20_000
SIGNATURE_HEADER = "X-Flowdesk-Signature"
TIMESTAMP_HEADER = "X-Flowdesk-Timestamp"
# errcode/code values that mean "too frequent, try later" rather than "this will never work"
RETRYABLE_CODES = {"wecom": {45009, -1}, "dingtalk": {130101, -1}, "feishu": {9499, 11232}}


def generic_signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` of ``<timestamp>.<body>`` keyed by ``secret``."""
    digest = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body,
                      hashlib.sha256).hexdigest()
    return "sha256=" + digest


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign`` before URL-encoding: Base64(HmacSHA256(secret, "ts\\nsecret"))."""
    to_sign = f"{timestamp_ms}\n{secret}".encode("utf-8")
    return base64.b64encode(hmac.new(secret.encode("utf-8"), to_sign,
                                     hashlib.sha256).digest()).decode("ascii")


def dingtalk_url(url: str, secret: str | None, timestamp_ms: int) -> str:
    """The robot's URL with ``timestamp`` and ``sign`` added when there is a secret."""
    if not secret:
        return url
    query = urlencode({"timestamp": timestamp_ms, "sign": dingtalk_sign(secret, timestamp_ms)})
    return url + ("&" if "?" in url else "?") + query


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's ``sign``: Base64(HmacSHA256 keyed by "ts\\nsecret" of an empty message)."""
    key = f"{timestamp_s}\n{secret}".encode("utf-8")
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def generic_body(message: Message) -> bytes:
    return json.dumps(message.as_dict(), ensure_ascii=False, separators=(",", ":")
                      ).encode("utf-8")


def wecom_body(message: Message) -> dict[str, Any]:
    return {"msgtype": "markdown",
            "markdown": {"content": _cut(message.markdown, WECOM_MAX_BYTES)}}


def dingtalk_body(message: Message) -> dict[str, Any]:
    return {"msgtype": "markdown",
            "markdown": {"title": message.subject,
                         "text": _cut(message.markdown, DINGTALK_MAX_BYTES)}}


def feishu_body(message: Message, secret: str | None, timestamp_s: int,
                msg_type: str = "interactive") -> dict[str, Any]:
    """A card (header with the subject, red when urgent; the markdown; a button to the case),
    or with ``msg_type="text"`` the plain text."""
    if msg_type == "text":
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": message.text}}
    else:
        elements: list[dict[str, Any]] = [{"tag": "markdown", "content": message.markdown}]
        body = {"msg_type": "interactive", "card": {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": message.subject},
                       "template": "red" if message.urgent else "blue"},
            "elements": elements}}
    if secret:
        body = {"timestamp": str(timestamp_s), "sign": feishu_sign(secret, timestamp_s), **body}
    return body


def answer_error(fmt: str, answer: Any) -> tuple[int, str] | None:
    """(code, message) when a robot said 200 but refused the message, else None."""
    if fmt == "generic" or not isinstance(answer, dict):
        return None
    if fmt == "feishu":
        code = answer.get("code", answer.get("StatusCode", 0))
        text = answer.get("msg", answer.get("StatusMessage", ""))
    else:
        code, text = answer.get("errcode", 0), answer.get("errmsg", "")
    try:
        code = int(code)
    except (TypeError, ValueError):
        return -1, str(code)
    return (code, str(text)) if code != 0 else None


def _cut(text: str, max_bytes: int) -> str:
    """``text`` shortened to ``max_bytes`` of UTF-8 (whole characters), marked with …"""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes - 3].decode("utf-8", errors="ignore") + "…"
