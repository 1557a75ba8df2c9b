"""Shoppers' rights: export or delete everything stored about one shopper, and retention.

:class:`~guardrails.privacy.service.PrivacyStores` knows every place a conversation comes to
rest (tracker store, the ``sql`` or ``file`` event broker, the servers' log files); the CLI
(``python -m guardrails.privacy``) and the token-protected admin API (:mod:`.api`) call it.
"""
