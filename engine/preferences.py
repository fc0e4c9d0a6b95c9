"""A person's own choices, set in one go from their preferences page: their title, the announcements
that may name them, Slack mentions, the digest by email, and nudges."""

from __future__ import annotations

from django.db import transaction

from badges.titles import do_set_title
from base.models import Person
from notifications.preferences import ANNOUNCEMENTS

from .integrations.slack_app.nudges import do_set_nudges


def do_set_preferences(person: Person, *, title: str | None, announce: set[str], mention: bool, digest_email: bool,
                       nudges: bool) -> None:
    """`announce`: the announcements (notifications.preferences.ANNOUNCEMENTS) that may be posted about them.
    A title of a badge they do not hold raises Invalid, and nothing is changed."""
    quiet = sorted(set(ANNOUNCEMENTS) - set(announce))
    with transaction.atomic():
        do_set_title(person, title)
        Person.objects.filter(pk=person.pk).update(quiet_announcements=quiet, slack_mention=mention,
                                                   digest_email=digest_email)
        person.quiet_announcements, person.slack_mention, person.digest_email = quiet, mention, digest_email
        do_set_nudges(person, nudges)
