"""Settings of the agent desk, read from ``DESK_*`` variables and validated once at start.

Agents and canned answers are YAML (``desk/agents.yml``, ``desk/canned.yml``); an agent's
password is never in a file, only the name of the environment variable that holds it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from cryptography.fernet import Fernet
from pydantic import BaseModel, Extra, Field, validator

from analytics.live import (
    DEFAULT_DB_URL,
    PurchaseSync,
    StreamSource,
    purchase_sync,
    stream_source,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_AGENTS_FILE = PACKAGE_DIR / "agents.yml"
DEFAULT_CANNED_FILE = PACKAGE_DIR / "canned.yml"
# Chart.js, installed with the web chat widget by `make webchat` (package.json)
DEFAULT_CHART_JS_DIR = PACKAGE_DIR.parent / "node_modules" / "chart.js" / "dist"


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Role(str, Enum):
    """What an agent may do: a supervisor may also reveal unmasked personal data."""

    agent = "agent"
    supervisor = "supervisor"


class AgentSeed(_Strict):
    """One agent account as configured; the password comes from ``password_env``."""

    username: str = Field(regex=r"^[a-z0-9_.-]{2,40}$")
    name: str = Field(min_length=1, max_length=80)
    merchant: str = Field(regex=r"^[a-z0-9_-]{1,40}$")
    role: Role = Role.agent
    password_env: str = Field(regex=r"^[A-Z][A-Z0-9_]*$")


class CannedAnswer(_Strict):
    title: str = Field(min_length=1, max_length=60)
    text: str = Field(min_length=1, max_length=1000)


class Connector(str, Enum):
    """Where agents work: the built-in console, or Chatwoot through its Agent Bot."""

    console = "console"
    chatwoot = "chatwoot"


class DeskConfig(_Strict):
    """Validated settings of the desk service.

    Attributes:
        db_url: SQLAlchemy URL (SQLite by default, PostgreSQL by URL).
        host, port: Where to listen.
        api_token: Bearer token of the bot API (the action server's client).
        rasa_url, rasa_token: Rasa's HTTP API, through which agent replies reach the shopper.
        transcript_key: Fernet key sealing the unmasked transcript at rest.
        cookie_secure: The session cookie's ``Secure`` flag (off only for plain-HTTP tests).
        session_hours: How long a login lasts.
        sync_interval_s: How often waiting shoppers' messages are copied from Rasa's tracker.
        connector: console | chatwoot.
        public_url: The desk's address as shoppers' REST clients reach it (for polling).
        analytics_db_url: The analytics tables the dashboard reads (``ANALYTICS_DB_URL``).
        analytics_source: The event stream the desk follows into them, from the broker
            settings (:func:`analytics.live.stream_source`); None: the desk ingests nothing.
        analytics_purchases: The tenants' commerce backends whose purchases after a click
            the desk fetches (:func:`analytics.live.purchase_sync`); None: it fetches none.
        analytics_max_days: The longest date range the dashboard answers.
    """

    db_url: str = "sqlite:///var/desk.db"
    host: str = "127.0.0.1"
    port: int = Field(default=8070, gt=0, lt=65536)
    api_token: str = Field(min_length=8)
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = Field(min_length=1)
    transcript_key: str
    cookie_secure: bool = True
    session_hours: int = Field(default=8, ge=1, le=72)
    sync_interval_s: float = Field(default=2.0, gt=0)
    connector: Connector = Connector.console
    public_url: str = "http://127.0.0.1:8070"
    agents: list[AgentSeed] = Field(default_factory=list)
    canned: list[CannedAnswer] = Field(default_factory=list)
    chatwoot_url: str = ""
    chatwoot_token: str = ""
    chatwoot_account_id: int = 0
    chatwoot_inbox_id: int = 0
    chatwoot_webhook_secret: str = ""
    max_body_bytes: int = 64 * 1024
    analytics_db_url: str = DEFAULT_DB_URL
    analytics_source: StreamSource | None = None
    analytics_purchases: PurchaseSync | None = None
    analytics_max_days: int = Field(default=366, ge=1)
    chart_js_dir: Path = DEFAULT_CHART_JS_DIR

    @validator("transcript_key")
    def _fernet_key(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        try:
            Fernet(value.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise ValueError(
                "DESK_TRANSCRIPT_KEY must be a Fernet key (32 url-safe bytes)"
            ) from exc
        return value

    @validator("chatwoot_webhook_secret", always=True)
    def _chatwoot_complete(cls, value: str, values: dict[str, Any]) -> str:  # noqa: N805
        if values.get("connector") == Connector.chatwoot and not (
            value and values.get("chatwoot_url") and values.get("chatwoot_token")
        ):
            raise ValueError("the chatwoot connector needs CHATWOOT_URL, _TOKEN, _WEBHOOK_SECRET")
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DeskConfig:
        """Settings from the environment, agents and canned answers from their YAML files.

        Raises:
            pydantic.ValidationError: a variable or a YAML entry is invalid.
        """
        env = os.environ if environ is None else environ
        names = {
            "db_url": "DESK_DB_URL",
            "host": "DESK_HOST",
            "port": "DESK_PORT",
            "api_token": "DESK_API_TOKEN",
            "rasa_url": "DESK_RASA_URL",
            "rasa_token": "RASA_AUTH_TOKEN",
            "transcript_key": "DESK_TRANSCRIPT_KEY",
            "cookie_secure": "DESK_COOKIE_SECURE",
            "session_hours": "DESK_SESSION_HOURS",
            "sync_interval_s": "DESK_SYNC_INTERVAL_S",
            "connector": "DESK_CONNECTOR",
            "public_url": "DESK_PUBLIC_URL",
            "chatwoot_url": "CHATWOOT_URL",
            "chatwoot_token": "CHATWOOT_API_TOKEN",
            "chatwoot_account_id": "CHATWOOT_ACCOUNT_ID",
            "chatwoot_inbox_id": "CHATWOOT_INBOX_ID",
            "chatwoot_webhook_secret": "CHATWOOT_WEBHOOK_SECRET",
            "analytics_db_url": "ANALYTICS_DB_URL",
            "analytics_max_days": "ANALYTICS_MAX_DAYS",
        }
        values: dict[str, Any] = {field: env[name] for field, name in names.items() if name in env}
        values["agents"] = _yaml_list(Path(env.get("DESK_AGENTS_FILE", DEFAULT_AGENTS_FILE)))
        values["canned"] = _yaml_list(Path(env.get("DESK_CANNED_FILE", DEFAULT_CANNED_FILE)))
        values["analytics_source"] = stream_source(env)
        values["analytics_purchases"] = purchase_sync(env)
        return cls(**values)


def _yaml_list(path: Path) -> list[Any]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a list")
    return raw
