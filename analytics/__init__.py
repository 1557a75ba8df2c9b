"""Per-tenant analytics built from the event stream (docs/analytics.md defines every figure).

The stream (RabbitMQ, or the ``file`` and ``sql`` brokers of the embedded default) carries
scrubbed Rasa events. :mod:`analytics.consumer` reads it, :func:`analytics.ingest.ingest`
keeps one fact per event (names, numbers and flags: never a text) and rebuilds the derived
tables of every conversation it touched, and :mod:`analytics.figures` computes the figures
from those tables. Replaying the stream rebuilds the same tables. Purchases are not in the
stream: :mod:`analytics.purchases` fetches the clicks a purchase followed from each tenant's
commerce backend over HTTP, for the recommendation funnel's ``bought``.
"""
