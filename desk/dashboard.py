"""The supervisors' dashboard: figures of the analytics tables, as charts, JSON and CSV.

Who sees what follows the rest of the desk: only a supervisor (``role: supervisor`` in
``desk/agents.yml``) opens the dashboard, and only for the tenants they work for, their
merchant; another tenant is "not found", as a ticket of another merchant is. The figures are
computed by :mod:`analytics.figures` on the analytics database (``ANALYTICS_DB_URL``), in a
worker thread so the event loop keeps serving the console.

The same query string serves the page, the JSON and the CSV: ``tenant`` (default: the
supervisor's merchant), ``from`` and ``to`` (UTC days, default the 30 days to today),
``flow`` (one flow, default all). A malformed one is a 400 that says what is wrong.

While the desk runs it also follows the event stream into the analytics database
(:func:`analytics.live.follow`), so the figures are at most a poll interval old, and fetches
the purchases that followed a click on a suggestion (:func:`analytics.live.follow_purchases`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.engine import Engine

from analytics.daily import daily, write_csv
from analytics.figures import Scope, report
from analytics.live import analytics_engine, follow, follow_purchases
from analytics.series import by_day
from analytics.vocabulary import FORM_FLOWS, INTENT_FLOWS, OTHER
from desk.accounts import AgentView
from desk.config import Role
from desk.keys import AGENT_KEY, ANALYTICS_KEY, CONFIG_KEY, CSRF_KEY, TASKS_KEY
from webkit.errors import error_response

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 30
FLOWS = tuple(sorted(set(INTENT_FLOWS.values()) | set(FORM_FLOWS.values()) | {OTHER}))
CHART_JS = "chart.umd.min.js"  # Chart.js's self-contained UMD build (package.json)


class BadQuery(ValueError):
    """The query string cannot be read; the message says which part and why."""


class NotAllowed(Exception):
    """The agent may not see these figures: ``status`` says whether at all (403) or here (404)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def utc_today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def tenants_of(agent: AgentView) -> list[str]:
    """The tenants whose figures the agent may see (an agent works for one merchant)."""
    return [agent.merchant]


def _day(query: Mapping[str, str], name: str, default: dt.date) -> dt.date:
    text = query.get(name, "").strip()
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise BadQuery(f"{name}: not a date (YYYY-MM-DD): {text[:40]!r}") from exc


def dashboard_scope(
    query: Mapping[str, str], agent: AgentView, today: dt.date, max_days: int
) -> Scope:
    """The figures asked for, if this agent may see them.

    Raises:
        NotAllowed: not a supervisor (403), or a tenant the agent does not work for (404).
        BadQuery: a malformed date, a range that ends before it starts or is too long, an
            unknown flow.
    """
    if agent.role != Role.supervisor.value:
        raise NotAllowed(403, "Only supervisors see the dashboard.")
    tenant = query.get("tenant", "").strip() or agent.merchant
    if tenant not in tenants_of(agent):
        raise NotAllowed(404, "No figures for this tenant.")
    end = _day(query, "to", today)
    start = _day(query, "from", end - dt.timedelta(days=DEFAULT_DAYS - 1))
    if end < start:
        raise BadQuery("to: before from")
    if (end - start).days + 1 > max_days:
        raise BadQuery(f"from, to: at most {max_days} days")
    flow = query.get("flow", "").strip() or None
    if flow is not None and flow not in FLOWS:
        raise BadQuery(f"flow: one of {', '.join(FLOWS)}")
    return Scope(tenant, start, end, flow)


def _scope(request: web.Request) -> Scope:
    agent: AgentView = request[AGENT_KEY]
    config = request.app[CONFIG_KEY]
    return dashboard_scope(request.query, agent, utc_today(), config.analytics_max_days)


