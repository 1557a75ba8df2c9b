"""Lock store chosen by an environment variable, with Redis's password, TLS and key prefix typed.

Several Rasa instances behind a load balancer must not handle two messages of one conversation
at once: each message waits for the conversation's lock. The settings come from
``endpoints.yml``, where every value is an environment variable and so a string: ``use_ssl:
false`` would arrive as the true-looking ``"false"``, a port as ``"6379"``, an empty password as
``""``. ``SelectableLockStore`` reads them as what they are and builds, from ``backend``, Rasa's
``LocalLockStore`` (one instance only, ``stores/local_locks.py``) or ``LeaseRedisLockStore`` (any
number).

Why not Rasa's own ``RedisLockStore``: its lock is one JSON blob of tickets per conversation that
every instance reads, changes and writes back (two instances can overwrite each other's ticket,
rasa issue #9213), and a ticket of an instance that died is honoured until it expires after
``TICKET_LOCK_LIFETIME`` (60 s). After a ``kill -9`` the conversation's next messages waited 61 s
on the other instance and turns timed out at 30 s (``make bench-failover``). Its Redis calls
are synchronous too, so every lock operation, and a retry's sleep, stopped Rasa's event loop.

``LeaseRedisLockStore`` keeps a queue per conversation in Redis instead, with commands Redis
runs atomically, and a short lease per place in the queue that only a live process renews: a
dead holder costs the next message at most ``LEASE_S`` (its class docstring has the protocol).
It talks to Redis with ``redis.asyncio``, so waiting never blocks the event loop.

A key prefix lets two deployments share one Redis without sharing locks (Rasa accepts letters
and digits only). A lost connection is retried with a growing pause for about five seconds
(``PAUSES_S``), so a Redis restart delays turns instead of dropping them: without it, a turn that
met the restart got no answer at all (``make bench-failover``). Our Redis keeps no data across a
restart, so a restart also empties every queue: whoever asks next is served at once. Two
instances can then serve one conversation together, but only if a second message of it arrives,
or was already waiting, while the first is being served across the restart; a shopper's client
waits for each reply before it sends the next message, so this is rare, and it lasts one turn.

A misconfiguration stops the server's start instead of falling back to in-memory locks, which
would let two instances interleave one conversation.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Concatenate, NoReturn, ParamSpec, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
    LOCK_LIFETIME,
    LockError,
    LockStore,
    RedisLockStore,
)
from rasa.utils.endpoints import EndpointConfig
from redis import asyncio as redis_asyncio
from redis import exceptions as redis_errors

from stores.local_locks import LocalLockStore

logger = logging.getLogger(__name__)

TRUE = {"1", "true", "yes", "on"}
FALSE = {"", "0", "false", "no", "off"}
FILES = ("ssl_certfile", "ssl_keyfile", "ssl_ca_certs")
# Pauses of 0.1, 0.2, 0.4, 0.8 s, then 1 s: about 5.5 s in all before a turn gives up.
PAUSES_S = (0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0)
# Leaving the queue is tried for a moment only: if Redis stays away, the lease lapses anyway.
LEAVE_PAUSES_S = (0.1, 0.2, 0.4)
# A dead holder blocks its conversation this long at most. Renewed every quarter of it, a lease
# outlives three missed renewals: a Redis blip or an event loop busy for up to 4.5 s.
LEASE_S = 6.0
HEARTBEATS_PER_LEASE = 4
# A queue lives this many leases past its last push or renewal: nothing lingers after a crash.
QUEUE_LEASES = 4
# A waiter looks at the queue again after 50 ms, then 100 ms, then every 200 ms.
FIRST_LOOK_S, LAST_LOOK_S = 0.05, 0.2
UNREACHABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError)
T = TypeVar("T")
P = ParamSpec("P")

# Drops the queue's first token if it is still ARGV[1] and its lease (KEYS[2]) has lapsed: the
# check and the removal must be one step, or a live holder that just renewed could be dropped.
REAP_DEAD_HEAD = """
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] and redis.call('EXISTS', KEYS[2]) == 0 then
    redis.call('LPOP', KEYS[1])
    return 1
