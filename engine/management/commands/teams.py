from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from engine.integrations.teams_package import PackageError, package


class Command(BaseCommand):
    help = ("The Teams bot's app package: `teams package --url https://HOST --app-id ID [--out FILE]` writes a zip "
            "(manifest.json, color.png, outline.png) to upload in Teams or the Developer Portal (docs/integrations.md).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser("package", help="build the Teams app package (a zip)")
        build.add_argument("--url", required=True, help="this server's public https address, e.g. https://plaudit.example.com")
        build.add_argument("--app-id", required=True, help="the bot's Microsoft app id (TEAMS_APP_ID), a GUID")
        build.add_argument("--out", default="plaudit-teams.zip", help="where to write the zip (default plaudit-teams.zip)")

    def handle(self, *args, action=None, url=None, app_id=None, out=None, **options):
        try:
            data = package(url, app_id)
        except PackageError as exc:
            raise CommandError(str(exc)) from None
        path = Path(out)
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
        self.stdout.write(f"Wrote {path} ({len(data):,} bytes): upload it in Teams (Apps > Manage your apps > "
                          "Upload an app) or in the Developer Portal.")
