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
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_INSTALLED = "aftercare_freezes_after"


def freeze_after(load: F) -> F:
    """``load``, followed by a collection and a freeze of everything it left alive."""
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

    setattr(load_then_freeze, _INSTALLED, True)
    return load_then_freeze  # type: ignore[return-value]
