"""The desk's domain errors, raised by the accounts and the ticket rules alike.

Only the HTTP handlers turn them into status codes, so a rule never decides what a browser or
the assistant sees, and both rule modules can raise them without importing each other.
"""

from __future__ import annotations


class DeskError(Exception):
    """Base of the desk's domain errors."""


class NotFound(DeskError):
    """No such ticket (or agent) for this merchant."""


class Forbidden(DeskError):
    """The agent's role does not allow this."""


class Conflict(DeskError):
    """The ticket is not in a state that allows this (e.g. already resolved)."""
