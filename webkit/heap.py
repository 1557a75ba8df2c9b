"""A server's long-lived objects kept out of Python's full garbage collections.

The Rasa server with its model loaded holds about 670,000 objects that the garbage collector
tracks, and a full collection walks all of them: 400 ms on this machine, during which the event
loop answers nobody (docs/performance.md, "Eighth step"). Every turn leaves a few objects
behind, so a full collection comes round every so often, and every shopper whose message
arrives meanwhile waits for it.

:func:`freeze_after` wraps a loader so that, once it has returned, everything alive moves to
the permanent generation (:func:`gc.freeze`), which collections skip. Before the next load the
frozen objects are released again (:func:`gc.unfreeze`), so a replaced model can still be
collected. Objects that are unreachable and free of cycles go at once as ever; only cycles made
before the freeze wait for the next load.

After the load the young generation is also collected less often (:data:`YOUNG_THRESHOLD`
container objects instead of Python's 700). A late turn of a long conversation allocates tens
of thousands of them (each turn gets its own copy of the stored session's events), so at 700
the collector ran a dozen times a turn, walking the young objects and, every tenth time, the
middle generation. At 7,000, in one process, the median of turns 211-240 of a conversation
came down by 1.3-1.6 ms (about 7 %) in three runs out of three, and turns 11-40 by 0.3-0.5 ms
(docs/performance.md, twenty-fifth step). Cycles among young objects wait a little longer to
be freed; nothing else changes.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_INSTALLED = "aftercare_freezes_after"

# Container objects allocated (net of those freed) before a young collection; Python's is 700.
YOUNG_THRESHOLD = 7000


def freeze_after(load: F) -> F:
    """``load``, followed by a collection and a freeze of everything it left alive, and then
    young collections at :data:`YOUNG_THRESHOLD`."""
    if getattr(load, _INSTALLED, False):
        return load

    @functools.wraps(load)
    def load_then_freeze(*args: Any, **kwargs: Any) -> Any:
        gc.unfreeze()  # the previous load's objects: collectable again once replaced
        try:
            return load(*args, **kwargs)
        finally:
            gc.collect()  # garbage is not frozen
            gc.freeze()
            collect_young_less_often()

    setattr(load_then_freeze, _INSTALLED, True)
    return load_then_freeze  # type: ignore[return-value]


def collect_young_less_often() -> None:
    """Collect the young generation every :data:`YOUNG_THRESHOLD` objects, the others as set."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
