"""Rails around generative replies: every check a shopper message or a model's text must pass.

Each rail lives in its own folder (``injection/``, ``fact_lock/``, ...) and exposes one
function ``check(text, context, settings) -> Decision``. The order in which rails run and their
thresholds come from ``rails.yml`` (validated by :mod:`guardrails.rails.config`); the pipeline
stops at the first rail that refuses, and a rail that raises counts as a refusal: it fails
closed. Every decision is logged as one JSON line on the ``guardrails.rails`` logger.
"""

from guardrails.rails.types import Context, Decision, Verdict

__all__ = ["Context", "Decision", "Verdict"]
