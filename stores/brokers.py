"""Event broker chosen by an environment variable, including "none".

Rasa picks a broker from ``endpoints.yml`` but has no way to say "no broker" there once the
section exists. This broker reads ``backend`` (``none``, ``pika``, ``kafka``, ``sql`` or
``file``) and builds Rasa's own broker of that type with the remaining settings, or none at
all, so the embedded default and production share one ``endpoints.yml``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

NO_BROKER = {"", "none", "null", "off"}


class SelectableEventBroker(EventBroker):
    """A factory in Rasa's broker slot; it never becomes a broker itself."""

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: asyncio.AbstractEventLoop | None = None,
    ) -> EventBroker | None:
        """Build the configured broker, or return None for no broker."""
        settings: dict[str, Any] = dict(broker_config.kwargs)
        backend = str(settings.pop("backend", "none") or "none").strip().lower()
        if backend in NO_BROKER:
            return None
        if backend == "pika":
            # Rasa's pika broker wants a list of queues; accept a comma-separated string.
            queues = settings.get("queues")
            if isinstance(queues, str):
                settings["queues"] = [q.strip() for q in queues.split(",") if q.strip()]
        config = EndpointConfig(url=broker_config.url or None, type=backend, **settings)
        return await EventBroker.create(config, event_loop)

    def publish(self, event: dict[str, Any]) -> None:  # pragma: no cover - never instantiated
        raise NotImplementedError
