"""Sign-ins for the web pages: `signin add PERSON_ID [--admin]`, `signin password USERNAME`, `signin list`.

The username of an employee is their person id (the id events use, usually their email), which is
how the pages know whose profile and rank are "mine". An admin may be anyone (`--admin` sets is_staff).
"""

import secrets

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from base.models import Person


class Command(BaseCommand):
    help = "Create web sign-ins, reset their passwords, or list them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="create a sign-in and print its generated password")
        add.add_argument("username", help="the person id (e.g. ana@example.com); any name for an admin")
        add.add_argument("--admin", action="store_true", help="may open the admin pages")
        reset = sub.add_parser("password", help="set a new generated password and print it")
        reset.add_argument("username")
        sub.add_parser("list", help="every sign-in, with whether it is an admin and a person")

    def handle(self, *args, action, **options):
        if action == "list":
            people = set(Person.objects.filter(key__in=User.objects.values_list("username", flat=True))
                         .values_list("key", flat=True))
            for user in User.objects.order_by("username"):
                kind = "admin" if user.is_staff else "employee"
                self.stdout.write(f"{user.username:<40} {kind:<9} {'person' if user.username in people else 'no person'}")
            return
        username = options["username"].strip()
        if not 1 <= len(username) <= 150:
            raise CommandError("a username is 1 to 150 characters")
        password = secrets.token_urlsafe(12)
        if action == "add":
            if User.objects.filter(username=username).exists():
                raise CommandError(f"{username!r} can already sign in; use `signin password {username}` for a new password")
            if not options["admin"] and not Person.objects.filter(key=username).exists():
                raise CommandError(f"no person has the id {username!r}; an employee signs in with their person id")
            User.objects.create_user(username=username, password=password, is_staff=options["admin"])
        else:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"no sign-in {username!r}; create it with `signin add {username}`")
            user.set_password(password)
            user.save(update_fields=["password"])
        self.stdout.write(f"{username} can sign in with this password (shown once):")
        self.stdout.write(password)
