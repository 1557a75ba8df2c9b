"""The desk's own database: tickets, agents, sessions, ratings (``DESK_DB_URL``).

It shares only the SQLAlchemy bridge (``webkit.db``) with the backend, never its tables.
"""

from __future__ import annotations

from desk.models import Base
from webkit.db import SqlDatabase


class DeskDatabase(SqlDatabase):
    """The desk's tables on the shared bridge."""

    metadata = Base.metadata

    def __init__(self, url: str, *, max_workers: int = 4) -> None:
        super().__init__(url, max_workers=max_workers, thread_name="desk-db")
