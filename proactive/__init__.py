"""Proactive messages: Aftercare writes first when an order's news would otherwise surprise.

The backend (or a merchant's own order system) posts signed events to a tenant's webhook
(``proactive.webhook``); pure rules decide for each possible message whether it goes now, is
held for quiet hours, or is suppressed (``proactive.rules``); the decision and the outbox row
are committed together (``proactive.store``); a dispatcher claims due rows, opens the
conversation in Rasa with ``trigger_intent`` and sends the bot's words on the shopper's channel
with an idempotency key (``proactive.dispatcher``, ``proactive.senders``).

See docs/proactive.md for the event contract, the policy section and the guarantees.
"""
