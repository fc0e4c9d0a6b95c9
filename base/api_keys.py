"""API keys as admins manage them, from the pages and the `apikey` command: issuing one and revoking;
and which key, if any, an Authorization header carries, for the rate limits and idempotency keys.

Authentication reads a key's row on every call (base/auth.py), so a revoked key is refused from the
next request on, with no cache to forget."""

from __future__ import annotations

import base64
import binascii

from django.db import connection
from django.utils import timezone

from .key_scopes import clean_sources
from .models import ApiKey


def do_create_api_key(*, name: str, role: str, sources: list[str] | tuple[str, ...] = ()) -> tuple[ApiKey, str]:
    """The new key and its secret, which is returned this once and stored only as a hash. `sources`
    (integration keys only) are the event id prefixes the key may write, such as `lms:`."""
    return ApiKey.issue(name=name, role=role, sources=clean_sources(role, sources))


def do_revoke_api_key(*, key_id: int | None = None, prefix: str | None = None) -> int:
    """Revoke the active key with this id, or the active keys whose secret starts with this prefix; how many."""
    if (key_id is None) == (prefix is None):
        raise ValueError("revoke by key_id or by prefix, one of the two")
    keys = ApiKey.objects.filter(revoked_at__isnull=True)
    keys = keys.filter(pk=key_id) if key_id is not None else keys.filter(prefix=prefix)
    return keys.update(revoked_at=timezone.now())


def token_of(authorization: str) -> str | None:
    """The key an Authorization header carries, read as the API and the adapters read it: the scheme
    in any case, Bearer's token, or Basic's password (xAPI's LMSs send the key so, with any user name)."""
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return credentials or None
    if scheme.lower() == "basic":
        try:
            password = base64.b64decode(credentials, validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        return password or None
    return None


def active_key_id(authorization: str) -> int | None:
    """The id of the unrevoked key the header carries, else None. Plain SQL, as base/auth.py reads a
    key: the rate limits ask on every limited request, before the view authenticates."""
    token = token_of(authorization)
    if token is None:
        return None
    with connection.cursor() as cursor:
        q = connection.ops.quote_name
        cursor.execute(f"SELECT {q('id')} FROM {q(ApiKey._meta.db_table)} "
                       f"WHERE {q('digest')} = %s AND {q('revoked_at')} IS NULL", [ApiKey.hash(token)])
        row = cursor.fetchone()
    return None if row is None else row[0]
