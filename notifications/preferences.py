"""What each person lets the channels say about them (their page /me/preferences).

Announcements about a person (a badge, a level, a board's top, a challenge won) go to channels that
colleagues read. A person may keep any of them from being posted about them, as they may leave the
public boards altogether; webhooks (systems, not colleagues) still receive them. Where they are
announced, Slack @-mentions them unless they asked not to be pinged: the message names them all the
same. Email digests skip the addresses of people who asked for no digest email.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from base.models import Person, PersonAlias

# The announcements a person can keep to themselves, as the preferences page words them.
ANNOUNCEMENTS = {
    "badge_awarded": _("when I earn a badge"),
    "level_up": _("when I reach a new level"),
    "leaderboard_top": _("when I enter the top of a board"),
    "challenge_won": _("when I win a challenge"),
}


def announced(person: Person, trigger: str, channel_kind: str) -> bool:
    """Whether an announcement of `trigger` about `person` may go to a channel of this kind."""
    if channel_kind == "webhook":
        return True  # systems, not colleagues: they get every announcement, as for people off the boards
    return person.public and trigger not in (person.quiet_announcements or [])


def quiet_keys(trigger: str, keys) -> set[str]:
    """The people among `keys` who keep announcements of `trigger` about them off the channels."""
    return {p.key for p in Person.objects.filter(key__in=set(keys)) if not p.public or trigger in (p.quiet_announcements or [])}


def without_digest_optouts(recipients: list[str]) -> list[str]:
    """The addresses of an email digest, less those of people who asked for no digest email
    (matched by their person id or an `email` alias, case-insensitively)."""
    keys = Person.objects.filter(digest_email=False).values_list("key", flat=True)
    aliases = PersonAlias.objects.filter(source="email", person__digest_email=False).values_list("external_id", flat=True)
    out = {address.lower() for address in [*keys, *aliases]}
    return [r for r in recipients if r.strip().lower() not in out]
