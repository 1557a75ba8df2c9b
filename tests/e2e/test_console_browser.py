"""The agent console in a real browser: Debian's Chromium, headless, driven by Playwright.

``make pytest`` installs Chromium first (scripts/install-browser.sh); Playwright's own browser
download is never used. The console is opened on ``localhost``, where Chromium accepts the
desk's ``Secure`` session cookie over plain HTTP.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from stack.processes import Stack
from tests.e2e.conftest import Chat
from tests.e2e.desk import hand_off, poll


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    yield opened
    context.close()


def test_agent_logs_in_claims_replies_and_resolves_in_the_console(
    stack: Stack, chat: Chat, page: Page, tmp_path: Path
) -> None:
    handoff = hand_off(chat, "my parcel is late, can I talk to a human")
    chat.say("it was a birthday present for saturday")  # waiting: goes to the ticket
    base = f"http://localhost:{stack.env['DESK_PORT']}"

    page.goto(f"{base}/console")
    expect(page).to_have_url(f"{base}/login")  # nothing without a login
    page.fill("#username", "ana")
    page.fill("#password", stack.env["DESK_PASSWORD_ANA"])
    page.click("#login")
    expect(page).to_have_url(f"{base}/console")

    row = page.locator(f'#queue tr[data-ticket="{handoff["ticket_id"]}"]')
    expect(row).to_contain_text("asked for person")
    row.click()
    expect(page.locator("#transcript")).to_contain_text("birthday present", timeout=15000)
    page.click("#claim")
    expect(page.locator("#ticket-status")).to_contain_text("assigned")

    page.select_option("#canned", label="Greeting")
    expect(page.locator("#reply-text")).to_have_value(
        "Hi, I'm from the Demo Outfitters team and I've read your conversation so far. "
        "Let me look into this for you."
    )
    page.fill("#reply-text", "Hi, Ana here. Your parcel is with the carrier, checking now.")
    page.click("#send")
    expect(page.locator("#transcript")).to_contain_text("checking now")
    received = poll(handoff)
    assert received[0]["text"] == "Hi, Ana here. Your parcel is with the carrier, checking now."

    if os.environ.get("DESK_SCREENSHOT"):  # how docs/console.png is made
        page.screenshot(path=os.environ["DESK_SCREENSHOT"])
    page.click("#resolve")
    expect(page.locator("#notice")).to_contain_text("Resolved")
    asked = poll(handoff, after=received[-1]["id"])
    assert "1 (poor) to 5 (great)" in asked[-1]["text"]
    expect(row).to_have_count(0)  # gone from the queue