def _refusal(exc: NotAllowed | BadQuery) -> web.Response:
    if isinstance(exc, BadQuery):
        return error_response(400, "bad_request", str(exc))
    return error_response(exc.status, "forbidden" if exc.status == 403 else "not_found", str(exc))


def figures(engine: Engine, scope: Scope) -> dict[str, Any]:
    """Everything the dashboard draws: the report (analytics.figures) and the daily series."""
    return {**report(engine, scope), "days": by_day(engine, scope)}


async def figures_json(request: web.Request) -> web.Response:
    try:
        scope = _scope(request)
    except (NotAllowed, BadQuery) as exc:
        return _refusal(exc)
    body = await asyncio.to_thread(figures, request.app[ANALYTICS_KEY], scope)
    response = web.json_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_text(engine: Engine, scope: Scope) -> str:
    out = io.StringIO()
    write_csv(daily(engine, scope), out)
    return out.getvalue()


async def figures_csv(request: web.Request) -> web.Response:
    try:
        scope = _scope(request)
    except (NotAllowed, BadQuery) as exc:
        return _refusal(exc)
    text = await asyncio.to_thread(csv_text, request.app[ANALYTICS_KEY], scope)
    name = f"aftercare-{scope.tenant}-{scope.start}-{scope.end}"
    if scope.flow:
        name += f"-{scope.flow}"
    return web.Response(
        text=text,
        content_type="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "Cache-Control": "no-store",
        },
    )


async def dashboard_page(request: web.Request) -> web.Response:
    agent: AgentView = request[AGENT_KEY]
    status, error = 200, ""
    try:
        _scope(request)
    except NotAllowed as exc:
        return _refusal(exc)  # nothing of the page is shown
    except BadQuery as exc:
        status, error = 400, str(exc)  # the form is shown again, with the reason
    today = utc_today()
    values = {
        "tenant": request.query.get("tenant", "") or agent.merchant,
        "from": request.query.get("from", "")
        or (today - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        "to": request.query.get("to", "") or today.isoformat(),
        "flow": request.query.get("flow", ""),
    }
    context = {
        "csrf": request[CSRF_KEY],
        "agent": agent,
        "tenants": tenants_of(agent),
        "flows": FLOWS,
        "values": values,
        "error": error,
    }
    response = aiohttp_jinja2.render_template("dashboard.html", request, context, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def chart_js(request: web.Request) -> web.StreamResponse:
    """Chart.js from node_modules (``make webchat`` installs it from package-lock.json)."""
    path = request.app[CONFIG_KEY].chart_js_dir / CHART_JS
    if not path.is_file():
        return error_response(404, "not_found", "Chart.js is not installed: run make webchat.")
    return web.FileResponse(path, headers={"Cache-Control": "private, max-age=86400"})


async def _analytics_ctx(app: web.Application) -> AsyncIterator[None]:
    """The analytics database, the task that follows the stream into it, and the one that
    fetches the purchases after a click from the commerce backends."""
    config = app[CONFIG_KEY]
    engine = analytics_engine(config.analytics_db_url)
    app[ANALYTICS_KEY] = engine
    if config.analytics_source is not None:
        app[TASKS_KEY].start(follow(engine, config.analytics_source), "analytics-follow")
    if config.analytics_purchases is not None:
        purchases = follow_purchases(engine, config.analytics_purchases)
        app[TASKS_KEY].start(purchases, "analytics-purchases")
    try:
        yield
    finally:
        engine.dispose()  # the tasks ended at shutdown (webkit.background.LifetimeTasks)


def setup(app: web.Application) -> None:
    """The dashboard's routes and its resources (after :func:`desk.pages.setup`)."""
    app.router.add_get("/dashboard", dashboard_page)
    app.router.add_get("/api/agent/analytics/figures", figures_json)
    app.router.add_get("/api/agent/analytics/figures.csv", figures_csv)
    app.router.add_get(f"/vendor/{CHART_JS}", chart_js)
    app.cleanup_ctx.append(_analytics_ctx)
