"""Signing in with the company account: the claims of a validated OpenID Connect ID token become a
person and their Django sign-in (web/oidc.py checks the token; this decides who it is).

The verified email, lower-cased, is the person id, or reaches a person through the directory's
aliases (source "email"). A verified email of no known person creates that person. Orchestration,
because it writes both the person (base) and the Django user, and drops the cached display names."""

from __future__ import annotations

import re
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from base.errors import Conflict, Invalid
from base.models import Person, PersonAlias
from base.names import forget as forget_names
from base.redis import get_redis

# A username is at most 150 characters (Django's User); the person id is the username.
MAX_EMAIL = 150
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_LOCALE = re.compile(r"^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$")


def do_sign_in_with_claims(claims: dict) -> User:
    """The Django user for these ID token claims, created on first sign-in with an unusable password.

    Raises Invalid for an email that is missing, unverified or malformed, Conflict for a person who is
    deprovisioned (or whose sign-in was switched off)."""
    email = _verified_email(claims)
    with transaction.atomic():
        person = _person_for(email)
        if person is None:
            person = _create_person(email, _name_of(claims))
        if not person.active:
            raise Conflict("deprovisioned", "Your account was switched off by your company's directory, so you cannot "
                                            "sign in. Ask your administrator if this is a mistake.")
        _fill_profile(person, claims)
        user = _user_for(person.key, claims)
    return user


def _verified_email(claims: dict) -> str:
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        raise Invalid("email_missing", "Your company account did not tell us your email address. Ask your administrator "
                                       "to release the `email` claim to Plaudit.")
    # Some providers send the flag as the string "true".
    if claims.get("email_verified") not in (True, "true"):
        raise Invalid("email_unverified", f"Your company account has not verified the email address {email.strip()}, so "
                                          "it cannot sign you in. Verify it with your company's identity provider, then try again.")
    email = email.strip().lower()
    if len(email) > MAX_EMAIL or not _EMAIL.match(email):
        raise Invalid("email_invalid", f"The email address of your company account is not one Plaudit can use "
                                       f"(at most {MAX_EMAIL} characters, one @).")
    return email


def _name_of(claims: dict) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get(k) for k in ("given_name", "family_name")]
        name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return name.strip()[:200]


def _person_for(email: str) -> Person | None:
    person = Person.objects.filter(key=email).first()
    if person is None:
        alias = (PersonAlias.objects.select_related("person").filter(source="email", external_id__iexact=email)
                 .order_by("id").first())
        person = alias.person if alias else None
    return person


def _create_person(email: str, name: str) -> Person:
    try:
        with transaction.atomic():
            person = Person.objects.create(key=email, name=name)
    except IntegrityError:  # the same person signing in twice at once: the other request created them
        return Person.objects.get(key=email)
    transaction.on_commit(lambda: forget_names(get_redis(), [email]))
    return person


def _fill_profile(person: Person, claims: dict) -> None:
    """The `locale` and `zoneinfo` claims, when present and well formed, are the person's."""
    changes = {}
    locale = claims.get("locale")
    if isinstance(locale, str) and len(locale) <= 35 and _LOCALE.match(locale.strip()):
        changes["locale"] = locale.strip().replace("_", "-")
    zone = claims.get("zoneinfo")
    if isinstance(zone, str) and zone.strip() in zoneinfo.available_timezones():
        changes["timezone"] = zone.strip()
    changes = {k: v for k, v in changes.items() if getattr(person, k) != v}
    if changes:
        Person.objects.filter(pk=person.pk).update(**changes)
        for field_name, value in changes.items():
            setattr(person, field_name, value)


def _admin_by_groups(claims: dict) -> bool | None:
    """Whether the `groups` claim makes an admin; None when the claim is absent (the sign-in keeps what it has)."""
    if "groups" not in claims:
        return None
    groups = claims["groups"]
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list):
        return False
    return bool({g for g in groups if isinstance(g, str)} & set(settings.OIDC_ADMIN_GROUPS))


def _user_for(username: str, claims: dict) -> User:
    admin = _admin_by_groups(claims)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, is_staff=bool(admin))
        user.set_unusable_password()
        user.save()
    elif admin is not None and user.is_staff != admin:
        User.objects.filter(pk=user.pk).update(is_staff=admin)
        user.is_staff = admin
    if not user.is_active:
        raise Conflict("signin_off", "Your sign-in to Plaudit is switched off. Ask your administrator if this is a mistake.")
    return user
