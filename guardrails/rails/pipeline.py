"""Runs rails in their configured order and records every decision.

The first refusal stops the pipeline. A rail that raises is a refusal with the exception's
name as its reason: a broken rail must never let text through. Each decision is logged as one
JSON line (rail, allowed, score, reason, milliseconds) on the ``guardrails.rails`` logger; the
text itself is never logged.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Literal

from guardrails.rails.config import Rail, RailsConfig, load_config
from guardrails.rails.types import Context, Decision, Verdict

logger = logging.getLogger("guardrails.rails")

Direction = Literal["input", "output"]


def _run_one(rail: Rail, text: str, context: Context) -> Decision:
    started = time.perf_counter()
    try:
        decision = rail.check(text, context, rail.settings)
    except Exception as exc:  # fail closed: a broken rail lets nothing through
        decision = Decision(rail=rail.name, allowed=False, reason=f"error: {type(exc).__name__}")
    ms = round((time.perf_counter() - started) * 1000, 3)
    return Decision(
        rail=rail.name,
        allowed=decision.allowed,
        score=decision.score,
        reason=decision.reason,
        ms=ms,
        text=decision.text,
    )


def _log(direction: Direction, decision: Decision, context: Context) -> None:
    record = {
        "direction": direction,
        "rail": decision.rail,
        "allowed": decision.allowed,
        "score": decision.score,
        "reason": decision.reason,
        "ms": decision.ms,
        "conversation": context.conversation_id,
    }
    logger.info(json.dumps(record, sort_keys=True))


def run_rails(
    direction: Direction,
    text: str,
    context: Context | None = None,
    config: RailsConfig | None = None,
) -> Verdict:
    """``text`` through the input or output rails; allowed only if every rail allows it.

    Args:
        direction: ``input`` for a shopper message, ``output`` for a model's candidate reply.
        text: The text to check.
        context: Source text, passages and language for the output rails.
        config: Defaults to :func:`load_config`.
    """
    context = context or Context()
    rails = (
        (config or load_config()).input
        if direction == "input"
        else (config or load_config()).output
    )
    decisions: list[Decision] = []
    for rail in rails:
        decision = _run_one(rail, text, context)
        _log(direction, decision, context)
        decisions.append(decision)
        if not decision.allowed:
            return Verdict(allowed=False, text=text, decisions=tuple(decisions))
        if decision.text is not None:
            text = decision.text
    return Verdict(allowed=True, text=text, decisions=tuple(decisions))


def summary(verdict: Verdict) -> dict[str, object]:
    """The one-line JSON answer of the command line: allowed, rail, score, milliseconds.

    ``rail`` and ``score`` are the refusing rail's; when everything passed, ``rail`` is null
    and ``score`` the highest risk any rail reported (null if none reported one).
    """
    refused = verdict.refused_by
    scores = [d.score for d in verdict.decisions if d.score is not None]
    return {
        "allowed": verdict.allowed,
        "rail": refused.rail if refused else None,
        "score": refused.score if refused else (max(scores) if scores else None),
        "ms": round(sum(d.ms for d in verdict.decisions), 3),
    }
