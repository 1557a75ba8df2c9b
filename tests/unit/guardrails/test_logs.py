"""Log records leave the process scrubbed, whichever handler writes them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
import structlog
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.utils.log_utils import configure_structlog
from structlog.processors import JSONRenderer

from guardrails.logs import (
    PiiLogFilter,
    ScrubbedEvent,
    ScrubbingRenderer,
    install_log_scrubbing,
    install_structlog_scrubbing,
)


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


# --- Rasa's structlog events: scrubbed value by value before they are rendered -------------

NAME, ADDRESS = "Gwendolyn Abernathy", "12 Oak St, Springfield, IL 62704"


def structlog_to(stream: io.StringIO) -> tuple[structlog.stdlib.BoundLogger, logging.Handler]:
    """A structlog logger rendering JSON into a stdlib handler, as Rasa's server logs."""
    install_log_scrubbing()
    handler = logging.StreamHandler(stream)
    stdlib = logging.getLogger("aftercare.test.structlog")
    stdlib.addHandler(handler)
    stdlib.setLevel(logging.DEBUG)
    processors = [  # the end of Rasa's chain (rasa/utils/log_utils.py)
        structlog.processors.add_log_level,
        structlog.dev.set_exc_info,
        structlog.processors.dict_tracebacks,
        ScrubbingRenderer(JSONRenderer()),
    ]
    return structlog.wrap_logger(stdlib, processors=processors), handler


class Kept(logging.Handler):
    """Keeps the records that reach it, as the filter left them."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def logged(log: Callable[[Any], None]) -> tuple[str, list[logging.LogRecord]]:
    """What ``log`` wrote through the handler, and the records that reached a second one."""
    stream, kept = io.StringIO(), Kept()
    logger, handler = structlog_to(stream)
    stdlib = logging.getLogger("aftercare.test.structlog")
    stdlib.addHandler(kept)
    try:
        log(logger)
    finally:
        stdlib.removeHandler(handler)
        stdlib.removeHandler(kept)
    return stream.getvalue(), kept.records


def written(log: Callable[[Any], None]) -> str:
    return logged(log)[0]


def test_rasas_slot_log_keeps_the_slots_names_and_loses_their_values() -> None:
    slots = f"\tproactive_kind: None\n\tnew_address: {ADDRESS}\n\tshopper_identity: {NAME}"
    line = written(lambda log: log.debug("processor.slots.log", slot_values=slots))
    assert NAME not in line and "Oak St" not in line
    shown = json.loads(line)["slot_values"]
    assert (
        shown
        == "\tproactive_kind: None\n\tnew_address: <STREET_ADDRESS>\n\tshopper_identity: <PERSON>"
    )


def test_a_value_that_spans_lines_is_scrubbed_whole() -> None:
    slots = "\tnew_address: 12 Oak St\nSpringfield, IL 62704"
    line = written(lambda log: log.debug("processor.slots.log", slot_values=slots))
    assert "Oak St" not in line and "62704" not in line


def test_events_inside_a_value_are_scrubbed_field_by_field() -> None:
    events = [
        UserUttered(f"I am {NAME}, write to ann.lee@example.org"),
        SlotSet("order_id", "AC-104233"),
    ]
    line = written(lambda log: log.debug("processor.actions.log", rasa_events=events))
    assert NAME not in line and "ann.lee@example.org" not in line
    shown = json.loads(line)["rasa_events"]
    assert shown[0]["text"].startswith("I am <PERSON>, write to <EMAIL_ADDRESS_")
    assert shown[1] == {**shown[1], "name": "order_id", "value": "AC-104233"}


def test_an_event_carrying_an_exception_is_scrubbed_whole() -> None:
    def fail(log: Any) -> None:
        try:
            raise ValueError(f"no address {ADDRESS}")
        except ValueError:
            log.error("action.failed", exc_info=True, shopper=NAME)

    line, (record,) = logged(fail)
    assert NAME not in line and "Oak St" not in line and "ValueError" in line
    assert not isinstance(record.msg, ScrubbedEvent)  # left to the filter, which scrubbed it


def test_a_long_number_in_an_event_is_scrubbed_as_text() -> None:
    line = written(
        lambda log: log.debug("slot.set", card=4111111111111111, phone=2025550188.0, turns=12)
    )
    assert "4111111111111111" not in line and "2025550188" not in line
    assert json.loads(line)["turns"] == 12


def test_rasas_structlog_configuration_gets_the_scrubbing_renderer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure = structlog.configure
    monkeypatch.setattr(structlog, "configure", configure)  # restored afterwards
    saved = structlog.get_config()
    install_structlog_scrubbing()
    try:
        configure_structlog(logging.DEBUG)
        processors = structlog.get_config()["processors"]
        assert isinstance(processors[-1], ScrubbingRenderer)
        assert not any(isinstance(p, ScrubbingRenderer) for p in processors[:-1])
    finally:
        structlog.reset_defaults()
        configure(**saved)  # the unwrapped one: later tests get the configuration they had


def test_an_objects_address_is_left_out_of_a_line() -> None:
    message = "[<rasa.core.channels.channel.UserMessage object at 0x7f5784b18790>]"
    record = logging.LogRecord(
        "rasa.engine.runner.dask", logging.DEBUG, __file__, 1,
        "Running graph with inputs: %s", (message,), None,
    )  # fmt: skip
    assert PiiLogFilter().filter(record)
    assert record.getMessage() == (
        "Running graph with inputs: [<rasa.core.channels.channel.UserMessage object>]"
    )
