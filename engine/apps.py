from django.apps import AppConfig


class Config(AppConfig):
    """The orchestration layer: no models of its own, only the API, the scorer's pipeline, jobs
    and management commands."""

    name = "engine"
    label = "orchestration"
