"""Typed keys of what the desk application holds, shared by its handler modules."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.engine import Engine

from desk.accounts import AgentAccounts
from desk.config import DeskConfig
from desk.connectors.base import DeskConnector
from desk.conversations import Conversations
from desk.service import DeskService
from webkit.background import LifetimeTasks

CONFIG_KEY = web.AppKey("config", DeskConfig)
SERVICE_KEY = web.AppKey("service", DeskService)
ACCOUNTS_KEY = web.AppKey("accounts", AgentAccounts)
CONVERSATIONS_KEY: web.AppKey[Conversations] = web.AppKey("conversations")
CONNECTOR_KEY: web.AppKey[DeskConnector] = web.AppKey("connector")
ANALYTICS_KEY: web.AppKey[Engine] = web.AppKey("analytics")
TASKS_KEY = web.AppKey("tasks", LifetimeTasks)
# Per-request values set by the access middleware.
AGENT_KEY = "desk.agent"
CSRF_KEY = "desk.csrf"
