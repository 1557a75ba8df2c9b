"""Merchants (tenants) as validated data: their channels, secrets' env names and policy file.

One registry serves both sides: the channels (in the Rasa server) find the tenant of a webhook
and its secrets here, the actions pick the tenant's policy file and backend here. It imports
nothing from Rasa.
The file is ``channels/tenants.yml`` unless ``AFTERCARE_TENANTS`` names another; a missing or
malformed file is an error at first use, never a silent default.
"""

from __future__ import annotations

import os
import re
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Extra, Field, StrictInt, root_validator, validator

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TENANTS_PATH = ROOT / "channels" / "tenants.yml"
DEFAULT_TENANT = "demo"
_PATH_PART = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class MissingSecret(RuntimeError):
    """A secret's environment variable is not set: the channel cannot verify, so it refuses."""


def _secret(env_name: str) -> str:
    value = os.environ.get(env_name, "")
    if not value:
        raise MissingSecret(f"environment variable {env_name} is not set")
    return value


def _check_path(value: str) -> str:
    if not _PATH_PART.match(value):
        raise ValueError("a webhook path is lower-case letters, digits and dashes")
    return value


def _check_env(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError(f"{value!r} is not an environment variable name")
    return value


class ReplyMode(str, Enum):
    """How SMS replies leave: in the webhook's TwiML response, or through the REST API."""

    twiml = "twiml"
    rest = "rest"


class SmsChannel(_Strict):
    path: str
    account_sid_env: str
    auth_token_env: str
    from_number: str = Field(regex=r"^\+[1-9]\d{6,14}$")
    reply_mode: ReplyMode = ReplyMode.twiml
    identify_by_phone: bool = False

    _path = validator("path", allow_reuse=True)(_check_path)
    _envs = validator("account_sid_env", "auth_token_env", allow_reuse=True)(_check_env)

    def auth_token(self) -> str:
        """Twilio's auth token: signs every webhook and authenticates REST calls."""
        return _secret(self.auth_token_env)

    def account_sid(self) -> str:
        return _secret(self.account_sid_env)

    def require_secrets(self) -> None:
        """Raise MissingSecret now, at start, rather than on the first shopper's message."""
        self.auth_token()
        self.account_sid()


class MessengerChannel(_Strict):
    path: str
    app_secret_env: str
    verify_token_env: str
    page_token_env: str

    _path = validator("path", allow_reuse=True)(_check_path)
    _envs = validator("app_secret_env", "verify_token_env", "page_token_env", allow_reuse=True)(
        _check_env
    )

    def app_secret(self) -> str:
        """Signs every webhook body (X-Hub-Signature-256)."""
        return _secret(self.app_secret_env)

    def verify_token(self) -> str:
        """Answers Meta's subscription handshake."""
        return _secret(self.verify_token_env)

    def page_token(self) -> str:
        """Authenticates sends through the Graph API."""
        return _secret(self.page_token_env)

    def require_secrets(self) -> None:
        """Raise MissingSecret now, at start, rather than on the first shopper's message."""
        self.app_secret()
        self.verify_token()
        self.page_token()


class TypingDelay(_Strict):
    """How long the widget shows "typing" before each bubble of a reply, in milliseconds.

    The widget's own default waits 30 ms a character, at least 0.8 s and up to 3 s, for every
    bubble in turn: a three-bubble tracking answer the server sent in a tenth of a second took
    up to nine seconds to read. A short pause still reads as a reply being written.
    """

    # Strict: a typo such as `8.7` or `yes` fails at start instead of becoming 8 or 1.
    per_char_ms: StrictInt = 8
    min_ms: StrictInt = 300
    max_ms: StrictInt = 1000

    @root_validator(skip_on_failure=True)
    def _within_bounds(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805 - pydantic
        for name, most in (("per_char_ms", 100), ("min_ms", 5000), ("max_ms", 10000)):
            if not 0 <= values[name] <= most:
                raise ValueError(f"{name} must be 0 to {most}")
        if values["min_ms"] > values["max_ms"]:
            raise ValueError("min_ms is above max_ms")
        return values


class WebChatChannel(_Strict):
    path: str
    title: str = "Help"
    typing_delay: TypingDelay = Field(default_factory=TypingDelay)

    _path = validator("path", allow_reuse=True)(_check_path)


# The commerce backend every merchant shares unless its entry names its own variables, and
# the local defaults of those variables (the backend's own, for development only).
COMMERCE_URL_ENV = "COMMERCE_API_URL"
COMMERCE_TOKEN_ENV = "COMMERCE_API_TOKEN"
DEFAULT_COMMERCE_URL = "http://127.0.0.1:8060"
DEFAULT_COMMERCE_TOKEN = "dev-commerce-token"


class Tenant(_Strict):
    name: str
    policy: str
    # The merchant's FAQ file (guardrails/knowledge/faq.py); None: the process-wide FAQ_FILE.
    faq: str | None = None
    commerce_api_url_env: str | None = None
    commerce_api_token_env: str | None = None
    sms: SmsChannel | None = None
    messenger: MessengerChannel | None = None
    webchat: WebChatChannel | None = None

    def commerce_env(self) -> tuple[str, str]:
        """The variables that hold this merchant's backend URL and token: its own, else shared."""
        if self.commerce_api_url_env:
            return self.commerce_api_url_env, self.commerce_api_token_env or COMMERCE_TOKEN_ENV
        return COMMERCE_URL_ENV, COMMERCE_TOKEN_ENV

    @validator("policy")
    def _policy_exists(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if not (ROOT / value).is_file():
            raise ValueError(f"policy file {value} does not exist")
        return value

    @validator("faq")
    def _faq_exists(cls, value: str | None) -> str | None:  # noqa: N805 - pydantic validator
        if value is not None and not (ROOT / value).is_file():
            raise ValueError(f"FAQ file {value} does not exist")
        return value

    def policy_path(self) -> str:
        return str(ROOT / self.policy)

    def faq_path(self) -> str | None:
        return str(ROOT / self.faq) if self.faq is not None else None


class Limits(_Strict):
    messages_per_minute: int = Field(ge=1, le=10_000)
    burst: int = Field(ge=1, le=1_000)
    max_body_bytes: int = Field(ge=1_024, le=10_485_760)
    sms_part_chars: int = Field(ge=70, le=1_600)


class SmsTexts(_Strict):
    stop: str
    start: str
    help: str

    @validator("stop", "start", "help")
    def _fits_one_sms(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if len(value.format(merchant="x" * 30)) > 160:
            raise ValueError("a keyword reply must fit one SMS with a 30-character name")
        return value


class Registry(_Strict):
    tenants: dict[str, Tenant]
    limits: Limits
    sms_texts: SmsTexts

    @validator("tenants")
    def _names(cls, value: dict[str, Tenant]) -> dict[str, Tenant]:  # noqa: N805
        if not value:
            raise ValueError("at least one tenant is needed")
        for name in value:
            _check_path(name)
        return value

    @root_validator(skip_on_failure=True)
    def _unique_paths(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        for kind in ("sms", "messenger", "webchat"):
            paths = [getattr(t, kind).path for t in values["tenants"].values() if getattr(t, kind)]
            if len(paths) != len(set(paths)):
                raise ValueError(f"two tenants share a {kind} webhook path")
        return values

    def secret_env_names(self) -> list[str]:
        """Every env var holding a channel secret, for the production start check."""
        names: list[str] = []
        for tenant in self.tenants.values():
            if tenant.sms is not None:
                names.append(tenant.sms.auth_token_env)
            if tenant.messenger is not None:
                names += [tenant.messenger.app_secret_env, tenant.messenger.verify_token_env]
                names.append(tenant.messenger.page_token_env)
        return names

    def by_path(self, kind: str, path: str) -> tuple[str, Tenant] | None:
        """The tenant whose ``kind`` channel listens on ``path``, if any."""
        for name, tenant in self.tenants.items():
            channel = getattr(tenant, kind)
            if channel is not None and channel.path == path:
                return name, tenant
        return None


def parse_registry(path: Path) -> Registry:
    """Read and validate a tenants file; raises on any problem."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: a tenants file must be a mapping")
    return Registry.parse_obj(raw)


@cache
def load_registry(path: str | None = None) -> Registry:
    """The registry named by ``AFTERCARE_TENANTS`` (default: ``channels/tenants.yml``)."""
    return parse_registry(Path(path or os.environ.get("AFTERCARE_TENANTS") or DEFAULT_TENANTS_PATH))


def known_tenant(name: object) -> str | None:
    """``name`` when it is a configured tenant, else None (the caller then means the demo)."""
    if isinstance(name, str) and name in load_registry().tenants:
        return name
    return None
