"""Masking and sealing of transcript text before it is stored.

Masking uses the project's PII scrubber (``guardrails.pii``, Presidio with the bundled spaCy
model), built once and shared; sealing encrypts the original with the desk's Fernet key so a
supervisor can reveal it (an audited action) while nothing personal rests in the clear.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken


@dataclass(frozen=True)
class Sealed:
    masked: str
    sealed: str


class Masker:
    """Masks text with the PII scrubber and seals the original.

    Args:
        key: The Fernet key (``DESK_TRANSCRIPT_KEY``).
    """

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode("ascii"))

    @staticmethod
    def mask(text: str) -> str:
        """The text with personal data replaced by placeholders (blocking: Presidio)."""
        from guardrails.pii import get_scrubber

        return str(get_scrubber().scrub(text))

    async def warm(self) -> None:
        """Load the PII engine now, off the event loop, so the first handoff does not wait.

        Presidio's spaCy model takes seconds to load; done lazily, the first ticket after a
        start would outlast the bot's short timeout and the shopper would hear the desk is down.
        """
        await asyncio.get_running_loop().run_in_executor(None, self.mask, "warm-up")

    def seal(self, text: str) -> Sealed:
        return Sealed(masked=self.mask(text), sealed=self._fernet.encrypt(text.encode()).decode())

    async def seal_async(self, text: str) -> Sealed:
        """:meth:`seal` off the event loop: Presidio takes milliseconds per message."""
        return await asyncio.get_running_loop().run_in_executor(None, self.seal, text)

    def unseal(self, sealed: str) -> str:
        """The original text; a value sealed with another key reads as a placeholder."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return "[sealed with another key]"
