from django.apps import AppConfig


class Config(AppConfig):
    """People, events, the ledger, ingest and auth. The label stays `engine`, where these tables
    began, so the database needs no migration for the move."""

    name = "base"
    label = "engine"
    default_auto_field = "django.db.models.BigAutoField"
