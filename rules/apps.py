from django.apps import AppConfig


class Config(AppConfig):
    name = "rules"
    default_auto_field = "django.db.models.BigAutoField"
