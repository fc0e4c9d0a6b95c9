"""SCIM Users as people: `userName` is the person id, the person's pk the SCIM id.

What maps onto a person: displayName (else name.formatted, else given and family name) -> name;
the enterprise extension's department -> team; preferredLanguage (else locale) -> locale; timezone;
the primary email (else an email userName) -> an email alias; active -> deprovisioned or not. The
rest of the resource is kept as sent (ScimUser.resource) and answered back."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from scim2_models import (
    Context, EnterpriseUser, InvalidValueException, Meta, MutabilityException, NotFoundException, ScimFilter, TooManyException, UniquenessException,
)
from scim2_models.path import AttrPath, Comparison, LogicalExpr

from base.errors import ApiError
from base.models import Person, PersonAlias

from ..integrations.identity import do_put_person, normalize_email
from ..people import do_set_person_active
from .groups import do_leave_scim_groups
from ..models import ScimUser
from .resources import ENTERPRISE_SCHEMA, USER_SCHEMA, UserResource

MAX_USER_NAME = 200
# A filter the database cannot answer is evaluated on each user; past this many users it is refused
# (tooMany) rather than read whole.
MAX_SCANNED = 20_000


def _clean_user_name(value: str | None) -> str:
    user_name = (value or "").strip()
    if not user_name:
        raise InvalidValueException(detail="userName is required: the person's email")
    if len(user_name) > MAX_USER_NAME or any(c.isspace() for c in user_name):
        raise InvalidValueException(detail=f"userName {user_name[:50]!r} is not a person id: give the email, "
                                           f"without spaces, at most {MAX_USER_NAME} characters")
    # An email is the person id lowercased, as the chat adapters and the directory store it.
    return normalize_email(user_name) or user_name


def _name_of(user) -> str | None:
    if user.display_name:
        return user.display_name.strip()[:200]
    if user.name is not None:
        if user.name.formatted:
            return user.name.formatted.strip()[:200]
        parts = [p for p in (user.name.given_name, user.name.family_name) if p]
        if parts:
            return " ".join(parts)[:200]
    return None


def _email_of(user, user_name: str) -> str | None:
    emails = [e for e in user.emails or [] if e.value]
    chosen = next((e for e in emails if e.primary), emails[0] if emails else None)
    email = normalize_email(str(chosen.value)) if chosen else None
    return email or normalize_email(user_name)


def _department_of(user) -> str | None:
    extension = user[EnterpriseUser]
    return (extension.department or "")[:100] if extension is not None else None


def _stored(user) -> dict:
    """The resource as kept: what the provider sent, less what the person row answers (ids, meta)."""
    data = user.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    for field in ("id", "meta", "userName"):
        data.pop(field, None)
    return data


def _write(person: Person, user, user_name: str, scim_user: ScimUser | None) -> Person:
    """Put the resource's attributes on the person and keep the resource; deprovision or restore."""
    try:
        person = do_put_person(user_name, name=_name_of(user), team=_department_of(user),
                               email=_email_of(user, user_name))
    except ApiError as exc:
        if exc.status == 409:
            raise UniquenessException(detail=exc.message) from None
        raise InvalidValueException(detail=exc.message) from None
    locale = (user.preferred_language or user.locale or "")[:35]
    timezone = (user.timezone or "")[:64]
    Person.objects.filter(pk=person.pk).update(locale=locale, timezone=timezone)
    if scim_user is None:
        scim_user = ScimUser(person=person)
    scim_user.external_id = (user.external_id or "")[:200]
    scim_user.resource = _stored(user)
    scim_user.save()
    active = user.active is not False
    if person.active != active:
        do_set_person_active(person, active)
    person.refresh_from_db()
    return person


def do_create_scim_user(user) -> Person:
    """A new user: a new person, or a person already known from events (same id or email) adopted."""
    user_name = _clean_user_name(user.user_name)
    with transaction.atomic():
        existing = Person.objects.filter(key=user_name).first()
        if existing is not None and ScimUser.objects.filter(person=existing).exists():
            raise UniquenessException(detail=f"userName {user_name!r} is already provisioned (id {existing.pk}); "
                                             "PUT or PATCH that user instead")
        return _write(existing or Person(key=user_name), user, user_name, None)


def do_replace_scim_user(person: Person, user) -> Person:
    user_name = _clean_user_name(user.user_name)
    if user_name != person.key:
        raise MutabilityException(detail=f"userName is immutable: this user is {person.key!r}; "
                                          "a new person id is a new user (POST)")
    with transaction.atomic():
        return _write(person, user, user_name, ScimUser.objects.filter(person=person).first())


