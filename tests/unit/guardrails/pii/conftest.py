"""One real scrubber (Presidio with the spaCy model) shared by the PII unit tests."""

from __future__ import annotations

import pytest

from guardrails.pii import Scrubber, get_scrubber


@pytest.fixture(scope="session")
def scrubber() -> Scrubber:
    return get_scrubber()
