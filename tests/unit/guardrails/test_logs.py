"""Log records leave the process scrubbed, whichever handler writes them."""

from __future__ import annotations

import io
import logging

from guardrails.logs import PiiLogFilter, install_log_scrubbing


def test_a_handler_created_after_install_writes_the_record_scrubbed() -> None:
    install_log_scrubbing()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # created later, like Rasa's --log-file handler
    logger = logging.getLogger("aftercare.test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("user said %r", "I'm Ann Lee, ann.lee@example.org, card 4111 1111 1111 1111")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "ann.lee@example.org" not in written and "4111 1111 1111 1111" not in written
    assert "Ann Lee" not in written
    assert written.startswith("user said")


def test_exception_text_is_scrubbed_too() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, None)
    try:
        raise ValueError("bad address 12 Oak St, Springfield, IL 62704")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert PiiLogFilter().filter(record)
    assert "Oak St" not in (record.exc_text or "")
    assert "ValueError" in (record.exc_text or "")


def test_records_logged_while_scrubbing_are_dropped_not_leaked() -> None:
    log_filter = PiiLogFilter()
    log_filter._busy.on = True  # as if another record were being scrubbed on this thread
    record = logging.LogRecord(
        "presidio", logging.DEBUG, __file__, 1, "text: %s", ("a@b.io",), None
    )
    assert log_filter.filter(record) is False
