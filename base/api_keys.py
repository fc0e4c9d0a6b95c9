"""API keys as admins manage them, from the pages and the `apikey` command: issuing one and revoking.

Authentication reads a key's row on every call (base/auth.py), so a revoked key is refused from the
next request on, with no cache to forget."""

from __future__ import annotations

from django.utils import timezone

from .models import ApiKey


def do_create_api_key(*, name: str, role: str) -> tuple[ApiKey, str]:
    """The new key and its secret, which is returned this once and stored only as a hash."""
    return ApiKey.issue(name=name, role=role)


def do_revoke_api_key(*, key_id: int | None = None, prefix: str | None = None) -> int:
    """Revoke the active key with this id, or the active keys whose secret starts with this prefix; how many."""
    if (key_id is None) == (prefix is None):
        raise ValueError("revoke by key_id or by prefix, one of the two")
    keys = ApiKey.objects.filter(revoked_at__isnull=True)
    keys = keys.filter(pk=key_id) if key_id is not None else keys.filter(prefix=prefix)
    return keys.update(revoked_at=timezone.now())
