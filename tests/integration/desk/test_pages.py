"""The desk's pages as a browser gets them: login form, console, logout, and what they show."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from desk.accounts import AgentView
from desk.pages import template_environment
from tests.integration.desk.conftest import (
    MARKUP_NAME,
    PASSWORDS,
    console_token,
    form_token,
    log_in,
    open_ticket,
)

TEMPLATES_DIR = Path(__file__).resolve().parents[3] / "desk" / "templates"
AGENT = AgentView(7, "ana", "Ana Reyes", "demo", "supervisor")
# What each template is rendered with, and what a person must then see on it.
SAMPLES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "base.html": ({}, ["<title>Aftercare desk · </title>", "/static/console.css"]),
    "login.html": (
        {"csrf": "login-token", "error": "Wrong username or password."},
        ['value="login-token"', "Wrong username or password.", 'action="/login"'],
    ),
    "console.html": (
        {"csrf": "session-token", "agent": AGENT},
        [
            'content="session-token"',
            "<title>Aftercare desk · demo</title>",
            "Ana Reyes (supervisor)",
            "/static/console.js",
        ],
    ),
    "dashboard.html": (
        {
            "csrf": "session-token",
            "agent": AGENT,
            "tenants": ["demo"],
            "flows": ("orders", "returns"),
            "values": {"tenant": "demo", "from": "2026-11-01", "to": "2026-11-30", "flow": ""},
            "error": "to: before from",
        },
        [
            'content="session-token"',
            '<option value="demo" selected>demo</option>',
            'value="2026-11-01"',
            "to: before from",
            "/vendor/chart.umd.min.js",
            "/static/dashboard.js",
            'id="kpi-conversations"',
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES_DIR.glob("*.html")))
def test_every_template_renders_a_whole_page_with_its_values(name: str) -> None:
    environment = template_environment(web.Application())
    context, shown = SAMPLES[name]  # a template without a sample fails here
    page = environment.get_template(name).render(context)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "{{" not in page and "{%" not in page
    for text in shown:
        assert text in page


def test_a_page_rendered_without_a_value_it_needs_fails_instead_of_showing_a_blank() -> None:
    environment = template_environment(web.Application())
    with pytest.raises(jinja2.UndefinedError):
        environment.get_template("console.html").render({"csrf": "session-token"})


async def test_an_agent_name_with_script_markup_is_shown_as_text_on_the_console(
    desk: TestClient,
) -> None:
    page = await log_in(desk, "mal")
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt; &amp; Co" in page
    assert MARKUP_NAME not in page
    assert re.findall(r"<script\b[^>]*>", page) == ['<script src="/static/console.js" defer>']


async def test_the_login_form_carries_the_token_of_its_cookie_and_no_cache_keeps_it(
    desk: TestClient,
) -> None:
    resp = await desk.get("/login")
    assert resp.status == 200 and resp.content_type == "text/html"
    assert resp.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    cookie = resp.cookies["desk_login_csrf"]
    assert form_token(await resp.text()) == cookie.value
    assert cookie["path"] == "/login" and cookie["samesite"] == "Strict" and cookie["httponly"]


async def test_a_wrong_password_shows_the_form_again_with_the_error(desk: TestClient) -> None:
    form = await desk.get("/login")
    resp = await desk.post(
        "/login",
        data={"csrf": form_token(await form.text()), "username": "ana", "password": "nope"},
    )
    assert resp.status == 401 and resp.url.path == "/login"
    assert '<p class="error" role="alert">Wrong username or password.</p>' in await resp.text()


async def test_a_login_without_the_forms_cookie_is_refused_as_expired(desk: TestClient) -> None:
    form = await desk.get("/login")
    token = form_token(await form.text())
    desk.session.cookie_jar.clear()
    resp = await desk.post(
        "/login", data={"csrf": token, "username": "ana", "password": PASSWORDS["ana"]}
    )
    assert resp.status == 403
    assert "Your session expired; please try again." in await resp.text()
    assert (await desk.get("/console", allow_redirects=False)).headers["Location"] == "/login"


async def test_the_console_shows_the_agents_merchant_and_its_token_works_for_changes(
    desk: TestClient,
) -> None:
    page = await log_in(desk, "lee")
    assert "<title>Aftercare desk · tau-bench</title>" in page
    assert "Lee Tran (agent)" in page
    token = console_token(page)
    refused = await desk.post("/logout", headers={"X-CSRF-Token": "not-the-token"})
    assert refused.status == 403
    resp = await desk.post("/logout", headers={"X-CSRF-Token": token})
    assert resp.status == 200 and resp.url.path == "/login"
    assert (await desk.get("/console", allow_redirects=False)).headers["Location"] == "/login"


async def test_a_shoppers_script_markup_comes_back_as_plain_json_text(desk: TestClient) -> None:
    markup = "<script>alert('shopper')</script> where is my parcel?"
    ticket_id = await open_ticket(desk, [("shopper", markup)])
    token = console_token(await log_in(desk, "ana"))
    resp = await desk.get(f"/api/agent/tickets/{ticket_id}", headers={"X-CSRF-Token": token})
    assert resp.content_type == "application/json"
    assert (await resp.json())["transcript"][0]["text"] == markup


async def test_another_merchants_agent_finds_neither_the_ticket_nor_the_colleagues(
    desk: TestClient,
) -> None:
    ticket_id = await open_ticket(desk, [("shopper", "my parcel is late")])
    headers = {"X-CSRF-Token": console_token(await log_in(desk, "lee"))}
    queue = await desk.get("/api/agent/tickets", headers=headers)
    assert queue.status == 200 and (await queue.json())["tickets"] == []
    assert (await desk.get(f"/api/agent/tickets/{ticket_id}", headers=headers)).status == 404
    team = await (await desk.get("/api/agent/colleagues", headers=headers)).json()
    assert [a["username"] for a in team["agents"]] == ["lee"]


async def test_a_ticket_is_assigned_within_its_merchant_only(desk: TestClient) -> None:
    ticket_id = await open_ticket(desk, [("shopper", "my parcel is late")])
    headers = {"X-CSRF-Token": console_token(await log_in(desk, "ana"))}
    path = f"/api/agent/tickets/{ticket_id}/assign"
    elsewhere = await desk.post(path, json={"agent": "lee"}, headers=headers)
    assert elsewhere.status == 404
    here = await desk.post(path, json={"agent": "mal"}, headers=headers)
    assert here.status == 200 and (await here.json())["assignee"] == "mal"
