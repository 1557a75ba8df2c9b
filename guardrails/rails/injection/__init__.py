"""The injection rail: prompt injection and jailbreak attempts never reach a model.

Two checks, the cheap one first. A short list of phrases (:mod:`.heuristics`, English and
German) refuses outright with score 1. Otherwise one logistic regression scores it, on the
message's MiniLM embedding (what it is about) beside TF-IDF vectors of its character n-grams
and of its words and word pairs (the words it uses, German ones too, and their order); at or
above ``threshold`` it refuses. The weights are built by
``python -m guardrails.rails.injection.train`` (``make train``) from data committed in
``data/``; without them, or with weights from before the n-gram blocks, the rail refuses
everything ("model missing").
"""

from __future__ import annotations

from pydantic import BaseModel, Extra, Field

from guardrails.rails.injection.heuristics import match
from guardrails.rails.linear import load_model, resolve
from guardrails.rails.types import Context, Decision

RAIL = "injection"


class Settings(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False

    threshold: float = Field(0.5, gt=0.0, le=1.0)
    """Refuse at this injection probability or above (tuned by cross-validation on train data)."""
    weights: str = "models/rails/injection.npz"
    """Written by the train module; relative to the repository root."""
    heuristics: bool = True


def check(text: str, context: Context, settings: Settings) -> Decision:
    """Refuses a message that matches an attack phrase or that the classifier scores high."""
    if settings.heuristics:
        pattern = match(text)
        if pattern is not None:
            return Decision(rail=RAIL, allowed=False, score=1.0, reason=f"pattern: {pattern}")
    model = load_model(resolve(settings.weights))
    if model is None or not model.blocks:
        return Decision(rail=RAIL, allowed=False, reason="model missing")
    score = round(model.score(text), 4)
    if score >= settings.threshold:
        return Decision(rail=RAIL, allowed=False, score=score, reason="classifier")
    return Decision(rail=RAIL, allowed=True, score=score)
