"""What rails take and return; shared by every rail and by the pipeline that orders them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Context:
    """What a rail may need besides the text it checks.

    Attributes:
        source: For output rails, the text the candidate must stay true to: the template it
            rephrases (fact lock) or the passages it summarises (grounding).
        passages: Retrieved policy or FAQ passages a grounded answer rests on.
        language: The shopper's language (ISO 639-1), kept by the output.
        conversation_id: For the decision log only; never sent anywhere.
        task: ``rephrase`` (the candidate restates ``source``, a template, with every fact) or
            ``summary`` (it answers from ``passages`` and need not repeat all of them).
    """

    source: str = ""
    passages: Sequence[str] = ()
    language: str = "en"
    conversation_id: str | None = None
    task: Literal["rephrase", "summary"] = "rephrase"


@dataclass(frozen=True)
class Decision:
    """One rail's verdict on one text."""

    rail: str
    allowed: bool
    score: float | None = None
    """Risk in [0, 1], higher is worse (an injection probability); None when a rail has none."""
    reason: str = ""
    ms: float = 0.0
    text: str | None = None
    """A rail that transforms (normalisation, restoring locked facts) returns the new text."""


@dataclass(frozen=True)
class Verdict:
    """The pipeline's verdict: allowed only when every rail allowed.

    ``text`` is what goes on: the normalised input, or the output with locked facts restored.
    """

    allowed: bool
    text: str
    decisions: tuple[Decision, ...] = field(default_factory=tuple)

    @property
    def refused_by(self) -> Decision | None:
        """The first rail that refused, if any."""
        return next((d for d in self.decisions if not d.allowed), None)
