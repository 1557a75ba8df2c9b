"""Agent logins: scrypt password hashes, session tokens, CSRF tokens.

Passwords are hashed with the standard library's ``hashlib.scrypt`` (memory-hard, salted);
the session cookie holds a random token of which only the SHA-256 is stored, so a copy of the
database does not let anyone log in. Every state-changing request carries the session's CSRF
token in ``X-CSRF-Token`` (the login form in a field matched against a cookie).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_COOKIE = "desk_session"
LOGIN_CSRF_COOKIE = "desk_login_csrf"
CSRF_HEADER = "X-CSRF-Token"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` for a new random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of a password against a stored hash; False for any malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            password.encode("utf-8"), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate, _unb64(digest))


def new_token() -> str:
    """A fresh unguessable token (session, CSRF, shopper poll)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored for a token: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_token(supplied: str | None, expected: str) -> bool:
    """Constant-time comparison that treats a missing token as wrong."""
    return bool(supplied) and hmac.compare_digest(str(supplied).encode(), expected.encode())