def do_deprovision_scim_user(person: Person) -> None:
    """DELETE: the person is deprovisioned, not erased; their ledger stays and the user is gone from
    SCIM and its groups (a later POST of the same userName provisions them again, with the same id)."""
    with transaction.atomic():
        do_set_person_active(person, False)
        ScimUser.objects.filter(person=person).delete()
        do_leave_scim_groups(person)


def find(user_id: str) -> Person:
    person = None
    if user_id.isdigit() and len(user_id) < 19:
        person = Person.objects.filter(pk=int(user_id), scim__isnull=False).first()
    if person is None:
        raise NotFoundException(detail=f"no user {user_id!r}")
    return person


def resource_of(person: Person, base: str):
    """The person as a SCIM User: the resource as the provider last sent it, with what the person row
    holds now (the id, userName, active, the name and team if they were given)."""
    stored = ScimUser.objects.filter(person=person).first()
    data = dict(stored.resource) if stored else {}
    data["schemas"] = data.get("schemas") or [USER_SCHEMA]
    data["id"], data["userName"] = str(person.pk), person.key
    if "active" in data or not person.active:  # a removed `active` stays absent (and means active)
        data["active"] = person.active
    if data.get("displayName") is not None and person.name:
        data["displayName"] = person.name
    extension = data.get(ENTERPRISE_SCHEMA)
    if isinstance(extension, dict) and "department" in extension:
        extension["department"] = person.team or None
    if stored and stored.external_id:
        data["externalId"] = stored.external_id
    user = UserResource.model_validate(data, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    created = stored.created_at if stored else person.created_at
    user.meta = Meta(resource_type="User", created=created, last_modified=stored.updated_at if stored else created,
                     location=f"{base}/Users/{person.pk}")
    return user


# Filters the database answers: attribute (lowercased) -> the lookup of ScimUser rows, as RFC 7643 compares
# them (userName, displayName, emails case-insensitively; externalId exactly).
_LOOKUPS = {
    "username": lambda v: Q(person__key__iexact=v),
    "externalid": lambda v: Q(external_id=v),
    "displayname": lambda v: Q(person__name__iexact=v),
    "emails.value": lambda v: Q(person__aliases__source="email", person__aliases__external_id=str(v).lower()),
    "emails": lambda v: Q(person__aliases__source="email", person__aliases__external_id=str(v).lower()),
    "active": lambda v: Q(person__active=bool(v)),
}


def _to_q(node) -> Q | None:
    """The filter as a database query, or None where only evaluating it on each resource can tell."""
    if isinstance(node, Comparison) and str(node.op) == "eq" and isinstance(node.attr_path, AttrPath):
        path = node.attr_path
        if path.uri and path.uri != USER_SCHEMA:
            return None
        name = path.attr.lower() + (f".{path.sub_attr.lower()}" if path.sub_attr else "")
        lookup = _LOOKUPS.get(name)
        return lookup(node.value) if lookup and node.value is not None else None
    if isinstance(node, LogicalExpr):
        parts = [_to_q(term) for term in node.terms]
        if any(p is None for p in parts):
            return None
        combined = parts[0]
        for p in parts[1:]:
            combined = (combined & p) if str(node.op) == "and" else (combined | p)
        return combined
    return None


def search(scim_filter: str | None, start: int, count: int, base: str) -> tuple[int, list]:
    """(totalResults, the page of Users) for a filter, in the order users were provisioned."""
    rows = ScimUser.objects.select_related("person").order_by("person_id")
    parsed = ScimFilter[UserResource](scim_filter) if scim_filter else None
    if parsed is None:
        total = rows.count()
        page = [resource_of(r.person, base) for r in rows[start - 1:start - 1 + count]] if count else []
        return total, page
    query = _to_q(parsed.ast)
    if query is not None:
        ids = list(rows.filter(query).values_list("person_id", flat=True).distinct())
        total = len(ids)
        people = Person.objects.filter(pk__in=ids[start - 1:start - 1 + count]).order_by("pk") if count else []
        return total, [resource_of(p, base) for p in people]
    # Any other filter is evaluated by scim2-models on each user, as the provider would read it.
    if rows.count() > MAX_SCANNED:
        raise TooManyException(detail=f"this filter would read all {rows.count()} users; filter with eq on userName, "
                                      "externalId, emails.value or displayName (joined by and/or)")
    matching = [u for u in (resource_of(r.person, base) for r in rows.iterator(chunk_size=500)) if parsed.match(u)]
    return len(matching), matching[start - 1:start - 1 + count]
