"""The connector interface: what an external help desk does in place of the built-in console.

Tickets always live in the desk (queue, masking, ratings, analytics). A connector mirrors
them into another tool and turns that tool's events back into desk operations: an agent's
message goes to the shopper, "resolved" gives the conversation back to the bot. The built-in
console needs no mirroring, so its connector does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class TicketInfo:
    """What a connector is told about a new ticket (text already masked)."""

    ticket_id: int
    merchant: str
    sender_id: str
    reason: str
    priority: int
    summary_text: str
    transcript: list[tuple[str, str]]


class DeskConnector(Protocol):
    """Mirror of the desk's tickets in an external help desk."""

    async def ticket_opened(self, ticket: TicketInfo) -> str | None:
        """Create the ticket there; returns its reference in that tool (or None)."""

    async def shopper_wrote(self, external_ref: str, texts: list[str]) -> None:
        """Add what the waiting shopper wrote (masked) to the external conversation."""

    async def close(self) -> None:
        """Release connections."""


class ConsoleConnector:
    """The built-in console reads tickets from the desk's own database: nothing to mirror."""

    async def ticket_opened(self, ticket: TicketInfo) -> str | None:
        return None

    async def shopper_wrote(self, external_ref: str, texts: list[str]) -> None:
        return None

    async def close(self) -> None:
        return None
