from django.apps import AppConfig


class Config(AppConfig):
    name = "badges"
    default_auto_field = "django.db.models.BigAutoField"
