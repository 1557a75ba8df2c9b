"""Event broker chosen by an environment variable, including "none".

Rasa picks a broker from ``endpoints.yml`` but has no way to say "no broker" there once the
section exists. This broker reads ``backend`` (``none``, ``pika``, ``kafka``, ``sql`` or
``file``) and builds Rasa's own broker of that type with the settings that backend takes, or no
broker at all, so the embedded default and production share one ``endpoints.yml``.

A misconfiguration fails the server's start: an unknown backend or a missing URL raises
instead of quietly running without a broker (Rasa's own loader only warns).

Every event is scrubbed before it is published (:meth:`EventProtector.for_stream`): consumers
of the stream (analytics, RabbitMQ, the ``file`` and ``sql`` brokers) never see a personal
value, and never need the tracker key.

RabbitMQ (``pika``) gets :class:`ConfirmingPikaEventBroker`: the tracker store then writes the
stream into an outbox in the same transaction as the conversation and a relay publishes it
with the broker's confirmation (``stores/outbox.py``), instead of Rasa's fire-and-forget
publish from memory. The ``file`` and ``sql`` brokers write locally: the tracker store hands
them each event once it is stored. ``kafka`` is handled the same way (no Kafka runs here to
prove an outbox against).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import aio_pika
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.pika import PikaEventBroker
from rasa.utils.endpoints import EndpointConfig

from guardrails.pii import get_scrubber
from guardrails.pii.events import EventProtector

NO_BROKER = {"", "none", "null", "off"}
_PROTECTOR = "aftercare_protector"
DEFAULT_EVENT_FILE = "var/events.log"
# How long a batch may wait for RabbitMQ's confirmation before the relay tries again (seconds).
CONFIRM_TIMEOUT_S = 10.0


def _present(settings: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The given settings that have a non-empty value."""
    return {k: settings[k] for k in keys if settings.get(k) not in (None, "")}


def broker_config(backend: str, url: str | None, settings: dict[str, Any]) -> EndpointConfig:
    """Rasa's endpoint config for ``backend``, with only the keys that backend accepts."""
    if backend == "pika":
        if not url:
            raise ValueError("EVENT_BROKER=pika needs EVENT_BROKER_URL (the RabbitMQ host)")
        kwargs = _present(settings, "username", "password", "port")
        queues = settings.get("queues")
        if isinstance(queues, str):
            kwargs["queues"] = [q.strip() for q in queues.split(",") if q.strip()]
        elif queues:
            kwargs["queues"] = queues
        return EndpointConfig(url=url, type="pika", **kwargs)
    if backend == "kafka":
        if not url:
            raise ValueError("EVENT_BROKER=kafka needs EVENT_BROKER_URL (bootstrap servers)")
        extra = {k: v for k, v in settings.items() if k != "queues" and v not in (None, "")}
        return EndpointConfig(url=url, type="kafka", **extra)
    if backend == "sql":
        if not url:
            raise ValueError("EVENT_BROKER=sql needs EVENT_BROKER_URL (an SQLAlchemy URL)")
        return EndpointConfig(url=url, type="sql")
    if backend == "file":
        return EndpointConfig(type="file", path=url or DEFAULT_EVENT_FILE)
    raise ValueError(f"unknown EVENT_BROKER {backend!r}: use none, pika, kafka, sql or file")


def scrub_published_events(broker: EventBroker) -> None:
    """Make ``broker.publish`` scrub each event first (the broker keeps its own type)."""
    scrubber = get_scrubber()  # built now: a broken PII config stops the server at start
    protector = EventProtector(scrubber, scrubber.config.tracker, fernet=None)
    publish = broker.publish

    def publish_scrubbed(event: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        publish(protector.for_stream(event), *args, **kwargs)

    broker.publish = publish_scrubbed
    setattr(broker, _PROTECTOR, protector)


def protector_of(broker: EventBroker | None) -> EventProtector | None:
    """The protector a broker publishes through (the tracker store tells it the domain)."""
    found = getattr(broker, _PROTECTOR, None)
    return found if isinstance(found, EventProtector) else None


class ConfirmingPikaEventBroker(PikaEventBroker):
    """Rasa's RabbitMQ broker that can also publish a batch and wait until RabbitMQ has it.

    Rasa's ``publish`` returns before the message has left the process; the outbox relay
    deletes a row only once RabbitMQ has confirmed it, so it publishes here instead.
    """

    async def publish_confirmed(self, messages: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Publish ``(message_id, event)`` pairs; return once RabbitMQ confirmed all of them.

        Raises when the connection is down or a confirmation does not come in time: the caller
        keeps the messages and tries again (a consumer can drop repeats by ``message_id``).
        """
        exchange = self._exchange
        if exchange is None or not self.is_ready():
            raise ConnectionError(f"RabbitMQ at {self.host!r} is not connected")
        await asyncio.gather(
            *(
                exchange.publish(self._with_id(event, message_id), "", timeout=CONFIRM_TIMEOUT_S)
                for message_id, event in messages
            )
        )

    def _with_id(self, event: dict[str, Any], message_id: str) -> aio_pika.Message:
        """A persistent message, as Rasa's own, that carries the outbox row's id."""
        return aio_pika.Message(
            json.dumps(event).encode(),
            app_id=self.rasa_environment,
            message_id=message_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )


class SelectableEventBroker(EventBroker):
    """A factory in Rasa's broker slot; it never becomes a broker itself."""

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config_: EndpointConfig,
        event_loop: asyncio.AbstractEventLoop | None = None,
    ) -> EventBroker | None:
        """Build the configured broker, or return None for no broker."""
        settings: dict[str, Any] = dict(broker_config_.kwargs)
        backend = str(settings.pop("backend", "none") or "none").strip().lower()
        if backend in NO_BROKER:
            return None
        config = broker_config(backend, broker_config_.url or None, settings)
        broker: EventBroker | None
        if backend == "pika":
            broker = await ConfirmingPikaEventBroker.from_endpoint_config(config, event_loop)
        else:
            broker = await EventBroker.create(config, event_loop)
        if broker is None:
            raise ValueError(f"event broker {backend!r} could not be created; see the log")
        scrub_published_events(broker)
        return broker

    def publish(self, event: dict[str, Any]) -> None:  # pragma: no cover - never instantiated
        raise NotImplementedError
