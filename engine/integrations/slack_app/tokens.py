"""Bot tokens encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`).

`SLACK_TOKEN_KEYS` lists Fernet keys, the first encrypting and all decrypting (MultiFernet), so a
key is rotated by putting a new one first and running nothing else: tokens are re-encrypted on the
next install. Without it, one key is derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    keys = list(settings.SLACK_TOKEN_KEYS)
    if not keys:
        # A key of its own purpose, not SECRET_KEY itself: the same secret never keys two algorithms.
        digest = hashlib.sha256(f"plaudit-slack-token-key:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def encrypt(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


def decrypt(stored: str) -> str | None:
    """The token, or None when no configured key opens it (the keys changed: the app is reinstalled)."""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except (InvalidToken, ValueError):
        return None
