"""What a rewording decision may say outside the NLG: a closed set of reasons.

For each reply eligible for rewording, :mod:`guardrails.generation.nlg` logs its decision in
detail and also puts a short form of it into the reply's ``metadata`` under ``generation``:
``{"rephrased": bool, "reason": str}``. Rasa 3.6 passes a response's metadata on into the bot
event (``BotUttered.metadata["metadata"]``, ``rasa.core.actions.action``), so the decision
reaches the tracker, the event stream and analytics. Only the reasons listed here travel that
way: an exception's type, an unlisted provider outcome or an unlisted rail becomes a fixed word
of its family, so nothing free-form reaches the stream. No text and no value, ever.

This module imports nothing (no Rasa): analytics reads the same vocabulary.
"""

from __future__ import annotations

DECISION_KEY = "generation"
REPHRASED = "rephrased"
ERROR = "error"
OTHER_RAIL = "rail_other"
OTHER_PROVIDER = "provider_error"
# Every rail a rails file may list (the packages of guardrails/rails/); any of them may refuse.
RAILS = (
    "fact_lock",
    "form",
    "grounding",
    "injection",
    "normalise",
    "personal_data",
    "promises",
    "scrub",
    "topic",
    "toxicity",
)
# The outcomes of guardrails/generation/provider.py's errors ("error": the base class).
PROVIDER_OUTCOMES = ("timeout", "unavailable", "refused", "bad_response", "error")
REASONS = frozenset(
    {
        REPHRASED,
        "input_flagged",
        "personal_values",
        "budget",
        "placeholders_left",
        "unchanged",
        ERROR,
        OTHER_RAIL,
        *(f"rail_{rail}" for rail in RAILS),
        *(f"provider_{outcome}" for outcome in PROVIDER_OUTCOMES),
    }
)


def public_reason(reason: str) -> str:
    """The reason as it may leave the NLG: itself when listed, else its family's fixed word."""
    if reason in REASONS:
        return reason
    if reason.startswith("rail_"):
        return OTHER_RAIL
    if reason.startswith("provider_"):
        return OTHER_PROVIDER
    return ERROR


def decision(rephrased: bool, reason: str) -> dict[str, bool | str]:
    """The ``generation`` entry of a reply's metadata (only a listed reason is ``rephrased``)."""
    public = public_reason(reason)
    return {"rephrased": rephrased and public == REPHRASED, "reason": public}
