"""The lock store reads endpoints.yml's strings as the numbers and flags Redis needs."""

from __future__ import annotations

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from stores.locks import SelectableLockStore


def endpoint(**settings: str) -> EndpointConfig:
    url = settings.pop("url", "127.0.0.1")
    return EndpointConfig(url=url, type="stores.locks.SelectableLockStore", **settings)


def test_in_memory_backend_builds_rasas_in_memory_store() -> None:
    store = LockStore.create(endpoint(backend="in_memory"))
    assert isinstance(store, InMemoryLockStore)


def test_redis_backend_with_string_settings_builds_a_typed_redis_store() -> None:
    store = SelectableLockStore(
        endpoint(backend="redis", port="6380", db="3", use_ssl="false", password="", key_prefix="")
    )
    assert isinstance(store, RedisLockStore)
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["port"], kwargs["db"], kwargs["password"]) == (6380, 3, None)
    assert store.key_prefix == "lock:"


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
