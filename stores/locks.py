"""Lock store chosen by an environment variable, with Redis's password, TLS and key prefix typed.

Several Rasa instances behind a load balancer must not handle two messages of one conversation
at once: Rasa's Redis lock store makes them wait for each other on the conversation's lock. Its
settings come from ``endpoints.yml``, where every value is an environment variable and so a
string: ``use_ssl: false`` would arrive as the true-looking ``"false"``, a port as ``"6379"``,
an empty password as ``""``. This class reads them as what they are and builds Rasa's own
``RedisLockStore`` or ``InMemoryLockStore`` (one instance only) from ``backend``.

A key prefix lets two deployments share one Redis without sharing locks (Rasa accepts letters
and digits only). A lost connection is retried with a growing pause for about five seconds
(``PAUSES_S``), so a Redis restart delays turns instead of dropping them: without it, a
turn that met the restart got no answer at all (``make bench-failover``).

A misconfiguration stops the server's start instead of falling back to in-memory locks, which
would let two instances interleave one conversation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis import exceptions as redis_errors  # type: ignore[import-untyped]

logger = logging.getLogger(__name__)

TRUE = {"1", "true", "yes", "on"}
FALSE = {"", "0", "false", "no", "off"}
FILES = ("ssl_certfile", "ssl_keyfile", "ssl_ca_certs")
# Pauses of 0.1, 0.2, 0.4, 0.8 s, then 1 s: about 5.5 s in all before a turn gives up.
PAUSES_S = (0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0)
T = TypeVar("T")


def retried(call: Callable[[], T], pauses_s: Sequence[float] = PAUSES_S) -> T:
    """``call()``, again after each pause while Redis cannot be reached; the last error stays."""
    for pause in pauses_s:
        try:
            return call()
        except (redis_errors.ConnectionError, redis_errors.TimeoutError) as exc:
            logger.warning("Redis unreachable (%s); retrying in %.1f s", exc, pause)
            time.sleep(pause)
    return call()


class RetryingRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store that waits out a short Redis outage (module notes).

    redis-py's own retry does not cover a refused connection (it connects before it retries),
    so the lock store's three Redis calls are retried here.
    """

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return retried(lambda: RedisLockStore.get_lock(self, conversation_id))

    def delete_lock(self, conversation_id: str) -> None:
        retried(lambda: RedisLockStore.delete_lock(self, conversation_id))

    def save_lock(self, lock: TicketLock) -> None:
        retried(lambda: RedisLockStore.save_lock(self, lock))


def flag(name: str, value: Any) -> bool:
    """A boolean setting from its environment string; anything unclear is an error."""
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"lock store: {name} must be true or false, not {value!r}")


def whole_number(name: str, value: Any, default: int) -> int:
    """An integer setting (port, db); empty means the default."""
    if value in (None, ""):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"lock store: {name} must be a whole number, not {value!r}") from None


def redis_settings(host: str | None, settings: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``RedisLockStore`` from the endpoint's string settings."""
    if not host:
        raise ValueError("LOCK_STORE_TYPE=redis needs LOCK_STORE_URL (the Redis host)")
    prefix = str(settings.get("key_prefix") or "").strip()
    if prefix and not prefix.isalnum():
        raise ValueError(f"lock store: key_prefix may hold letters and digits only: {prefix!r}")
    kwargs: dict[str, Any] = {
        "host": host,
        "port": whole_number("port", settings.get("port"), 6379),
        "db": whole_number("db", settings.get("db"), 1),
        "use_ssl": flag("use_ssl", settings.get("use_ssl")),
    }
    for key in ("username", "password", *FILES):
        if settings.get(key) not in (None, ""):
            kwargs[key] = str(settings[key])
    if prefix:
        kwargs["key_prefix"] = prefix
    return kwargs


class SelectableLockStore:
    """Builds Rasa's lock store of type ``backend`` (``in_memory`` or ``redis``)."""

    def __new__(cls, endpoint_config: EndpointConfig) -> LockStore:
        """Rasa calls the class with the endpoint; the object it gets is Rasa's own store."""
        settings = dict(endpoint_config.kwargs)
        backend = str(settings.pop("backend", "") or "in_memory").strip().lower()
        if backend == "in_memory":
            return InMemoryLockStore()
        if backend == "redis":
            return RetryingRedisLockStore(**redis_settings(endpoint_config.url, settings))
        raise ValueError(f"unknown LOCK_STORE_TYPE {backend!r}: use in_memory or redis")
