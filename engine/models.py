"""The orchestration layer's own tables: SCIM provisioning's (engine/scim/models.py)."""

from .scim.models import ScimGroup, ScimGroupMember, ScimUser

__all__ = ["ScimGroup", "ScimGroupMember", "ScimUser"]
