"""The supervisors' dashboard: who may see which figures, the query's checks, JSON and CSV.

The desk follows a file broker log of a day at two stores (tests/unit/analytics/chats.py:
five ``demo`` conversations, one ``outdoor``) into its own analytics database, as it does in
the embedded default, and the figures are read back through its routes.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from analytics.live import StreamKind, StreamSource
from desk.app import create_app
from desk.config import AgentSeed, Role
from tests.integration.desk.conftest import QuietConversations, desk_config, log_in
from tests.unit.analytics.chats import DAY, a_day_at_the_store, stream

AGENTS = [
    AgentSeed(username="ana", name="Ana Reyes", merchant="demo", password_env="PW_ANA"),
    AgentSeed(
        username="sam", name="Sam Okafor", merchant="demo", role=Role.supervisor,
        password_env="PW_SAM",
    ),
    AgentSeed(
        username="oli", name="Oli Berg", merchant="outdoor", role=Role.supervisor,
        password_env="PW_OLI",
    ),
]  # fmt: skip
PASSWORDS = {"ana": "ana-password", "sam": "sam-password", "oli": "oli-password"}
DAYS = {"from": DAY.isoformat(), "to": DAY.isoformat()}
FIGURES = "/api/agent/analytics/figures"


@pytest_asyncio.fixture
async def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestClient]:
    """A desk following a file broker log that holds a day at both stores."""
    log = tmp_path / "events.log"
    log.write_text("".join(json.dumps(m.body) + "\n" for m in stream(a_day_at_the_store())))
    for agent in AGENTS:
        monkeypatch.setenv(agent.password_env, PASSWORDS[agent.username])
    config = desk_config(tmp_path, monkeypatch).copy(
        update={
            "agents": AGENTS,
            "analytics_source": StreamSource(kind=StreamKind.file, location=str(log), poll_s=0.05),
        }
    )
    app = create_app(config, conversations=QuietConversations())
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def figures(client: TestClient, **query: str) -> dict[str, Any]:
    """The figures once the desk has ingested the log (it follows it in the background)."""
    for _ in range(200):
        resp = await client.get(FIGURES, params={**DAYS, **query})
        assert resp.status == 200, await resp.text()
        body: dict[str, Any] = await resp.json()
        if body["conversations"]["conversations"]:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("the desk never ingested the log")


async def test_a_supervisor_sees_the_figures_of_their_tenant_only(desk: TestClient) -> None:
    await log_in(desk, "sam", PASSWORDS["sam"])
    body = await figures(desk)
    assert body["tenant"] == "demo"
    assert body["conversations"]["conversations"] == 5
    assert body["handoffs"]["handoffs"] == 3
    assert body["satisfaction"]["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0}
    assert [d["day"] for d in body["days"]] == [DAY.isoformat()]
    assert body["days"][0]["conversations"] == 5
    assert {"latency", "forms", "intents", "drift", "time_to_resolution"} <= body.keys()


async def test_another_tenants_figures_and_csv_are_not_found(desk: TestClient) -> None:
    await log_in(desk, "sam", PASSWORDS["sam"])
    await figures(desk)
    for path in (FIGURES, f"{FIGURES}.csv", "/dashboard"):
        resp = await desk.get(path, params={**DAYS, "tenant": "outdoor"})
        assert resp.status == 404, path
        assert (await resp.json())["error"]["code"] == "not_found"


async def test_the_other_tenants_supervisor_sees_only_theirs(desk: TestClient) -> None:
    await log_in(desk, "oli", PASSWORDS["oli"])
    body = await figures(desk)
    assert body["tenant"] == "outdoor" and body["conversations"]["conversations"] == 1
    resp = await desk.get(FIGURES, params={**DAYS, "tenant": "demo"})
    assert resp.status == 404


async def test_an_agent_who_is_no_supervisor_is_refused(desk: TestClient) -> None:
    await log_in(desk, "ana", PASSWORDS["ana"])
    for path in (FIGURES, f"{FIGURES}.csv", "/dashboard"):
        resp = await desk.get(path, params=DAYS)
        assert resp.status == 403, path
        assert (await resp.json())["error"]["message"] == "Only supervisors see the dashboard."
    console = await (await desk.get("/console")).text()
    assert 'href="/dashboard"' not in console


async def test_without_a_login_the_page_redirects_and_the_data_is_refused(
    desk: TestClient,
) -> None:
    page = await desk.get("/dashboard", allow_redirects=False)
    assert page.status == 302 and page.headers["Location"] == "/login"
    for path in (FIGURES, f"{FIGURES}.csv", "/vendor/chart.umd.min.js"):
        assert (await desk.get(path, params=DAYS)).status == 401, path


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"from": "2026-13-01"}, "from: not a date (YYYY-MM-DD): '2026-13-01'"),
        ({"to": "yesterday"}, "to: not a date (YYYY-MM-DD): 'yesterday'"),
        ({"from": "2026-11-21", "to": "2026-11-20"}, "to: before from"),
        ({"from": "2024-01-01", "to": "2026-11-20"}, "from, to: at most 366 days"),
        ({"flow": "nonsense"}, "flow: one of "),
    ],
)
async def test_a_malformed_query_is_a_400_that_says_why(
    desk: TestClient, query: dict[str, str], reason: str
) -> None:
    await log_in(desk, "sam", PASSWORDS["sam"])
    for path in (FIGURES, f"{FIGURES}.csv"):
        resp = await desk.get(path, params=query)
        assert resp.status == 400, path
        assert (await resp.json())["error"]["message"].startswith(reason)
    page = await desk.get("/dashboard", params=query)
    assert page.status == 400
    assert reason.replace("'", "&#39;") in await page.text()


async def test_the_csv_has_a_row_per_day_and_flow_of_the_tenant(desk: TestClient) -> None:
    await log_in(desk, "sam", PASSWORDS["sam"])
    await figures(desk)
    resp = await desk.get(f"{FIGURES}.csv", params=DAYS)
    assert resp.status == 200 and resp.content_type == "text/csv"
    assert resp.headers["Content-Disposition"] == (
        f'attachment; filename="aftercare-demo-{DAY}-{DAY}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert {r["tenant"] for r in rows} == {"demo"}
    assert sum(int(r["conversations"]) for r in rows) == 5


async def test_one_flow_filters_every_figure(desk: TestClient) -> None:
    await log_in(desk, "sam", PASSWORDS["sam"])
    await figures(desk)
    resp = await desk.get(FIGURES, params={**DAYS, "flow": "returns"})
    body = await resp.json()
    assert body["flow"] == "returns" and body["conversations"]["conversations"] == 1


async def test_the_dashboard_page_loads_chart_js_from_the_desk(desk: TestClient) -> None:
    await log_in(desk, "sam", PASSWORDS["sam"])
    page = await desk.get("/dashboard")
    assert page.status == 200 and page.headers["Cache-Control"] == "no-store"
    text = await page.text()
    assert '<script src="/vendor/chart.umd.min.js" defer></script>' in text
    script = await desk.get("/vendor/chart.umd.min.js")
    assert script.status == 200
    assert "Chart" in (await script.text())[:2000]
