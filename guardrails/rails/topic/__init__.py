"""The topic rail: a generative reply only answers questions about the shop.

Orders, products, delivery, returns, refunds and the shop's policy are in scope; weather,
banking, recipes, trivia and small talk are not (the assistant's templates still greet and
thank; only the model is kept to shop questions). A logistic regression on the MiniLM
embedding, trained beside the injection rail: in scope are the assistant's own shop intents
(``data/nlu``), out of scope its ``out_of_scope`` examples and CLINC150 rows of other domains.
Score = probability of off-topic; refused at ``threshold`` or above.
"""

from __future__ import annotations

from pydantic import BaseModel, Extra, Field

from guardrails.rails.linear import embed, load_model, resolve
from guardrails.rails.types import Context, Decision

RAIL = "topic"


class Settings(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False

    threshold: float = Field(0.5, gt=0.0, le=1.0)
    """Refuse at this off-topic probability or above (tuned by cross-validation)."""
    weights: str = "models/rails/topic.npz"


def check(text: str, context: Context, settings: Settings) -> Decision:
    """Refuses a message that is not about the shop, its orders or its policy."""
    model = load_model(resolve(settings.weights))
    if model is None:
        return Decision(rail=RAIL, allowed=False, reason="model missing")
    score = round(model.probability(embed(text)), 4)
    if score >= settings.threshold:
        return Decision(rail=RAIL, allowed=False, score=score, reason="off topic")
    return Decision(rail=RAIL, allowed=True, score=score)
