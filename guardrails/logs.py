"""Log records scrubbed of personal values, on every handler of a process.

Rasa's debug log (``--log-file``) and the console logs of the three servers quote what shoppers
type. :class:`PiiLogFilter` formats each record once, scrubs the message and stores the result
back (so every later handler and formatter sees only the scrubbed text), and also scrubs
exception text. :func:`install_log_scrubbing` puts the filter on every handler that exists and
wraps handler creation, so handlers added later (Sanic's, Rasa's file handler) get it too.

Rasa's own debug lines are structlog events (``processor.slots.log slot_values=...``) rendered
into one long string. Scrubbed whole, each of them ran spaCy over every slot, state and event
of the turn, about half of a Rasa process's CPU at DEBUG. :func:`install_structlog_scrubbing`
scrubs such an event key by key and value by value before it is rendered instead, as the
tracker store scrubs an event: the same names, states and slot values come back turn after
turn and are scrubbed once (the scrubber's cache), and only the words that could be a name
reach spaCy. The rendered line is marked (:class:`ScrubbedEvent`) so the filter lets it
through; a line with an exception or a stack is left unmarked and scrubbed whole.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from guardrails.pii import get_scrubber
from guardrails.pii.scrubber import Scrubber

_ATTR = "_aftercare_pii_filter"
# An object's default repr ends with its address (`<...UserMessage object at 0x7f57...>`),
# which tells a reader nothing and made every such line new to the scrubber's cache: Rasa's
# graph runner logs one at every message. The address is left out.
OBJECT_AT = re.compile(r" at 0x[0-9a-f]+>")
# Loggers whose records are already scrubbed: Rasa's file event broker writes each event as a
# JSON line through this logger, after stores/brokers.py scrubbed the event; the backend's and
# the desk's access lines (commerce/access.py) hold only route templates, methods and statuses.
ALREADY_SCRUBBED = frozenset({"event-logger", "aftercare.access"})


class PiiLogFilter(logging.Filter):
    """Scrubs a record's message and exception text.

    A record logged *while* a record is being scrubbed (Presidio and spaCy log at debug level
    during analysis) is dropped: scrubbing it would recurse, and letting it through unscrubbed
    could leak the text under analysis.
    """

    def __init__(self) -> None:
        super().__init__()
        self._busy = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message with its scrubbed form (once per record)."""
        if getattr(record, "_pii_scrubbed", False) or record.name in ALREADY_SCRUBBED:
            return True
        if getattr(self._busy, "on", False):
            return False
        if _scrubbed_event(record):
            record._pii_scrubbed = True
            return True
        with self.scrubbing():
            self._scrub(record)
        return True

    @contextlib.contextmanager
    def scrubbing(self) -> Iterator[None]:
        """Mark this thread busy scrubbing: records logged meanwhile are dropped."""
        before = getattr(self._busy, "on", False)
        self._busy.on = True
        try:
            yield
        finally:
            self._busy.on = before

    @staticmethod
    def _scrub(record: logging.LogRecord) -> None:
        scrubber = get_scrubber()
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: keep what can be shown
            message = str(record.msg)
        record.msg, record.args = scrubber.scrub(OBJECT_AT.sub(">", message)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrubber.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrubber.scrub(record.stack_info)
        record._pii_scrubbed = True


_FILTER = PiiLogFilter()


class ScrubbedEvent(str):
    """A structlog event rendered from keys and values that were each scrubbed."""


def _scrubbed_event(record: logging.LogRecord) -> bool:
    return (
        isinstance(record.msg, ScrubbedEvent)
        and not record.args
        and not record.exc_info
        and not record.stack_info
    )


# Keys under which structlog carries an exception or a stack: such an event is scrubbed whole.
_TRACES = frozenset({"exc_info", "exception", "stack", "stack_info"})
_DEPTH = 12
# Digits from which a number in a debug event is scrubbed as text (a phone number has 7 or more).
LONG_NUMBER = 6


def scrub_value(scrubber: Scrubber, value: Any, depth: int = 0) -> Any:
    """``value`` with every string in it scrubbed, as JSON-like data.

    Containers are walked, a Rasa event becomes its dict (``as_dict``), any other object its
    ``str``; a whole number of ``LONG_NUMBER`` digits or more is scrubbed as its text; other
    numbers, booleans and None stay as they are.
    """
    if isinstance(value, str):
        return _scrub_text(scrubber, str(value))  # a subclass (numpy's) becomes a plain str
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        # A whole number long enough to be a card or a phone number is read as the text it
        # prints; a fraction (a confidence, a timestamp) is none of those.
        if isinstance(value, float) and not value.is_integer():
            return value
        text = str(int(value))
        if len(text.lstrip("-")) < LONG_NUMBER:
            return value
        scrubbed = scrubber.scrub(text)
        return value if scrubbed == text else scrubbed
    if depth < _DEPTH:
        if isinstance(value, dict):
            return {
                scrubber.scrub(str(k)): scrub_value(scrubber, v, depth + 1)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple | set | frozenset):
            return [scrub_value(scrubber, v, depth + 1) for v in value]
        as_dict = getattr(value, "as_dict", None)
        if callable(as_dict):
            return scrub_value(scrubber, as_dict(), depth + 1)
    return scrubber.scrub(str(value))


# A line of the lists Rasa formats into one debug value: a slot (``\tname: value``, from
# ``processor.slots.log``) or a dialogue state (``[state 3] user intent: ...``, RulePolicy's).
FIELD_LINE = re.compile(r"(?:\t[A-Za-z_][\w.-]*: |\[state \d+\] )")


def _scrub_text(scrubber: Scrubber, text: str) -> str:
    """Scrub ``text``, line by line when every line is one field of such a list.

    Each line is then one value, scrubbed as the tracker store scrubs a slot's value: the
    lines that did not change since the last turn are not scrubbed again, and no line's
    words are read as a name for the lines around them (spaCy took the slots' names for
    names). A line of another shape (a value that spans lines) keeps the text whole.
    """
    lines = text.split("\n")
    if len(lines) > 1 and all(not line or FIELD_LINE.match(line) for line in lines):
        return "\n".join(scrubber.scrub(line) for line in lines)
    return scrubber.scrub(text)


class ScrubbingRenderer:
    """Wraps structlog's last processor (the renderer): it renders a scrubbed event.

    Args:
        render: The renderer Rasa configured (JSON, or the console's).
    """

    def __init__(self, render: Callable[..., Any]) -> None:
        self.render = render

    def __call__(self, logger: Any, method: str, event: dict[str, Any]) -> Any:
        """Render ``event`` scrubbed and marked; as it is (for the filter to scrub whole) when
        it carries a trace or a value could not be scrubbed alone."""
        if not _TRACES.isdisjoint(event):
            return self.render(logger, method, event)
        scrubber = get_scrubber()
        try:
            with _FILTER.scrubbing():
                clean = scrub_value(scrubber, event)
        except Exception:  # a log line must never fail the turn that writes it
            return self.render(logger, method, event)
        rendered = self.render(logger, method, clean)
        return ScrubbedEvent(rendered) if isinstance(rendered, str) else rendered


def install_structlog_scrubbing() -> None:
    """Make every later ``structlog.configure`` render its events scrubbed (Rasa configures
    structlog once, when its command starts)."""
    import structlog

    if getattr(structlog.configure, _ATTR, False):
        return
    configure = structlog.configure

    def configure_scrubbing(*args: Any, **kwargs: Any) -> None:
        processors = kwargs.get("processors")
        if processors:
            kwargs["processors"] = [*processors[:-1], ScrubbingRenderer(processors[-1])]
        configure(*args, **kwargs)

    setattr(configure_scrubbing, _ATTR, True)
    structlog.configure = configure_scrubbing


def _attach(handler: logging.Handler) -> None:
    if not getattr(handler, _ATTR, False):
        handler.addFilter(_FILTER)
        setattr(handler, _ATTR, True)


def install_log_scrubbing() -> None:
    """Filter every current handler of every logger, and every handler created from now on.

    Building the scrubber here (not on the first record) makes a broken PII config stop the
    process at start.
    """
    get_scrubber()
    loggers: list[Any] = [logging.getLogger()]
    loggers += [
        lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            _attach(handler)
    if getattr(logging.Handler.__init__, _ATTR, False):
        return
    original_init = logging.Handler.__init__

    def init(self: logging.Handler, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        _attach(self)

    setattr(init, _ATTR, True)
    logging.Handler.__init__ = init  # type: ignore[method-assign]
