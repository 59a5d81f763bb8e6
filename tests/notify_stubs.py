"""Stand-ins for ``services.notify.channels`` and ``services.notify.templates`` (written on
another branch) with their contract, installed only while those modules are missing; and a
recording channel the tests pass to the sender."""
from __future__ import annotations

import importlib.util
import sys
import types
from dataclasses import dataclass
from typing import Any


class DeliveryFailed(Exception):
    def __init__(self, message: str, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass
class Message:
    subject: str
    text: str
    markdown: str
    link: str | None
    urgent: bool
    lang: str


def render(kind: str, lang: str, context: dict, fd: Any = None) -> Message:
    if kind == "digest":
        raise ValueError("the stub has no digest")
    return Message(subject=f"{kind} {context.get('task_name')}",
                   text=str(context.get("task_name") or ""),
                   markdown=str(context.get("task_name") or ""),
                   link=f"/cases/{context.get('instance_id')}", urgent=bool(context.get("urgent")),
                   lang=lang)


def _send(channel: str, target: dict, message: Any, fd: Any) -> None:
    raise DeliveryFailed(f"no channel {channel} in the stub", retry=False)


def install() -> None:
    """Put the stand-ins in place of the real modules when those are not there."""
    stubs = {"services.notify.channels": {"send": _send, "DeliveryFailed": DeliveryFailed},
             "services.notify.templates": {"render": render, "Message": Message}}
    for name, members in stubs.items():
        if name in sys.modules or importlib.util.find_spec(name) is not None:
            continue
        module = types.ModuleType(name)
        module.__dict__.update(members)
        sys.modules[name] = module


def failure() -> type[Exception]:
    """The DeliveryFailed the sender knows (the real one once it exists)."""
    install()
    return importlib.import_module("services.notify.channels").DeliveryFailed


class Recorder:
    """A channel that records what it is given, failing the first ``fail`` calls (or all)."""

    def __init__(self, fail: int = 0) -> None:
        self.sent: list[tuple[str, dict, Any]] = []
        self.fail = fail
        self.calls = 0

    def __call__(self, channel: str, target: dict, message: Any, fd: Any) -> None:
        self.calls += 1
        if self.fail < 0 or self.calls <= self.fail:
            raise failure()(f"refused (call {self.calls})", True)
        self.sent.append((channel, target, message))
