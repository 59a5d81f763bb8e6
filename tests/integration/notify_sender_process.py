"""One sender process for test_notification_senders: waits for the go file, then sends every
due notification through a channel that appends each row's id to this process's own file.

    python -m tests.integration.notify_sender_process DATABASE_URL GO_FILE OUT_FILE
"""
from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import text

from services.context import Flowdesk
from services.notify.sender import send_due
from services.settings import Settings
from tests.notify_stubs import install
from tests.waiting import wait_for


def main(url: str, go: str, out: str) -> None:
    install()
    fd = Flowdesk(Settings(database_url=url))
    with fd.uow(read_only=True) as uow:  # connected and warm
        uow.execute(text("SELECT 1"))
    Path(f"{out}.ready").touch()
    wait_for(Path(go).exists, "the go file", deadline=180)
    with open(out, "a", encoding="utf-8") as record:
        def channel(name, target, message, fd):  # type: ignore[no-untyped-def]
            record.write(f"{target['row']}\n")
            record.flush()
        send_due(fd, limit=10, send=channel)
    fd.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:4])
