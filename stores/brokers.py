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
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from guardrails.pii import get_scrubber
from guardrails.pii.events import EventProtector

NO_BROKER = {"", "none", "null", "off"}
_PROTECTOR = "aftercare_protector"
DEFAULT_EVENT_FILE = "var/events.log"


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
        broker = await EventBroker.create(config, event_loop)
        if broker is None:
            raise ValueError(f"event broker {backend!r} could not be created; see the log")
        scrub_published_events(broker)
        return broker

    def publish(self, event: dict[str, Any]) -> None:  # pragma: no cover - never instantiated
        raise NotImplementedError
