"""APScheduler's "maximum number of running instances reached" warning (a tick due while the
last still runs) is counted as ``flowdesk_ticks_skipped_total``, not logged; other warnings of
its logger still are."""
from __future__ import annotations

import logging

from host.ticker import SkippedTicks
from services.metrics import TICKS_SKIPPED


def test_the_skipped_tick_warning_is_counted_not_logged(caplog) -> None:  # type: ignore[no-untyped-def]
    logger = logging.getLogger("tests.apscheduler.scheduler")
    skipped = SkippedTicks()
    logger.addFilter(skipped)
    before = TICKS_SKIPPED._value.get()  # noqa: SLF001
    try:
        with caplog.at_level(logging.WARNING, logger=logger.name):
            logger.warning('Execution of job "%s" skipped: maximum number of running instances '
                           "reached (%d)", "flowdesk-ticker", 1)
            logger.warning("Run time of job %s was missed", "flowdesk-ticker")
    finally:
        logger.removeFilter(skipped)
    assert TICKS_SKIPPED._value.get() == before + 1  # noqa: SLF001
    assert [r.getMessage() for r in caplog.records] == [
        "Run time of job flowdesk-ticker was missed"]
