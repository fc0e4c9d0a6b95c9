"""SCIM Groups: a group is a team (its members' team is its displayName), or, when its displayName is
listed in OIDC_ADMIN_GROUPS, the admins (its members' sign-ins are staff)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from scim2_models import Context, GroupMember, InvalidValueException, Meta, NotFoundException, ScimFilter

from base.models import Person

from ..models import ScimGroup, ScimGroupMember
from .resources import GROUP_SCHEMA, GroupResource

MAX_MEMBERS = 10_000


def _is_admin_group(name: str) -> bool:
    return name in settings.OIDC_ADMIN_GROUPS


def _members_of(group_resource) -> dict[int, str]:
    """The members' person pks, each with the display name the provider sent."""
    ids, displays = [], {}
    for member in group_resource.members or []:
        value = str(member.value or "")
        if member.type and str(member.type) not in ("User", "user"):
            raise InvalidValueException(detail=f"member {value!r} is a {member.type}: groups hold users only")
        if not value.isdigit() or len(value) > 18:
            raise InvalidValueException(detail=f"member {value!r} is not a user id (the id of a /Users resource)")
        ids.append(int(value))
        displays[int(value)] = (member.display or "")[:200]
    if len(ids) > MAX_MEMBERS:
        raise InvalidValueException(detail=f"a group holds at most {MAX_MEMBERS} members")
    known = set(Person.objects.filter(pk__in=ids, scim__isnull=False).values_list("pk", flat=True))
    unknown = [str(i) for i in ids if i not in known]
    if unknown:
        raise InvalidValueException(detail=f"no user with id {', '.join(unknown[:10])}: members are ids of /Users")
    return displays


def _name_of(group_resource) -> str:
    name = (group_resource.display_name or "").strip()
    if not name or len(name) > 100:
        raise InvalidValueException(detail="displayName is required, at most 100 characters (it names the team)")
    return name


def _write(group: ScimGroup, group_resource) -> ScimGroup:
    name, members = _name_of(group_resource), _members_of(group_resource)
    old_name = group.display_name
    old = set(group.memberships.values_list("person_id", flat=True)) if group.pk else set()
    group.display_name, group.external_id = name, (group_resource.external_id or "")[:200]
    group.save()
    wanted = set(members)
    ScimGroupMember.objects.filter(group=group).exclude(person_id__in=wanted).delete()
    ScimGroupMember.objects.bulk_create([ScimGroupMember(group=group, person_id=pk, display=members[pk]) for pk in wanted - old],
                                        ignore_conflicts=True)
    for membership in ScimGroupMember.objects.filter(group=group, person_id__in=wanted & old):
        if membership.display != members[membership.person_id]:
            ScimGroupMember.objects.filter(pk=membership.pk).update(display=members[membership.person_id])
    for person in Person.objects.filter(pk__in=old | wanted):
        _settle(person, left={old_name} if old_name else set())
    return group


def _settle(person: Person, left: set[str]) -> None:
    """The person's team and staff flag after their groups changed. Team: the team group they joined last;
    with none left, no team if it was one of the groups they left. Staff: a member of an admin group is
    staff; one who leaves the last admin group loses it."""
    names = list(ScimGroupMember.objects.filter(person=person).order_by("pk").values_list("group__display_name", flat=True))
    teams = [n for n in names if not _is_admin_group(n)]
    if teams and person.team not in teams:
        Person.objects.filter(pk=person.pk).update(team=teams[-1])
    elif not teams and person.team and person.team in left:
        Person.objects.filter(pk=person.pk).update(team="")
    users = get_user_model().objects
    if any(_is_admin_group(n) for n in names):
        user = users.filter(username=person.key).first()
        if user is None:
            user = users.create_user(username=person.key)  # no password: signs in through the company's sign-in
            user.set_unusable_password()
        if not user.is_staff:
            user.is_staff = True
            user.save()
    elif any(_is_admin_group(n) for n in left):
        users.filter(username=person.key, is_staff=True).update(is_staff=False)


def do_create_scim_group(group_resource) -> ScimGroup:
    with transaction.atomic():
        return _write(ScimGroup(), group_resource)


def do_replace_scim_group(group: ScimGroup, group_resource) -> ScimGroup:
    with transaction.atomic():
        return _write(group, group_resource)


def do_delete_scim_group(group: ScimGroup) -> None:
    with transaction.atomic():
        people = list(Person.objects.filter(scim_groups__group=group))
        group.delete()
        for person in people:
            _settle(person, left={group.display_name})


def do_leave_scim_groups(person: Person) -> None:
    """A deleted user leaves every group: no team from them, no staff from an admins' group."""
    with transaction.atomic():
        memberships = ScimGroupMember.objects.filter(person=person)
        left = set(memberships.values_list("group__display_name", flat=True))
        memberships.delete()
        _settle(person, left=left)


def find(group_id: str) -> ScimGroup:
    try:
        key = uuid.UUID(group_id)
    except ValueError:
        key = None
    group = ScimGroup.objects.filter(scim_id=key).first() if key else None
    if group is None:
        raise NotFoundException(detail=f"no group {group_id!r}")
    return group


def resource_of(group: ScimGroup, base: str):
    members = [GroupMember(value=str(pk), display=display or name or key, type="User", ref=f"{base}/Users/{pk}")
               for pk, key, name, display in group.memberships.order_by("person_id").values_list(
                   "person_id", "person__key", "person__name", "display")]
    return GroupResource(
        schemas=[GROUP_SCHEMA], id=str(group.scim_id), display_name=group.display_name,
        external_id=group.external_id or None, members=members or None,
        meta=Meta(resource_type="Group", created=group.created_at, last_modified=group.updated_at,
                  location=f"{base}/Groups/{group.scim_id}"))


def search(scim_filter: str | None, start: int, count: int, base: str) -> tuple[int, list]:
    rows = ScimGroup.objects.order_by("pk")
    parsed = ScimFilter[GroupResource](scim_filter) if scim_filter else None
    ast = parsed.ast if parsed else None
    from scim2_models.path import Comparison

    if parsed is None or (isinstance(ast, Comparison) and str(ast.op) == "eq" and not ast.attr_path.sub_attr
                          and ast.attr_path.attr.lower() in ("displayname", "externalid") and ast.value is not None):
        if parsed is not None:
            attr = ast.attr_path.attr.lower()
            rows = rows.filter(display_name__iexact=ast.value) if attr == "displayname" else rows.filter(external_id=ast.value)
        total = rows.count()
        return total, [resource_of(g, base) for g in rows[start - 1:start - 1 + count]] if count else []
    matching = [g for g in (resource_of(r, base) for r in rows.iterator(chunk_size=200)) if parsed.match(g)]
    return len(matching), matching[start - 1:start - 1 + count]
