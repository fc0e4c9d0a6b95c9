from django.apps import AppConfig


class Config(AppConfig):
    name = "engine"
    default_auto_field = "django.db.models.BigAutoField"
