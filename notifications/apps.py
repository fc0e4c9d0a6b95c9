from django.apps import AppConfig


class Config(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Notifications listen to badges, never the reverse (docs/architecture.md).
        from badges.listeners import on_manual_grant

        from .triggers import record_for_manual_grant

        on_manual_grant(record_for_manual_grant)

        # And to challenges: a challenge's end is announced once its standings are final.
        from challenges.listeners import on_end

        from .challenge_news import announce_end

        on_end(announce_end)
