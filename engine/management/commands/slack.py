import json
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from engine.integrations.slack_app.manifest import manifest


class Command(BaseCommand):
    help = ("The Slack app. `slack manifest --url https://HOST` prints the app manifest to create the app from "
            "(docs/integrations.md#install-the-slack-app).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        make = sub.add_parser("manifest", help="print the Slack app manifest (JSON) for this server")
        make.add_argument("--url", required=True, help="the server's public address, as Slack reaches it: https://HOST")
        make.add_argument("--name", default="Plaudit", help="the app's and the bot's name in Slack (at most 35 characters)")

    def handle(self, *args, action, **options):
        url = options["url"].strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
            raise CommandError(f"--url must be the server's https address, like https://plaudit.example.com (got {url!r}); "
                               "Slack sends requests to https URLs only")
        name = options["name"].strip()
        if not name or len(name) > 35:
            raise CommandError("--name must be 1 to 35 characters (Slack's limit for an app name)")
        self.stdout.write(json.dumps(manifest(url, name), indent=2))
