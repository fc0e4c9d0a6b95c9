"""Sign-ins for `make demo`: one admin and a few employees from the demo people, with printed passwords.

Passwords are generated once and kept in DATA_DIR/demo-logins.json (like the demo API keys), so every
`make demo` on the same data shows the same ones.
"""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.contrib.auth.models import User

from base.models import Person

ADMIN = "admin"
# Employees from the top, the middle and further down of the all-time points, so the demo shows
# a leader, someone climbing and someone with badges still within reach.
EMPLOYEE_PLACES = (2, 12, 40)


def _employees() -> list[str]:
    keys = list(Person.objects.filter(public=True, role="").order_by("-points", "key").values_list("key", flat=True)
                [:max(EMPLOYEE_PLACES) + 1])
    return [keys[i] for i in EMPLOYEE_PLACES if i < len(keys)]


def ensure_demo_logins() -> dict[str, str]:
    """username -> password for the admin and the chosen employees; creates or repairs the users."""
    path = settings.DATA_DIR / "demo-logins.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    chosen = [k for k in saved if k != ADMIN and Person.objects.filter(key=k).exists()] or _employees()
    logins = {}
    for username in [ADMIN, *chosen]:
        password = saved.get(username) or secrets.token_urlsafe(9)
        user, _ = User.objects.get_or_create(username=username)
        if not user.check_password(password):
            user.set_password(password)
        user.is_staff = username == ADMIN
        user.save()
        logins[username] = password
    path.write_text(json.dumps(logins, indent=2))
    path.chmod(0o600)
    return logins


def print_demo_logins(stdout, port: int) -> None:
    logins = ensure_demo_logins()
    names = dict(Person.objects.filter(key__in=list(logins)).values_list("key", "name"))
    stdout.write(f"\nThe web pages: http://127.0.0.1:{port}/  Sign in with (also in DATA_DIR/demo-logins.json):")
    for username, password in logins.items():
        who = "admin: rules workbench, channels, outbox, insights, API keys" if username == ADMIN else f"employee {names.get(username) or ''}".rstrip()
        stdout.write(f"  {username:<34} {password:<16} {who}")
