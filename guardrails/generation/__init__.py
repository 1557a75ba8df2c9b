"""Optional generative replies: the switch, the model client, rephrasing and grounded answers.

Off by default (``AFTERCARE_GENERATION=off``): every reply is then the domain's template, byte
for byte. Everything a model writes passes the rails in :mod:`guardrails.rails` first, and a
template or an extract always stands behind it.
"""
