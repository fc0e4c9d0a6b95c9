"""Bearer API keys with roles: admin > reader; integration may only send events; provisioning may only
use SCIM (/scim/v2), and nothing else admits it."""

from __future__ import annotations

from django.db import OperationalError, connection
from django.utils import timezone
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer, SessionAuth

from .models import ApiKey, Person, stored_time

# Which key roles each access level admits.
READERS = {"admin", "reader"}
SENDERS = {"admin", "integration"}
ADMINS = {"admin"}
PROVISIONERS = {"provisioning"}


class KeyAuth(HttpBearer):
    def __init__(self, roles: set[str]):
        super().__init__()
        self.roles = roles

    def authenticate(self, request, token: str):
        key = _active_key(ApiKey.hash(token))
        if key is None:
            return None  # 401: no such key
        if key.role not in self.roles:
            raise AuthorizationError(403, f"a {key.role} key cannot do this; it needs one of: {', '.join(sorted(self.roles))}")
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            _record_use(key.pk, now)
        request.api_key = key
        return key


_KEY_COLUMNS = ("id", "name", "role", "last_used_at")


def _active_key(digest: str) -> ApiKey | None:
    """The unrevoked key with this digest, its other fields deferred. Plain SQL: every API call
    authenticates, and the ORM's query cost 0.7 ms against 0.05 ms, about a quarter of a
    one-event POST /events (docs/benchmarks.md)."""
    with connection.cursor() as cursor:
        q = connection.ops.quote_name
        cursor.execute(f"SELECT {', '.join(map(q, _KEY_COLUMNS))} FROM {q(ApiKey._meta.db_table)} "
                       f"WHERE {q('digest')} = %s AND {q('revoked_at')} IS NULL", [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, name, role, last_used_at = row
    last_used_at = stored_time(last_used_at) if last_used_at is not None else None
    return ApiKey.from_db(connection.alias, _KEY_COLUMNS, (pk, name, role, last_used_at))


def _record_use(pk: int, now) -> None:
    """Write the key's last use unless that would wait: a read must not queue behind the scorer,
    which holds SQLite's one write lock for a whole batch. A skipped write is made by the key's
    next request that finds the database free (the column is "at most a minute or so behind")."""
    table, q = ApiKey._meta.db_table, connection.ops.quote_name
    when = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A row another request is writing is skipped, not waited for.
            cursor.execute(f"UPDATE {q(table)} SET {q('last_used_at')} = %s WHERE {q('id')} = "
                           f"(SELECT {q('id')} FROM {q(table)} WHERE {q('id')} = %s FOR UPDATE SKIP LOCKED)", [when, pk])
        elif connection.vendor == "sqlite" and not connection.in_atomic_block:
            # In autocommit SQLite's busy handler would wait for the write lock; here it does not.
            raw = connection.connection
            timeout = raw.execute("PRAGMA busy_timeout").fetchone()[0]
            raw.execute("PRAGMA busy_timeout = 0")
            try:
                cursor.execute(f"UPDATE {q(table)} SET {q('last_used_at')} = %s WHERE {q('id')} = %s", [when, pk])
            except OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            finally:
                raw.execute(f"PRAGMA busy_timeout = {int(timeout)}")
        else:
            ApiKey.objects.filter(pk=pk).update(last_used_at=now)


class PersonSession(SessionAuth):
    """A signed-in employee acting for themselves from the web pages: the session cookie, with
    Django's CSRF check (ninja's SessionAuth), for a sign-in whose username is an active person's id."""

    def authenticate(self, request, key):
        user = request.user
        if user.is_authenticated and Person.objects.filter(key=user.username, active=True).exists():
            request.person_key = user.username
            return user
        return None


person = PersonSession()
reader = KeyAuth(READERS)
sender = KeyAuth(SENDERS)
admin = KeyAuth(ADMINS)
