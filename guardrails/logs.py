"""Log records scrubbed of personal values, on every handler of a process.

Rasa's debug log (``--log-file``) and the console logs of the three servers quote what shoppers
type. :class:`PiiLogFilter` formats each record once, scrubs the message and stores the result
back (so every later handler and formatter sees only the scrubbed text), and also scrubs
exception text. :func:`install_log_scrubbing` puts the filter on every handler that exists and
wraps handler creation, so handlers added later (Sanic's, Rasa's file handler) get it too.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from guardrails.pii import get_scrubber

_ATTR = "_aftercare_pii_filter"
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
        self._busy.on = True
        try:
            self._scrub(record)
        finally:
            self._busy.on = False
        return True

    @staticmethod
    def _scrub(record: logging.LogRecord) -> None:
        scrubber = get_scrubber()
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: keep what can be shown
            message = str(record.msg)
        record.msg, record.args = scrubber.scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrubber.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrubber.scrub(record.stack_info)
        record._pii_scrubbed = True


_FILTER = PiiLogFilter()


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
