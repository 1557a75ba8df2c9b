"""The supervisors' dashboard in a real browser, after real conversations on the running stack.

The stack runs as the embedded default does: the Rasa server writes the scrubbed stream to
the file broker's log, the desk follows it into its analytics database. A supervisor logs in,
opens the dashboard, and the figures on the page must be those of that database. Debian's
Chromium, driven by Playwright, as in tests/e2e/test_console_browser.py.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from analytics.figures import Scope, conversations, handoffs
from stack.processes import Stack
from tests.e2e.conftest import Chat
from tests.e2e.desk import hand_off


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1500})
    opened = context.new_page()
    yield opened
    context.close()


def scope_of_the_page() -> Scope:
    """What the dashboard shows without filters: the demo store, the 30 days to today (UTC)."""
    today = dt.datetime.now(dt.timezone.utc).date()
    return Scope("demo", today - dt.timedelta(days=29), today)


def ingested(engine: sa.engine.Engine, at_least: int, timeout_s: float = 30) -> int:
    """The demo store's conversations in the analytics database, once there are enough."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = conversations(engine, scope_of_the_page()).conversations
        if found >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_a_supervisor_sees_the_conversations_the_analytics_database_holds(
    stack: Stack, page: Page
) -> None:
    engine = sa.create_engine(stack.env["ANALYTICS_DB_URL"])
    try:
        before = conversations(engine, scope_of_the_page()).conversations
        for text in ("hello", "what is your return policy?", "asdf qwerty", "where is my order"):
            Chat(stack.rest_url).say(text)
        hand_off(Chat(stack.rest_url), "can I talk to a human please")
        assert ingested(engine, before + 5) >= before + 5, "the desk did not ingest the stream"
        time.sleep(float(stack.env.get("ANALYTICS_POLL_S", "2")) + 1)  # the last events too

        base = f"http://localhost:{stack.env['DESK_PORT']}"
        page.goto(f"{base}/dashboard")
        expect(page).to_have_url(f"{base}/login")
        page.fill("#username", "sam")
        page.fill("#password", stack.env["DESK_PASSWORD_SAM"])
        page.click("#login")
        page.goto(f"{base}/dashboard")
        expect(page.locator("body")).to_have_attribute("data-loaded", "true", timeout=15000)

        expected = conversations(engine, scope_of_the_page()).conversations
        expect(page.locator("#kpi-conversations")).to_have_text(str(expected))
        opened = handoffs(engine, scope_of_the_page()).handoffs
        assert opened >= 1
        expect(page.locator("#kpi-handoffs")).to_have_text(str(opened))
        drawn = page.evaluate(
            "Chart.getChart('chart-conversations').data.datasets[0].data.reduce((a, b) => a + b)"
        )
        assert drawn == expected
        assert page.evaluate("Chart.getChart('chart-intents').data.labels.length") >= 1

        if os.environ.get("DASHBOARD_SCREENSHOT"):  # how docs/dashboard.png is made
            page.screenshot(path=os.environ["DASHBOARD_SCREENSHOT"], full_page=True)
    finally:
        engine.dispose()


def test_an_agent_who_is_no_supervisor_cannot_open_the_dashboard(stack: Stack, page: Page) -> None:
    base = f"http://localhost:{stack.env['DESK_PORT']}"
    page.goto(f"{base}/login")
    page.fill("#username", "ana")
    page.fill("#password", stack.env["DESK_PASSWORD_ANA"])
    page.click("#login")
    expect(page).to_have_url(f"{base}/console")
    expect(page.locator("#dashboard-link")).to_have_count(0)
    response = page.goto(f"{base}/dashboard")
    assert response is not None and response.status == 403
