"""SCIM 2.0 provisioning at /scim/v2 (RFC 7643/7644): the company's identity provider creates,
updates and deprovisions people, and puts them in teams and the admins' group.

The resources are scim2-models' pydantic models: they parse and validate what the provider sends,
apply PATCH operations and filters, and serialize answers and errors. This package maps them onto
people (`userName` is the person id) and stores what has no place on a person (the resource as the
provider last sent it, groups and their members)."""
