from django.apps import AppConfig


class Config(AppConfig):
    name = "kudos"
    label = "kudos"
    default_auto_field = "django.db.models.BigAutoField"
