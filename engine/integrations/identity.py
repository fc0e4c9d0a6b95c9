"""One identity per person across sources: a Slack, Teams or Viva Engage user id resolves to a person id.

When a source tells us the user's email, the email *is* the person id. That is what lets a Slack
comment, a Viva Engage praise and an LMS completion (xAPI `mbox`, or an event sent with the email as
actor) land on the same person without anyone maintaining a mapping. Without an email the person
is `{source}:{external_id}` until an admin merges or renames them.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from base.errors import ApiError
from base.models import Person, PersonAlias

from ..merge import do_merge_people


def normalize_email(email: str | None) -> str | None:
    # Emails are compared lowercased: mail systems treat the local part case-insensitively in
    # practice, and one person must not split into two over "Ana@" vs "ana@".
    email = (email or "").strip().removeprefix("mailto:").lower()
    return email if "@" in email else None


def resolve(source: str, external_id: str, email: str | None = None, name: str | None = None,
            also: tuple[tuple[str, str], ...] = ()) -> str:
    """The person id for a source's user; creates the person and records the aliases on first sight.

    `also` names further aliases of the same user (Teams: both the AAD object id and the channel
    user id, because mentions carry one and senders the other).
    """
    external_id = str(external_id)
    known = PersonAlias.objects.filter(source=source, external_id=external_id).select_related("person").first()
    email = normalize_email(email)
    if known is not None:
        person = known.person
        # An alias seen first without an email keeps its person; a later email is recorded as an
        # alias of that person rather than silently splitting their history. Merging is an admin act.
        if email:
            _alias(("email", email), person)
    else:
        key = email or f"{source}:{external_id}"
        if email:
            by_email = PersonAlias.objects.filter(source="email", external_id=email).select_related("person").first()
            if by_email is not None:
                key = by_email.person.key
        person = _person(key, name)
        _alias((source, external_id), person)
        if email:
            _alias(("email", email), person)
    for extra in also:
        _alias((extra[0], str(extra[1])), person)
    if name and not person.name:
        Person.objects.filter(pk=person.pk).update(name=name)
    return person.key


def lookup(source: str, external_id: str) -> str | None:
    """The person id of a known alias, or None; never creates anyone."""
    alias = PersonAlias.objects.filter(source=source, external_id=str(external_id)).select_related("person").first()
    return alias.person.key if alias else None


def _person(key: str, name: str | None) -> Person:
    try:
        with transaction.atomic():
            person, _ = Person.objects.get_or_create(key=key, defaults={"name": name or ""})
    except IntegrityError:  # created by a concurrent request between the read and the insert
        person = Person.objects.get(key=key)
    return person


def _alias(alias: tuple[str, str], person: Person) -> None:
    try:
        with transaction.atomic():
            PersonAlias.objects.get_or_create(source=alias[0], external_id=alias[1], defaults={"person": person})
    except IntegrityError:
        pass  # a concurrent request recorded it; the first mapping wins


def _is_stand_in(alias: PersonAlias) -> bool:
    """The person was created for this alias alone, by an event whose sender was not known yet."""
    return alias.person.key == f"{alias.source}:{alias.external_id}"


def do_put_person(key: str, *, name: str | None = None, team: str | None = None, email: str | None = None,
                  aliases: list[tuple[str, str]] = ()) -> Person:
    """A people-directory entry: create or update the person, and record the ids other sources know them by.

    An alias held by a stand-in (the `{source}:{id}` person its first unknown event created) is
    taken over by merging the stand-in in: its events, points and badges become this person's. An
    alias that names anyone else is refused (409): merging two real people is an explicit act
    (POST /people/{id}/merge).
    """
    wanted = [(source, str(external_id)) for source, external_id in aliases]
    if email:
        if normalize_email(email) is None:
            raise ApiError(422, "validation_error", f"{email!r} is not an email address")
        wanted.append(("email", normalize_email(email)))
    with transaction.atomic():
        person, _ = Person.objects.get_or_create(key=key)
        holders = [a for a in PersonAlias.objects.select_related("person").filter(
            source__in={s for s, _ in wanted}, external_id__in={e for _, e in wanted}) if a.person_id != person.pk
            and (a.source, a.external_id) in wanted]
        taken = [(a.source, a.external_id, a.person.key) for a in holders if not _is_stand_in(a)]
        if taken:
            raise ApiError(409, "alias_taken", "; ".join(f"{s}:{e} already belongs to {owner!r}" for s, e, owner in taken)
                           + f" (to make them one person: POST /api/v1/people/{key}/merge with {{\"from\": \"<their id>\"}})")
        for stand_in in {a.person_id: a.person for a in holders}.values():
            do_merge_people(stand_in, person)
        changes = {k: v for k, v in (("name", name), ("team", team)) if v is not None}
        if changes:
            Person.objects.filter(pk=person.pk).update(**changes)
        for alias in wanted:
            PersonAlias.objects.get_or_create(source=alias[0], external_id=alias[1], defaults={"person": person})
    person.refresh_from_db()
    return person
