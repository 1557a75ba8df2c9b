"""Which branch a walk over a conversation takes for an event, decided once per event class.

Two walks run over every event of a session: the applied events' fold of each turn's new
tracker (:mod:`nlu_components.applied`) and the rating check at a goodbye
(:mod:`nlu_components.rating`). Each asks Rasa's ``isinstance`` questions in a fixed order;
asked of the class once and remembered, they cost one lookup per event: the fold became about
three times faster, the rating check 0.51 -> 0.19 ms at 1,113 events (docs/performance.md,
twenty-fifth and twenty-eighth steps).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import UnionType


class EventKinds(dict[type, int]):
    """Event classes to the first branch whose classes they subclass, else ``other``.

    A dict, so that the walks' one question per event is a plain lookup; a class not met
    before is worked out by :meth:`__missing__` and kept.
    """

    def __init__(self, branches: Sequence[tuple[type | UnionType, int]], other: int) -> None:
        super().__init__()
        self._branches = tuple(branches)
        self._other = other

    def __missing__(self, cls: type) -> int:
        kind = next((k for bases, k in self._branches if issubclass(cls, bases)), self._other)
        self[cls] = kind
        return kind