end
return 0
"""
TICKETS_UNUSED = (
    "LeaseRedisLockStore keeps no ticket locks: its lock is a queue of leased tokens in Redis. "
    "Use `async with lock_store.lock(conversation_id):`."
)


async def retried(call: Callable[[], Awaitable[T]], pauses_s: Sequence[float] = PAUSES_S) -> T:
    """``await call()``, again after each pause while Redis cannot be reached; the last error stays.

    redis-py's own retry does not cover a refused connection (it connects before it retries).
    """
    for pause in pauses_s:
        try:
            return await call()
        except UNREACHABLE as exc:
            logger.warning("Redis unreachable (%s); retrying in %.1f s", exc, pause)
            await asyncio.sleep(pause)
    return await call()


def shielded(
    method: Callable[Concatenate[Place, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[Place, P], Coroutine[Any, Any, T]]:
    """Run a ``Place``'s Redis calls to their end even if the caller is cancelled meanwhile.

    The caller is still cancelled at once. Cancelling redis-py 4.6 inside a command is unsafe:
    a cancellation that meets its zero-timeout connection check is swallowed (seen: a stopped
    heartbeat renewed its lease for ever), and a command cut short leaves its connection in
    doubt. ``Place.pending`` lets leaving wait for what is still on its way to Redis.
    """

    @functools.wraps(method)
    async def run(place: Place, *args: P.args, **kwargs: P.kwargs) -> T:
        task = asyncio.create_task(method(place, *args, **kwargs))
        place.pending.add(task)
        task.add_done_callback(place.settled)
        return await asyncio.shield(task)

    return run


@dataclass
class Place:
    """One message's place in its conversation's queue: a token and the token's lease.

    The queue is a Redis list of tokens, first come first served; the lease is a key per token
    that expires unless its process renews it, so a dead process's token can be told apart.
    """

    client: Any  # redis.asyncio.Redis, bound to the running event loop
    reap: Any  # the registered REAP_DEAD_HEAD script
    queue: str
    lease_key_prefix: str
    lease_ms: int
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    joined: bool = False
    leaving: bool = False
    pending: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def lease(self) -> str:
        return self.lease_key_prefix + self.token

    def settled(self, task: asyncio.Task[Any]) -> None:
        """A Redis call ended; its error, if any, went to its caller unless it was cancelled."""
        self.pending.discard(task)
        if not task.cancelled():
            task.exception()  # marks it seen: a cancelled caller no longer wants it

    @shielded
    async def join(self) -> bool:
        """Push the token with a fresh lease; True if it is first in line (the queue was empty).

        Pushing twice (a retry after a lost reply) is harmless: leaving removes every copy.
        """
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.rpush(self.queue, self.token)
            pipe.set(self.lease, 1, px=self.lease_ms)
            pipe.pexpire(self.queue, self.lease_ms * QUEUE_LEASES)
            length, _, _ = await pipe.execute()
        self.joined = True
        return bool(length == 1)

    @shielded
    async def look(self) -> tuple[str | None, bool]:
        """The queue's first token, and whether this token is still in the queue (one snapshot)."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.lindex(self.queue, 0)
            pipe.lpos(self.queue, self.token)
            head, position = await pipe.execute()
        return head, position is not None

    @shielded
    async def reap_if_dead(self, head: str) -> bool:
        """Drop ``head`` from the queue if its lease lapsed (its process died); True if dropped."""
        dropped = await self.reap(keys=[self.queue, self.lease_key_prefix + head], args=[head])
        return bool(dropped)

    @shielded
    async def renew(self) -> None:
        """Extend the lease and the queue's life; a lapsed lease is set again, with a warning."""
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.pexpire(self.lease, self.lease_ms)
            pipe.pexpire(self.queue, self.lease_ms * QUEUE_LEASES)
            renewed, _ = await pipe.execute()
        if not renewed and not self.leaving:
            logger.warning(
                "Lock lease %s had lapsed (Redis restarted, or this process stalled for over "
                "%.1f s); setting it again",
                self.token,
                self.lease_ms / 1000,
            )
            await self.client.set(self.lease, 1, px=self.lease_ms)

    @shielded
    async def leave(self) -> None:
        """Remove the token and its lease, whether first in line or still waiting.

        Both may be gone already (Redis restarted, or the lease lapsed and the token was
        dropped): removing nothing is fine.
        """
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.lrem(self.queue, 0, self.token)
            pipe.delete(self.lease)
            await pipe.execute()


class LeaseRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with a first-come queue and leases in place of ticket blobs.

    Protocol, per conversation (``lock()``):

    1. RPUSH a new token (uuid4 hex) on the conversation's list and SET the token's lease key
       with a ``LEASE_S`` expiry; the list's expiry is pushed back on every push and renewal.
    2. The lock is held while the list's first element is the token. A waiter looks every
       50-200 ms; if the token is missing (Redis lost its keys), it pushes it again.
    3. A heartbeat renews the lease (and the list's expiry) every ``LEASE_S / 4`` while the
       message waits or is served.
    4. If the first token's lease has lapsed, a waiter drops it with ``REAP_DEAD_HEAD`` (only
       if it is still first and still without a lease: a Lua script, so one atomic step).
    5. On leaving, served, failed or cancelled, LREM the token and DEL its lease in one MULTI.

    Waiting longer than ``lock_lifetime`` (Rasa passes ``TICKET_LOCK_LIFETIME``, 60 s) raises
    Rasa's ``LockError``, as does Redis staying unreachable for longer than ``PAUSES_S``.
    ``wait_time_in_seconds`` is accepted for Rasa's signature and not used: the 50-200 ms looks
    keep a waiter's extra delay small without a pub/sub connection per waiter.

    A live holder is never overtaken unless its lease lapses: Redis unreachable from it, or its
    event loop stalled, for longer than three heartbeats (4.5 s with ``LEASE_S`` of 6 s).

    Needs Redis 6.0.6 or later (LPOS). Keys: ``<prefix>lock:queue:<conversation>`` and
    ``<prefix>lock:lease:<token>``, not Rasa's ``<prefix>lock:<conversation>``: a list command
    fails (WRONGTYPE) on a key that holds an old ticket blob, and Rasa's blobs never expire.

    The class stays a ``RedisLockStore`` so that Rasa counts it as safe for several workers and
    takes the same settings; the synchronous client Rasa builds (``red``) is kept but not used.
    Its ticket methods (``get_lock``, ``save_lock``, ``delete_lock``) raise
    ``NotImplementedError``: a ticket blob would not be the lock any more, and a caller reading
    one would see a conversation that looks free while it is held.
    """

    def __init__(
        self,
        host: str = "localhost",
        port: int = 6379,
        db: int = 1,
        username: str | None = None,
        password: str | None = None,
        use_ssl: bool = False,
        ssl_certfile: str | None = None,
        ssl_keyfile: str | None = None,
        ssl_ca_certs: str | None = None,
        key_prefix: str | None = None,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
    ) -> None:
        """Rasa's settings; the asyncio client is built on first use, in the running loop."""
        super().__init__(
            host=host,
            port=port,
            db=db,
            username=username,
            password=password,
            use_ssl=use_ssl,
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
            ssl_ca_certs=ssl_ca_certs,
            key_prefix=key_prefix,
            socket_timeout=socket_timeout,
        )
        self.client_settings: dict[str, Any] = {
            "host": host,
            "port": int(port),
            "db": int(db),
            "username": username,
            "password": password,
            "ssl": use_ssl,
            "ssl_certfile": ssl_certfile,
            "ssl_keyfile": ssl_keyfile,
            "ssl_ca_certs": ssl_ca_certs,
            "socket_timeout": socket_timeout,
            "decode_responses": True,
        }
        self._client: Any = None
        self._reap: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def async_client(self) -> Any:
        """The ``redis.asyncio`` client of the running event loop.

        Its connections belong to the loop that opened them, so a new loop (a test, or a
        command that runs its own loop) gets a client of its own.
        """
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._client = redis_asyncio.Redis(**self.client_settings)
            self._reap = self._client.register_script(REAP_DEAD_HEAD)
            self._loop = loop
        return self._client

    def queue_key(self, conversation_id: str) -> str:
        """The Redis list of the conversation's waiting and served tokens."""
        return f"{self.key_prefix}queue:{conversation_id}"

    def lease_key_prefix(self) -> str:
        """The lease of a token is this prefix followed by the token."""
        return f"{self.key_prefix}lease:"

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[None]:
        """Hold the conversation's lock for the ``async with`` block (class docstring).

        Raises ``LockError`` after waiting ``lock_lifetime`` seconds, or if Redis stays away.
        """
        client = self.async_client()
        place = Place(
            client=client,
            reap=self._reap,
            queue=self.queue_key(conversation_id),
            lease_key_prefix=self.lease_key_prefix(),
            lease_ms=max(1, round(LEASE_S * 1000)),
        )
        heartbeat = asyncio.create_task(self._heartbeat(place, LEASE_S / HEARTBEATS_PER_LEASE))
        try:
            await self._acquire(place, conversation_id, lock_lifetime)
            yield None
        finally:
            # Shielded: a second cancellation must not leave the token behind.
            await asyncio.shield(self._leave(place, heartbeat, conversation_id))

    async def _acquire(self, place: Place, conversation_id: str, lock_lifetime: float) -> None:
        """Join the queue and wait to be first, for ``lock_lifetime`` seconds at most."""
        try:
            await asyncio.wait_for(self._wait_first(place, conversation_id), lock_lifetime)
        except asyncio.TimeoutError:
            self._fail(conversation_id, f"waited {lock_lifetime:g} s")
        except UNREACHABLE as exc:
            self._fail(conversation_id, f"Redis unreachable: {exc}", exc)

    @staticmethod
    def _fail(conversation_id: str, reason: str, cause: Exception | None = None) -> NoReturn:
        raise LockError(
            f"Could not acquire lock for conversation_id '{conversation_id}' ({reason})."
        ) from cause

    @staticmethod
    async def _wait_first(place: Place, conversation_id: str) -> None:
        """Return once the token is first in the queue, dropping dead tokens before it."""
        if await retried(place.join):
            return
        pause, last_head = FIRST_LOOK_S, None
        while True:
            head, queued = await retried(place.look)
            if head == place.token:
                return
            if not queued:
                logger.warning("Lock queue of %s lost its token; queueing again", conversation_id)
                if await retried(place.join):
                    return
                continue
            if head is not None and await retried(functools.partial(place.reap_if_dead, head)):
                logger.warning("Dropped a dead process's token from %s's queue", conversation_id)
                continue
            if head != last_head:
                pause, last_head = FIRST_LOOK_S, head
            await asyncio.sleep(pause)
            pause = min(pause * 2, LAST_LOOK_S)

    @staticmethod
    async def _heartbeat(place: Place, every_s: float) -> None:
        """Renew the lease until leaving; a failed renewal is logged and the next one tried."""
        while not place.leaving:
            await asyncio.sleep(every_s)
            if not place.joined or place.leaving:
                continue
            try:
                await place.renew()
            except redis_errors.RedisError as exc:  # the holder goes on: Redis may be back soon
                logger.warning("Could not renew lock lease %s: %s", place.token, exc)

    @staticmethod
    async def _leave(place: Place, heartbeat: asyncio.Task[None], conversation_id: str) -> None:
        """Stop the heartbeat, let calls on their way land, then leave the queue.

        Waiting for them first keeps a push that is still on its way from landing after the
        removal. If Redis is away, the lease lapses instead and a waiter drops the token.
        """
        place.leaving = True
        heartbeat.cancel()
        await asyncio.wait({heartbeat, *place.pending})
        try:
            await retried(place.leave, LEAVE_PAUSES_S)
        except UNREACHABLE as exc:
            logger.warning(
                "Could not leave %s's lock queue (%s); its lease lapses in %.1f s",
                conversation_id,
                exc,
                place.lease_ms / 1000,
            )

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        raise NotImplementedError(TICKETS_UNUSED)

    def delete_lock(self, conversation_id: str) -> None:
        raise NotImplementedError(TICKETS_UNUSED)

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError(TICKETS_UNUSED)


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
    """Builds the lock store of type ``backend``: ``in_memory`` (one process) or ``redis``."""

    def __new__(cls, endpoint_config: EndpointConfig) -> LockStore:
        """Rasa calls the class with the endpoint; the object it gets is the store itself."""
        settings = dict(endpoint_config.kwargs)
        backend = str(settings.pop("backend", "") or "in_memory").strip().lower()
        if backend == "in_memory":
            return LocalLockStore()
        if backend == "redis":
            return LeaseRedisLockStore(**redis_settings(endpoint_config.url, settings))
        raise ValueError(f"unknown LOCK_STORE_TYPE {backend!r}: use in_memory or redis")
