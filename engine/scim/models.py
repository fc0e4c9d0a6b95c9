"""What SCIM keeps beside people: each provisioned user's resource as the provider sent it, and groups."""

from __future__ import annotations

import uuid

from django.db import models

from base.models import Person


class ScimUser(models.Model):
    """A person the identity provider provisions. The person's pk is the user's SCIM id (it stays when
    the name or the email changes); `resource` keeps the attributes Plaudit has no field for, so a GET
    answers what the provider wrote."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="scim")
    external_id = models.CharField(max_length=200, blank=True, db_index=True)
    resource = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "orchestration"


class ScimGroup(models.Model):
    """A group of the identity provider: a team (members' team is its name), or admins when its name
    is listed in OIDC_ADMIN_GROUPS."""

    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(max_length=100, db_index=True)
    external_id = models.CharField(max_length=200, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "orchestration"


class ScimGroupMember(models.Model):
    group = models.ForeignKey(ScimGroup, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="scim_groups")
    display = models.CharField(max_length=200, blank=True)  # the member's name as the provider sent it

    class Meta:
        app_label = "orchestration"
        constraints = [models.UniqueConstraint(fields=["group", "person"], name="scim_member_once")]
