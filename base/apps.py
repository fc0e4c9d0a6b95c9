from django.apps import AppConfig


class Config(AppConfig):
    """People, events, the ledger, ingest and auth. The label is `engine`: the tables and the
    migration history are named by it, so existing databases need no data migration
    (docs/architecture.md)."""

    name = "base"
    label = "engine"
    default_auto_field = "django.db.models.BigAutoField"
