"""The second input rail: no personal value reaches a model.

The prompt goes through the same Presidio scrubber as stored events and logs
(``guardrails/pii.yml``), so names, e-mails, card numbers and addresses become placeholders or
pseudonyms before the generative layer sees them. It never refuses; a scrubber that cannot be
built (missing config, key or spaCy model) raises, and the pipeline turns that into a refusal.
"""

from __future__ import annotations

from pydantic import BaseModel, Extra

from guardrails.pii import get_scrubber
from guardrails.rails.types import Context, Decision

RAIL = "scrub"


class Settings(BaseModel):
    """No tuning here: what is scrubbed, and how, is ``guardrails/pii.yml``'s business."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False


def check(text: str, context: Context, settings: Settings) -> Decision:
    """Always allowed; returns the scrubbed text."""
    return Decision(rail=RAIL, allowed=True, text=get_scrubber().scrub(text))
