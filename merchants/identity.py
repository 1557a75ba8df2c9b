"""Shopper identity handed over by a channel that already knows who the shopper is.

A logged-in shop signs a short-lived JWT (HS256) naming its customer and passes it in the
message metadata as ``customer_token``. Only a token with a valid signature and expiry is
believed; anything else is ignored and the shopper verifies as usual.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time

import jwt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

# Local development only: production sets AFTERCARE_IDENTITY_SECRET.
DEFAULT_SECRET = "dev-identity-secret-for-local-use-only"
AUDIENCE = "aftercare"


def identity_secret() -> str:
    """The shared secret between the shop and the assistant."""
    return os.environ.get("AFTERCARE_IDENTITY_SECRET", DEFAULT_SECRET)


def sign_customer_token(customer_id: str, secret: str, ttl_s: int = 3600) -> str:
    """Issue a token for ``customer_id`` (what a merchant's site does for a logged-in shopper)."""
    now = int(time.time())
    return jwt.encode(
        {"sub": customer_id, "aud": AUDIENCE, "iat": now, "exp": now + ttl_s},
        secret,
        algorithm="HS256",
    )


def customer_from_token(token: object, secret: str) -> str | None:
    """The customer id in a valid token, or None for a missing, forged or expired one."""
    if not isinstance(token, str) or not token:
        return None
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], audience=AUDIENCE)
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) and subject else None


# What a channel vouches for (tenant, the SMS sender's phone) is signed with a secret only the
# Rasa server and the action server hold, never the shop: a shop that signs customer tokens
# must not be able to claim someone else's phone number.
DEFAULT_CHANNEL_SECRET = "dev-channel-secret-for-local-use-only"
CHANNEL_AUDIENCE = "aftercare-channel"


def channel_secret() -> str:
    """The secret between Aftercare's channels and its action server."""
    return os.environ.get("AFTERCARE_CHANNEL_SECRET", DEFAULT_CHANNEL_SECRET)


def sign_channel_token(claims: dict[str, str], secret: str, ttl_s: int = 600) -> str:
    """Sign what a channel verified about a message (``tenant``, ``phone``) for the actions."""
    now = int(time.time())
    return jwt.encode(
        {**claims, "aud": CHANNEL_AUDIENCE, "iat": now, "exp": now + ttl_s},
        secret,
        algorithm="HS256",
    )


def channel_claims(token: object, secret: str) -> dict[str, str]:
    """The string claims of a valid channel token; {} for a missing, forged or expired one."""
    if not isinstance(token, str) or not token:
        return {}
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], audience=CHANNEL_AUDIENCE)
    except jwt.PyJWTError:
        return {}
    return {k: v for k, v in claims.items() if k in ("tenant", "phone") and isinstance(v, str)}


def _siv(secret: str) -> AESSIV:
    # AES-SIV wants a 64-byte key; SHA-512 of the secret, domain-separated, gives one.
    return AESSIV(hashlib.sha512(b"aftercare-seal:" + secret.encode()).digest())


def seal(value: str, context: str, secret: str) -> str:
    """Encrypt ``value`` deterministically, so it can key a conversation without being readable.

    Used for SMS phone numbers: the same number always seals to the same text (one conversation,
    one consent record), nothing at rest shows the number, and only a holder of the channel
    secret can open it to send a reply. ``context`` (the tenant) is authenticated with it, so a
    sealed number cannot be replayed under another merchant.
    """
    sealed = _siv(secret).encrypt(value.encode(), [context.encode()])
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def unseal(sealed: str, context: str, secret: str) -> str | None:
    """The value :func:`seal` sealed, or None when it was not sealed with this secret/context."""
    try:
        raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
        return _siv(secret).decrypt(raw, [context.encode()]).decode()
    except (InvalidTag, ValueError):
        return None
