"""The SCIM resources Plaudit serves, as scim2-models' pydantic models, and the discovery documents
(ServiceProviderConfig, ResourceTypes, Schemas) built from them."""

from __future__ import annotations

from typing import Annotated, Any

from scim2_models import (
    AuthenticationScheme, Bulk, CaseExact, ChangePassword, EnterpriseUser, ETag, Filter, Group, Meta, Mutability,
    Patch, Required, ResourceType, Schema, SchemaExtension, ServiceProviderConfig, Sort, Uniqueness, User,
)


class PlauditUser(User):
    """RFC 7643's User, but `userName` is immutable: it is the person id every event, board and badge
    is keyed by, so a provider cannot rename a person through it."""

    user_name: Annotated[str | None, Mutability.immutable, Required.true, Uniqueness.server, CaseExact.false] = None


UserResource = PlauditUser[EnterpriseUser]
GroupResource = Group

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

MAX_RESULTS = 200  # the most resources one list answer holds (ServiceProviderConfig.filter.maxResults)
MAX_FILTER_LENGTH = 1000
MAX_BODY_BYTES = 256 * 1024


def service_provider_config(base: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[AuthenticationScheme(
            type="oauthbearertoken", name="OAuth Bearer Token", primary=True,
            description="An API key with the role provisioning (manage.py apikey create --role provisioning)")],
        meta=Meta(resource_type="ServiceProviderConfig", location=f"{base}/ServiceProviderConfig"),
    )


def resource_types(base: str) -> list[ResourceType]:
    user = ResourceType(
        id="User", name="User", endpoint="/Users", description="A person: userName is the person id (an email)",
        schema_=USER_SCHEMA, schema_extensions=[SchemaExtension(schema_=ENTERPRISE_SCHEMA, required=False)],
        meta=Meta(resource_type="ResourceType", location=f"{base}/ResourceTypes/User"))
    group = ResourceType(
        id="Group", name="Group", endpoint="/Groups", description="A team, or the admins (OIDC_ADMIN_GROUPS)",
        schema_=GROUP_SCHEMA, meta=Meta(resource_type="ResourceType", location=f"{base}/ResourceTypes/Group"))
    return [user, group]


def schemas(base: str) -> list[Schema]:
    found = []
    for model in (PlauditUser, Group, EnterpriseUser):
        schema = model.to_schema()
        if model is PlauditUser:
            schema.name, schema.description = "User", "A person; userName is the person id, so it is immutable"
        schema.meta = Meta(resource_type="Schema", location=f"{base}/Schemas/{schema.id}")
        found.append(schema)
    return found


def dump(obj: Any, ctx) -> dict:
    return obj.model_dump(scim_ctx=ctx)
