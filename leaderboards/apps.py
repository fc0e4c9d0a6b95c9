from django.apps import AppConfig


class Config(AppConfig):
    name = "leaderboards"
    default_auto_field = "django.db.models.BigAutoField"
