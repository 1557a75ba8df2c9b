"""Rasa's debug logs without asyncio's debug mode, unless Python's own switch asks for it.

Rasa 3.6 turns on asyncio's debug mode in every server whose logger is at DEBUG
(``rasa.core.run.configure_app`` calls ``rasa.utils.io.enable_async_loop_debugging``). Debug
mode is a tool for finding coroutines that were never awaited and callbacks that block the
loop: it records the stack where every task, future and callback handle is created, and times
every callback. An operator who sets ``LOG_LEVEL=DEBUG`` to read what the bot understood and
did gets it too, and pays for it at every turn: at DEBUG, an order-status turn cost the Rasa
server 27-28 ms of CPU against 19.5 ms at INFO, and about a tenth of it was debug mode's
records (docs/performance.md, thirty-fifth step).

:func:`install_loop_debug_on_request` replaces Rasa's function: the debug logs are unchanged,
and the loop stays as Python set it up. Python's own switches turn asyncio's debug mode on,
``PYTHONASYNCIODEBUG=1`` or ``python -X dev``; with either, Rasa's settings for it apply as
before (callbacks slower than 0.1 s reported, every ``ResourceWarning`` shown).

Installed in every Rasa process :mod:`guardrails.launch` starts, and by the ``rasa`` command
(:data:`guardrails.rasa_commands.PATCHES`).
"""

from __future__ import annotations

import logging
from asyncio import AbstractEventLoop
from types import ModuleType

from nlu_components.patching import installs

logger = logging.getLogger(__name__)

# Said once, at DEBUG, where Rasa would have switched debug mode on ("asyncio debug mode" would
# read as a name to the log scrubber's NER model).
LEFT_OFF = "the event loop stays out of debug mode: PYTHONASYNCIODEBUG=1 turns debug mode on"


@installs()
def install_loop_debug_on_request(io: ModuleType) -> None:
    """``io.enable_async_loop_debugging`` (``rasa.utils.io``) keeps a loop's own debug mode."""
    rasa_enable = io.enable_async_loop_debugging

    def enable_async_loop_debugging(
        event_loop: AbstractEventLoop, slow_callback_duration: float = 0.1
    ) -> AbstractEventLoop:
        """Rasa's debugging for a loop already in debug mode; any other loop left as it is."""
        if event_loop.get_debug():
            return rasa_enable(event_loop, slow_callback_duration)
        logger.debug(LEFT_OFF)
        return event_loop

    io.enable_async_loop_debugging = enable_async_loop_debugging  # type: ignore[attr-defined]
