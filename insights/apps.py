from django.apps import AppConfig


class Config(AppConfig):
    name = "insights"
    default_auto_field = "django.db.models.BigAutoField"
