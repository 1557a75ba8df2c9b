"""Script markup in the console, in a real browser: Debian's Chromium, headless, via Playwright.

The desk runs in process (no Rasa, no stack); the page is driven as an agent would. What a
shopper or an agent writes, and an agent's configured name, must be shown as text: nothing in
them may run or become an element. ``make pytest`` installs Chromium first
(scripts/install-browser.sh); Playwright's own browser download is never used.
"""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from playwright.async_api import Dialog, async_playwright, expect

from tests.browser import CHROMIUM_FLAGS, chromium
from tests.integration.desk.conftest import MARKUP_NAME, PASSWORDS, open_ticket

SHOPPER_MARKUP = '<img src=x onerror="window.ran=1"><script>window.ran=2</script> parcel late'
AGENT_MARKUP = "<b>Sorry</b><script>window.ran=3</script> checking now"


async def test_markup_from_shoppers_agents_and_names_is_shown_as_text_in_the_console(
    desk: TestClient,
) -> None:
    ticket_id = await open_ticket(desk, [("shopper", SHOPPER_MARKUP)])
    base = str(desk.make_url("")).rstrip("/")
    dialogs: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        page = await browser.new_page()
        page.on("dialog", dismiss)
        await page.goto(f"{base}/login")
        await page.fill("#username", "mal")
        await page.fill("#password", PASSWORDS["mal"])
        await page.click("#login")
        await expect(page).to_have_url(f"{base}/console")
        await expect(page.locator("header .who")).to_contain_text(MARKUP_NAME)

        await page.locator(f'#queue tr[data-ticket="{ticket_id}"]').click()
        transcript = page.locator("#transcript")
        await expect(transcript).to_contain_text(SHOPPER_MARKUP)
        await page.click("#claim")
        await expect(page.locator("#ticket-status")).to_contain_text("assigned")
        await page.fill("#reply-text", AGENT_MARKUP)
        await page.click("#send")
        await expect(transcript).to_contain_text(AGENT_MARKUP)

        assert await page.locator("script").count() == 1  # console.js, nothing else
        assert await page.locator("#transcript img, #transcript b, header script").count() == 0
        assert await page.evaluate("window.ran") is None
        await browser.close()
    assert dialogs == []
