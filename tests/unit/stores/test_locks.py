"""The lock store reads endpoints.yml's strings as the numbers and flags Redis needs.

How the Redis lock behaves (order, leases, restarts) is tested against a real Redis in
tests/integration/stores/test_locks.py; nothing here connects.
"""

from __future__ import annotations

import pytest
from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.utils import number_of_sanic_workers
from rasa.utils.endpoints import EndpointConfig

from stores.local_locks import LocalLockStore
from stores.locks import LeaseRedisLockStore, SelectableLockStore


def endpoint(**settings: str) -> EndpointConfig:
    url = settings.pop("url", "127.0.0.1")
    return EndpointConfig(url=url, type="stores.locks.SelectableLockStore", **settings)


def test_in_memory_backend_builds_the_local_store_that_rasa_counts_as_in_memory() -> None:
    store = LockStore.create(endpoint(backend="in_memory"))
    assert isinstance(store, LocalLockStore)
    assert isinstance(store, InMemoryLockStore)  # so Rasa refuses it for several workers


def test_redis_backend_with_string_settings_builds_a_typed_redis_store() -> None:
    store = SelectableLockStore(
        endpoint(backend="redis", port="6380", db="3", use_ssl="false", password="", key_prefix="")
    )
    assert isinstance(store, LeaseRedisLockStore)
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["port"], kwargs["db"], kwargs["password"]) == (6380, 3, None)
    assert store.key_prefix == "lock:"


async def test_the_asyncio_client_reaches_the_same_redis_with_the_same_secrets() -> None:
    store = SelectableLockStore(
        endpoint(backend="redis", port="6380", db="3", password="s3cret", username="bot")
    )
    assert isinstance(store, LeaseRedisLockStore)
    kwargs = store.async_client().connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("127.0.0.1", 6380, 3)
    assert (kwargs["username"], kwargs["password"]) == ("bot", "s3cret")
    assert store.async_client() is store.async_client()  # one client per event loop


async def test_the_asyncio_client_connects_over_tls_when_asked() -> None:
    store = SelectableLockStore(endpoint(backend="redis", use_ssl="true"))
    assert isinstance(store, LeaseRedisLockStore)
    pool = store.async_client().connection_pool
    assert "SSL" in pool.connection_class.__name__


def test_rasa_counts_the_lease_store_as_safe_for_several_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert number_of_sanic_workers(SelectableLockStore(endpoint(backend="redis"))) == 2
    assert number_of_sanic_workers(SelectableLockStore(endpoint(backend="in_memory"))) == 1


def test_the_lease_store_keys_carry_the_prefix() -> None:
    store = SelectableLockStore(endpoint(backend="redis", key_prefix="shopB"))
    assert isinstance(store, LeaseRedisLockStore)
    assert store.queue_key("shopper-1") == "shopB:lock:queue:shopper-1"
    assert store.lease_key_prefix() == "shopB:lock:lease:"


def test_the_lease_store_has_no_ticket_locks_to_read_or_write() -> None:
    store = SelectableLockStore(endpoint(backend="redis"))
    with pytest.raises(NotImplementedError, match="lock_store.lock"):
        store.get_lock("shopper-1")
    with pytest.raises(NotImplementedError):
        store.save_lock(TicketLock("shopper-1"))
    with pytest.raises(NotImplementedError):
        store.delete_lock("shopper-1")


def test_redis_password_and_key_prefix_reach_the_client() -> None:
    store = SelectableLockStore(
        endpoint(backend="redis", password="s3cret", key_prefix="shopB", use_ssl="no")
    )
    assert isinstance(store, RedisLockStore)
    assert store.red.connection_pool.connection_kwargs["password"] == "s3cret"
    assert store.key_prefix == "shopB:lock:"


def test_use_ssl_true_connects_over_tls() -> None:
    store = SelectableLockStore(endpoint(backend="redis", use_ssl="true"))
    assert isinstance(store, RedisLockStore)
    assert "SSL" in store.red.connection_pool.connection_class.__name__


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"backend": "redis", "url": ""}, "needs LOCK_STORE_URL"),
        ({"backend": "memcached"}, "unknown LOCK_STORE_TYPE"),
        ({"backend": "redis", "use_ssl": "maybe"}, "use_ssl must be true or false"),
        ({"backend": "redis", "port": "six"}, "port must be a whole number"),
        ({"backend": "redis", "key_prefix": "shop-b"}, "letters and digits only"),
    ],
)
def test_a_misconfigured_lock_store_stops_the_start_with_the_reason(
    settings: dict[str, str], reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        SelectableLockStore(endpoint(**settings))
