"""``python -m guardrails.launch MODULE [ARGS...]``: run a server with its logs scrubbed.

The stack starts the commerce backend, the action server (``rasa_sdk``) and the Rasa server
through this launcher. It installs the PII log filter (see :mod:`guardrails.logs`) before the
server's own code runs, so every handler the server creates later is filtered, and turns
Rasa's telemetry and error reporting off (see :mod:`guardrails.rasa_defaults`; the virtualenv
does the same for any Python process, this holds even in one set up without it). A Rasa
process at DEBUG keeps its event loop out of asyncio's debug mode (:mod:`guardrails.event_loop`).
Then it runs ``MODULE`` as ``python -m MODULE ARGS...`` would. The backend itself imports nothing
from the assistant.

For the Rasa server (``rasa run``, not ``rasa run actions``) it also installs the reply a
shopper gets while the action server is down (:mod:`guardrails.outage`) and the check of the
action server's answers with a validator built once (:mod:`guardrails.action_results`), the
calls' JSON written by ujson, each event's once (:mod:`guardrails.action_calls`), the route
the agent desk reads a waiting shopper's new messages from (:mod:`stores.shopper_messages`),
applied events, dialogue states and each action's copy of the conversation worked out once per
event (:mod:`nlu_components.applied`, :mod:`nlu_components.history`,
:mod:`nlu_components.copies`), RulePolicy's debug text made only for a debug line that is
logged (:mod:`nlu_components.rule_log`), its rule lookup stopped where no rule reaches back
further (:mod:`nlu_components.rule_keys`), and TED's prediction made only where it could win
(:mod:`nlu_components.ted_on_demand`); once the model is loaded, what it holds is kept out of
Python's full garbage collections (:mod:`webkit.heap`). Every server it starts times its
requests and serves ``/metrics`` (:mod:`webkit.metrics`).
"""

from __future__ import annotations

import logging
import os
import runpy
import sys
from types import ModuleType
from typing import Any

from guardrails import rasa_defaults
from guardrails.action_calls import install_event_fragments, install_ujson_request_bodies
from guardrails.action_results import install_prebuilt_action_validation
from guardrails.event_loop import install_loop_debug_on_request
from guardrails.logs import install_log_scrubbing, install_structlog_scrubbing
from guardrails.outage import install_action_outage_reply
from webkit.heap import freeze_after
from webkit.metrics import instrument_aiohttp, instrument_sanic

LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


def serves_conversations(module: str, args: list[str]) -> bool:
    """True for the Rasa server: ``rasa run ...`` but not ``rasa run actions ...``."""
    return module == "rasa" and args[:1] == ["run"] and args[1:2] != ["actions"]


def serves_actions(module: str, args: list[str]) -> bool:
    """True for the action server: ``rasa_sdk ...``, or ``rasa run actions ...`` as designers
    start it.

    The stack starts ``rasa_sdk`` itself, which is what ``rasa run actions`` hands over to:
    Rasa's command line would first import Rasa (its tracker stores, SQLAlchemy, its other
    commands) into a server that uses none of it: about 0.7 s of CPU at every start and
    restart, and 45 MB held for the server's life (docs/performance.md, thirtieth step).
    """
    return module == "rasa_sdk" or (module == "rasa" and args[:2] == ["run", "actions"])


def record_guardrail_decisions() -> None:
    """Let the guardrails' own records through at the server's log level (INFO by default).

    Rasa sets the level of its own ``rasa`` logger only; the root stays at WARNING, which
    would silently drop every rail decision and rewording outcome (one JSON line each, no text).
    """
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.getLogger("guardrails").setLevel(level if level in LEVELS else "INFO")


def instrument(module: str, args: list[str]) -> None:
    """Time every request of the server ``module`` runs and give it ``/metrics``.

    The Rasa and action servers are Sanic apps that Rasa and rasa_sdk build; the backend, the
    desk and the proactive service are aiohttp apps handed to ``web.run_app``. Each is
    instrumented where it is built, so no server's own code repeats it.
    """
    if serves_actions(module, args):
        import rasa_sdk.endpoint

        _instrument_built_app(rasa_sdk.endpoint, "create_app", "actions")
    elif serves_conversations(module, args):
        import rasa.core.run

        _instrument_built_app(rasa.core.run, "configure_app", "rasa")
    elif module != "rasa":
        from aiohttp import web

        run_app = web.run_app

        def run_instrumented(app: Any, *a: Any, **k: Any) -> Any:
            instrument_aiohttp(app, module)
            return run_app(app, *a, **k)

        web.run_app = run_instrumented


def _instrument_built_app(owner: ModuleType, factory: str, server: str) -> None:
    """Make ``owner.factory`` return its Sanic app instrumented."""
    build = getattr(owner, factory)

    def build_instrumented(*args: Any, **kwargs: Any) -> Any:
        app = build(*args, **kwargs)
        instrument_sanic(app, server)
        return app

    setattr(owner, factory, build_instrumented)


def freeze_after_loading_actions() -> None:
    """Keep what the action server holds once its actions are loaded out of full collections.

    As in the Rasa server (:mod:`webkit.heap`): every action call parses the whole session
    (600 KB at 260 turns), whose objects trigger collections, and a full one walked the
    action server's heap in the middle of a shopper's turn, about once every 200 turns of one
    conversation (docs/performance.md, twelfth step).
    """
    import rasa_sdk.endpoint

    rasa_sdk.endpoint.create_app = freeze_after(rasa_sdk.endpoint.create_app)


def main(argv: list[str]) -> None:
    """Install log scrubbing, then hand the process to ``argv[0]`` as its ``__main__``."""
    if not argv:
        raise SystemExit("usage: python -m guardrails.launch MODULE [ARGS...]")
    rasa_defaults.apply()
    install_log_scrubbing()
    record_guardrail_decisions()
    module, *args = argv
    if module == "rasa":
        install_structlog_scrubbing()
        import rasa.utils.io

        install_loop_debug_on_request(rasa.utils.io)
    if serves_conversations(module, args):
        install_action_outage_reply()
        install_prebuilt_action_validation()
        install_ujson_request_bodies()
        install_event_fragments()
        # imported here: Rasa's server module, which only this server needs
        from stores.shopper_messages import install_shopper_messages_route

        install_shopper_messages_route()
        # imported here: it loads Rasa's domain module (165 ms), which only this server needs
        from nlu_components.applied import install_incremental_applied_events
        from nlu_components.copies import install_incremental_copies
        from nlu_components.graph_runner import install_sequential_graph_runner
        from nlu_components.history import install_incremental_states
        from nlu_components.rule_keys import install_bounded_rule_walk
        from nlu_components.rule_log import install_lazy_rule_text
        from nlu_components.ted_on_demand import install_ted_on_demand

        install_incremental_applied_events()
        install_incremental_states()
        install_incremental_copies()
        install_lazy_rule_text()
        install_bounded_rule_walk()
        install_ted_on_demand()  # before the model loads: its graph keeps the methods it finds
        install_sequential_graph_runner()  # before the model loads too
        from rasa.core.agent import Agent

        Agent.load_model = freeze_after(Agent.load_model)  # each model, then its heap frozen
    elif serves_actions(module, args):
        freeze_after_loading_actions()
    instrument(module, args)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
