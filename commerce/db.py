"""The backend's database: the shared SQLAlchemy bridge (``webkit.db``) with the store's tables."""

from __future__ import annotations

from commerce.models import Base
from webkit.db import SqlDatabase


class Database(SqlDatabase):
    """The commerce store: customers, catalogue, orders, and everything that hangs off them."""

    metadata = Base.metadata

    def __init__(self, url: str, *, max_workers: int = 4) -> None:
        super().__init__(url, max_workers=max_workers, thread_name="commerce-db")
