"""Settings of the commerce backend, read from the environment and validated once at start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, validator

DEFAULT_DB_URL = "sqlite:///var/commerce.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8060
# Local development only: anyone who reads this repository knows it. Set COMMERCE_API_TOKEN
# to a real secret wherever the service is reachable by anything but your own machine.
DEFAULT_API_TOKEN = "dev-commerce-token"
MERCHANT_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
"""A merchant's key: the tenant's name in `channels/tenants.yml` (the same rule as there)."""


def parse_merchant_policies(raw: str) -> dict[str, str]:
    """`demo=data/policy/demo.yml,outdoor=data/policy/tau-bench.yml` as a mapping.

    Commas separate merchants and the first `=` separates a merchant's key from its policy
    file; blanks around either are ignored, and an empty value means no merchants named.

    Raises:
        ValueError: An entry is not `key=path`, or a key repeats (keys are checked by
            `CommerceConfig`, for text and mappings alike).
    """
    policies: dict[str, str] = {}
    if not raw.strip():
        return policies
    for entry in raw.split(","):
        key, sep, path = (part.strip() for part in entry.partition("="))
        if not sep or not key or not path:
            raise ValueError(f"{entry.strip()!r} is not merchant=path/to/policy.yml")
        if key in policies:
            raise ValueError(f"merchant {key!r} is named twice")
        policies[key] = path
    return policies


class CommerceConfig(BaseModel):
    """Validated settings; a typo or an empty value fails at start instead of at first use.

    Attributes:
        db_url: SQLAlchemy URL of the store. A relative SQLite path is relative to the
            working directory (the repository root when started through make).
        host: Interface to bind.
        port: TCP port to bind.
        api_token: Bearer token every `/api/v1` request must carry.
        max_body_bytes: Largest request body accepted; the API's bodies are tiny, so
            anything bigger is refused with 413 before it is parsed.
        merchant_policy: The merchant's policy file, whose `recommendations` section holds
            the rules for suggestions (None: the defaults of `RecommendationPolicy`). With
            `merchant_policies` it is the policy of requests that name no merchant.
        merchant_policies: Merchant (tenant key) to policy file, for a backend that serves
            several merchants of one store: a request names its merchant and gets that
            merchant's rules. Empty: one merchant, every request gets `merchant_policy`.
        cache_dir: Where computed product embeddings are kept between starts ("" for no
            cache).
    """

    db_url: str = DEFAULT_DB_URL
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    api_token: str = DEFAULT_API_TOKEN
    max_body_bytes: int = 16 * 1024
    merchant_policy: str | None = None
    merchant_policies: dict[str, str] = {}
    cache_dir: str = "var/cache"

    class Config:
        extra = "forbid"
        allow_mutation = False

    @validator("db_url", "host", "api_token")
    def _not_blank(cls, value: str) -> str:  # noqa: N805 - pydantic validators are classmethods
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @validator("port")
    def _valid_port(cls, value: int) -> int:  # noqa: N805
        if not 0 < value < 65536:
            raise ValueError("must be between 1 and 65535")
        return value

    @validator("merchant_policies", pre=True)
    def _merchant_policies(cls, value: object) -> object:  # noqa: N805
        """The env var's `key=path,...` text, or a mapping given in code; files must exist.

        Checked here rather than at first request: a merchant whose rules cannot be read
        would otherwise be refused with 422 for as long as the backend runs.
        """
        policies = parse_merchant_policies(value) if isinstance(value, str) else value
        if not isinstance(policies, Mapping):
            raise ValueError("must be merchant=path pairs separated by commas")
        for key, path in policies.items():
            if not isinstance(key, str) or not MERCHANT_KEY.match(key):
                raise ValueError(f"merchant {key!r} must be lower-case letters, digits and dashes")
            if not isinstance(path, str) or not Path(path).is_file():
                raise ValueError(f"policy file {path!r} of merchant {key!r} does not exist")
        return dict(policies)

    @validator("max_body_bytes")
    def _positive_body_limit(cls, value: int) -> int:  # noqa: N805
        if value < 1024:
            raise ValueError("must be at least 1024 bytes")
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CommerceConfig:
        """Build settings from `COMMERCE_*` environment variables, defaults for unset ones.

        Args:
            environ: Mapping to read instead of `os.environ` (tests pass their own).

        Raises:
            pydantic.ValidationError: A variable is set to an invalid value.
        """
        env = os.environ if environ is None else environ
        names = {
            "db_url": "COMMERCE_DB_URL",
            "host": "COMMERCE_HOST",
            "port": "COMMERCE_PORT",
            "api_token": "COMMERCE_API_TOKEN",
            "max_body_bytes": "COMMERCE_MAX_BODY_BYTES",
            "merchant_policy": "MERCHANT_POLICY",
            "merchant_policies": "MERCHANT_POLICIES",
            "cache_dir": "COMMERCE_CACHE_DIR",
        }
        values: dict[str, Any] = {field: env[name] for field, name in names.items() if name in env}
        return cls(**values)

    @property
    def cache_path(self) -> Path | None:
        """`cache_dir` as a path, or None when caching is switched off."""
        return Path(self.cache_dir) if self.cache_dir.strip() else None

    @property
    def base_url(self) -> str:
        """The URL the service answers on, for logs and for clients started alongside."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
