"""PII scrubbing: ``get_scrubber().scrub(text)`` before anything is stored, logged or sent.

The scrubber is built on first use and cached for the process. It fails closed: a missing or
invalid ``guardrails/pii.yml`` (or the file in ``AFTERCARE_PII_CONFIG``), a missing spaCy model
or a missing pseudonym key raises :class:`PiiConfigError` instead of running unscrubbed.
"""

from __future__ import annotations

import os
from functools import lru_cache

from guardrails.pii.config import PiiConfig, PiiConfigError, load_config
from guardrails.pii.scrubber import Finding, Scrubber

__all__ = ["Finding", "PiiConfig", "PiiConfigError", "Scrubber", "get_scrubber", "scrub"]


@lru_cache(maxsize=1)
def get_scrubber() -> Scrubber:
    """The process's scrubber, built from the configured file on first call."""
    config = load_config()
    key = os.environ.get(config.pseudonym_key_env, "")
    return Scrubber(config, key.encode() if key else None)


def scrub(text: str) -> str:
    """Shorthand for ``get_scrubber().scrub(text)``."""
    return get_scrubber().scrub(text)
