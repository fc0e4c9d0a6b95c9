"""Bearer API keys with roles: admin > reader; integration may only send events."""

from __future__ import annotations

from django.utils import timezone
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from .models import ApiKey

# Which key roles each access level admits.
READERS = {"admin", "reader"}
SENDERS = {"admin", "integration"}
ADMINS = {"admin"}


class KeyAuth(HttpBearer):
    def __init__(self, roles: set[str]):
        super().__init__()
        self.roles = roles

    def authenticate(self, request, token: str):
        key = ApiKey.objects.filter(digest=ApiKey.hash(token), revoked_at__isnull=True).first()
        if key is None:
            return None  # 401: no such key
        if key.role not in self.roles:
            raise AuthorizationError(403, f"a {key.role} key cannot do this; it needs one of: {', '.join(sorted(self.roles))}")
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        request.api_key = key
        return key


reader = KeyAuth(READERS)
sender = KeyAuth(SENDERS)
admin = KeyAuth(ADMINS)
