"""Hashing of passwords, admin PINs and API tokens; no secret is stored in clear."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

# PINs are 4-8 digits: no hash makes 10^4 guesses slow, so the lock-out after
# wrong PINs protects them; the hash only keeps a database dump from showing them.
_PIN_METHOD = "pbkdf2:sha256:20000"


def hash_password(password: str) -> str:
    """A salted scrypt hash of an agent's password."""
    return generate_password_hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash (False when none is stored)."""
    return bool(stored) and check_password_hash(stored or "", password)


def hash_pin(pin: str) -> str:
    """A salted hash of an admin PIN."""
    return generate_password_hash(pin, method=_PIN_METHOD)


def check_pin(stored: str | None, pin: str) -> bool:
    """Whether `pin` matches the stored hash."""
    return bool(stored) and check_password_hash(stored or "", pin)


def new_token() -> str:
    """A fresh random API token, shown once and never stored in clear."""
    return "hl_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 of a token: tokens are long and random, so no salt or stretching is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_hash(a: str, b: str) -> bool:
    """Constant-time comparison of two hashes."""
    return hmac.compare_digest(a.encode(), b.encode())
