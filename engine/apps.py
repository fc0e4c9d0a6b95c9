from django.apps import AppConfig


class Config(AppConfig):
    """The orchestration layer: the API, the scorer's pipeline, jobs and management commands; its only
    rows are the Slack workspaces the app is installed in and SCIM provisioning's (engine/models.py)."""

    name = "engine"
    label = "orchestration"
