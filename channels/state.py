"""What the channels must remember between webhooks: SMS consent and the last numbered menu.

Both are keyed by the conversation's sender id, in which an SMS phone number is sealed
(``merchants.identity.seal``), so no phone number is stored in the clear. Consent must outlive a
restart and be shared by every Rasa instance, so it is in a database (SQLite by default,
``CHANNEL_STATE_DB_URL`` for PostgreSQL in production), never in memory.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from sqlalchemy import Boolean, Column, DateTime, MetaData, String, Table, Text, create_engine
from sqlalchemy.engine import Engine

DEFAULT_DB_URL = "sqlite:///var/channels.db"

_metadata = MetaData()
consent_table = Table(
    "sms_consent",
    _metadata,
    Column("sender_id", String(200), primary_key=True),
    Column("opted_out", Boolean, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
menu_table = Table(
    "channel_menu",
    _metadata,
    Column("sender_id", String(200), primary_key=True),
    Column("payloads", Text, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)


class ChannelState:
    """Consent records and menus in one small database, used from async code via threads."""

    def __init__(self, db_url: str) -> None:
        if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:////"):
            Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(db_url, future=True)
        _metadata.create_all(self.engine)

    def _upsert(self, table: Table, sender_id: str, **values: object) -> None:
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            updated = conn.execute(
                table.update()
                .where(table.c.sender_id == sender_id)
                .values(changed_at=now, **values)
            ).rowcount
            if not updated:
                conn.execute(table.insert().values(sender_id=sender_id, changed_at=now, **values))

    def _opted_out(self, sender_id: str) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(
                consent_table.select().where(consent_table.c.sender_id == sender_id)
            ).first()
        return bool(row and row.opted_out)

    def _menu(self, sender_id: str) -> list[str]:
        with self.engine.connect() as conn:
            row = conn.execute(
                menu_table.select().where(menu_table.c.sender_id == sender_id)
            ).first()
        payloads = json.loads(row.payloads) if row else []
        return [str(p) for p in payloads]

    async def set_opted_out(self, sender_id: str, opted_out: bool) -> None:
        """Record STOP (True) or START (False) for this sender."""
        await asyncio.to_thread(self._upsert, consent_table, sender_id, opted_out=opted_out)

    async def is_opted_out(self, sender_id: str) -> bool:
        """True once the sender texted STOP and has not texted START since."""
        return await asyncio.to_thread(self._opted_out, sender_id)

    async def remember_menu(self, sender_id: str, payloads: list[str]) -> None:
        """Keep the payloads of the options just offered, so "2" can be mapped back."""
        await asyncio.to_thread(self._upsert, menu_table, sender_id, payloads=json.dumps(payloads))

    async def menu(self, sender_id: str) -> list[str]:
        """The payloads of the last numbered options sent to this sender ([] for none)."""
        return await asyncio.to_thread(self._menu, sender_id)


@cache
def state_from_env() -> ChannelState:
    """The process-wide store named by ``CHANNEL_STATE_DB_URL``, opened on first use."""
    return ChannelState(os.environ.get("CHANNEL_STATE_DB_URL") or DEFAULT_DB_URL)
