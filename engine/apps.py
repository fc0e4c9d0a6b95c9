from django.apps import AppConfig


class Config(AppConfig):
    """The orchestration layer: the API, the scorer's pipeline, jobs and management commands; its
    only tables are SCIM provisioning's (engine/scim/models.py)."""

    name = "engine"
    label = "orchestration"
