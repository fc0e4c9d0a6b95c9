from django.core.management.base import BaseCommand, CommandError

from base.api_keys import do_create_api_key, do_revoke_api_key
from base.errors import DomainError
from base.models import ApiKey


class Command(BaseCommand):
    help = "Manage API keys. `apikey create --role admin --name ops` prints the new key on its last line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a key (shown once; stored hashed)")
        create.add_argument("--role", required=True, choices=[r for r, _ in ApiKey.ROLES])
        create.add_argument("--name", required=True)
        create.add_argument("--source", action="append", default=[], dest="sources", metavar="PREFIX",
                            help="integration keys: an event id prefix the key may send, like lms (stored as lms:); repeatable")
        sub.add_parser("list", help="list keys (never the secret)")
        revoke = sub.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        if action == "create":
            name = options["name"].strip()
            if not name or len(name) > 100:
                raise CommandError("--name must be 1 to 100 characters")
            try:
                key, raw = do_create_api_key(name=name, role=options["role"], sources=options["sources"])
            except DomainError as exc:
                raise CommandError(exc.message) from None
            self.stderr.write(f"Created {key.role} key {key.name!r} ({key.prefix}…){_sources_note(key)}. "
                              "It is shown once; store it now.")
            self.stdout.write(raw)
        elif action == "list":
            for key in ApiKey.objects.order_by("id"):
                state = "revoked" if key.revoked_at else "active"
                sources = ", ".join(key.sources) if key.sources else ("any source" if key.role == "integration" else "")
                self.stdout.write(f"{key.prefix}…  {key.role:<12} {state:<8} {key.name}" + (f"  [{sources}]" if sources else ""))
        else:
            updated = do_revoke_api_key(prefix=options["prefix"])
            if not updated:
                raise CommandError(f"no active key starts with {options['prefix']!r}")
            self.stdout.write(f"revoked {updated} key(s)")


def _sources_note(key: ApiKey) -> str:
    if key.sources:
        return f" for event ids starting with {', '.join(key.sources)}"
    # Without sources it may send and undo any event id, a Slack message's too.
    return " for any event id (give --source to confine it)" if key.role == "integration" else ""
