from django.apps import AppConfig


class Config(AppConfig):
    """Ruleset versions, activation and simulation. The label stays `rules`, as the tables are named."""

    name = "rulesets"
    label = "rules"
    default_auto_field = "django.db.models.BigAutoField"
