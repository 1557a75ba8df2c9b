"""A shopper's erasure from the channels' state: their menu and START go, a STOP stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.erasure import erase
from channels.state import ChannelState

pytestmark = pytest.mark.timeout(60)


async def test_menus_and_starts_go_and_a_stop_stays(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'channels.db'}"
    state = ChannelState(url)
    await state.remember_menu("sms-started", ["/order_status", "/return_item"])
    await state.set_opted_out("sms-started", False)
    await state.remember_menu("sms-stopped", ["/order_status"])
    await state.set_opted_out("sms-stopped", True)
    await state.remember_menu("sms-kept", ["/order_status"])
    state.engine.dispose()

    removed = erase({"CHANNEL_STATE_DB_URL": url}, ["sms-started", "sms-stopped"])

    assert removed == 3  # two menus and the START
    assert await state.menu("sms-started") == [] and await state.menu("sms-stopped") == []
    assert await state.is_opted_out("sms-stopped")  # still never texted
    assert await state.menu("sms-kept") == ["/order_status"]
    state.engine.dispose()
    assert b"sms-started" not in (tmp_path / "channels.db").read_bytes()  # nor in free pages
