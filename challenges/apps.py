from django.apps import AppConfig


class Config(AppConfig):
    name = "challenges"
    label = "challenges"
    default_auto_field = "django.db.models.BigAutoField"
