"""The JSON of the Rasa server's calls to the action server, written by ujson.

Every custom action is an HTTP call whose body holds the whole conversation's session
(``RemoteAction._action_call_format``), and Rasa hands it to aiohttp as ``json=``, which writes
it with the standard library's ``json.dumps``. At 200 turns of small talk that body is 460 KB
and took 4.9 ms to write, a cost that grows with every turn of the conversation and is paid at
each custom action (docs/performance.md, twelfth step). ujson, which Rasa and Sanic already
depend on, writes the same JSON values in 1.9 ms.

:func:`install_ujson_request_bodies` makes ``EndpointConfig.request`` (every call Rasa makes to
a configured endpoint: the action server, an NLG server) send a ``json=`` body written by
:func:`encode`, with the same ``Content-Type: application/json``. Only the spacing differs: the
action server reads the same values. A value ujson refuses goes to ``json.dumps``, so a body
the standard library cannot write fails with the same error as before.

:func:`install_event_fragments` makes the body's events the JSON of each event, written once
per event object and joined at each call (docs/performance.md, twenty-ninth step). Every load
of a conversation shares the session cache's events (``stores/sessions.py``), so writing them
all again at each call was the part of a custom action's turn that still grew with the
conversation: 2.5 ms at 1,000 events on the Rasa server's side. An event's JSON is written
again when what Rasa may change in an event after the fact has changed: its entities (a user
message's ``EntitiesAdded``) or its metadata (replaced, never changed in place, when a tracker
stamps a model id on it). An event ujson cannot write sends the call as Rasa builds it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import ujson

from nlu_components.patching import installs

if TYPE_CHECKING:
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

JSON = "application/json"
_FRAGMENT = "_aftercare_json"  # an event's attribute: (metadata, entity counts, its JSON)


class RawJSON:
    """JSON text that ujson writes as it is (its ``__json__`` hook)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __json__(self) -> str:
        return self.text


def _as_values(value: Any) -> Any:
    """For ``json.dumps``: the values a :class:`RawJSON` holds."""
    if isinstance(value, RawJSON):
        return json.loads(value.text)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def encode(value: Any) -> bytes:
    """``value`` as JSON, UTF-8: the values ``json.dumps`` writes, written by ujson."""
    try:
        text = ujson.dumps(value, escape_forward_slashes=False)
    except (TypeError, OverflowError, ValueError):
        # the standard library's own result, or its own error
        text = json.dumps(value, default=_as_values)
    return text.encode("utf-8")


def event_json(event: Event) -> str:
    """``event.as_dict()`` as JSON, kept on the event while its entities and metadata stay.

    Raises:
        TypeError, OverflowError, ValueError: ujson cannot write the event.
    """
    fields = event.__dict__
    entities = fields.get("entities")  # a user message's, or an EntitiesAdded's
    counts = None
    if entities is not None:
        parse_data = fields.get("parse_data")
        parsed = parse_data.get("entities") if isinstance(parse_data, dict) else None
        counts = (len(entities), len(parsed or ()))
    kept = fields.get(_FRAGMENT)
    if kept is not None and kept[0] is fields.get("metadata") and kept[1] == counts:
        written: str = kept[2]
        return written
    text = ujson.dumps(event.as_dict(), escape_forward_slashes=False)
    fields[_FRAGMENT] = (fields.get("metadata"), counts, text)
    return text


def action_call(
    action: RemoteAction, tracker: DialogueStateTracker, domain: Domain
) -> dict[str, Any] | None:
    """Rasa's ``RemoteAction._action_call_format``, its events as :class:`RawJSON`.

    None when an event cannot be written by ujson: the caller builds Rasa's own.
    """
    import rasa
    from rasa.shared.core.trackers import EventVerbosity

    try:
        events = ",".join(map(event_json, tracker.events))
    except (TypeError, OverflowError, ValueError):
        return None
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = RawJSON(f"[{events}]")
    result: dict[str, Any] = {
        "next_action": action.name(),
        "sender_id": tracker.sender_id,
        "tracker": state,
        "version": rasa.__version__,
    }
    if not action._is_selective_domain_enabled() or (
        domain.does_custom_action_explicitly_need_domain(action.name())
    ):
        result["domain"] = domain.as_dict()
    return result


@installs("rasa.core.actions.action:RemoteAction._action_call_format")
def install_event_fragments() -> None:
    """Make custom actions' bodies write each event's JSON once (idempotent).

    The bodies are written by :func:`encode` only: install :func:`install_ujson_request_bodies`
    too.
    """
    from rasa.core.actions.action import RemoteAction

    rasa_format = RemoteAction._action_call_format

    def call_format(
        self: RemoteAction, tracker: DialogueStateTracker, domain: Domain
    ) -> dict[str, Any]:
        return action_call(self, tracker, domain) or rasa_format(self, tracker, domain)

    RemoteAction._action_call_format = call_format


@installs("rasa.utils.endpoints:EndpointConfig.request")
def install_ujson_request_bodies() -> None:
    """Make Rasa's endpoint requests write their JSON bodies with ujson (idempotent)."""
    from rasa.utils.endpoints import EndpointConfig

    rasa_request = EndpointConfig.request

    async def request(
        self: EndpointConfig,
        method: str = "post",
        subpath: str | None = None,
        content_type: str | None = JSON,
        compress: bool = False,
        **kwargs: Any,
    ) -> Any:
        # Rasa sets the Content-Type header from content_type; aiohttp keeps it for bytes.
        if content_type == JSON and kwargs.get("json") is not None and "data" not in kwargs:
            kwargs["data"] = encode(kwargs.pop("json"))
        return await rasa_request(self, method, subpath, content_type, compress, **kwargs)

    EndpointConfig.request = request
