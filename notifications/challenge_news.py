"""Challenge announcements: at a challenge's start, halfway, last day and end, a message to its
`announce.to` channel, through the outbox like every notification.

Start, halfway and last day come from the relay (`publish_due_moments`, every few seconds): each
moment is a wall-clock time in the ruleset's timezone (start: midnight of `starts`; halfway: the
middle of the window's days; last day: midnight of the day before `ends`), claimed once in the
database (a DigestRun row per challenge and moment, taken in the transaction of the outbox row), so
it is sent once however many relays run. A relay that was away sends only the latest moment due,
never a stale one beside it. The end comes from challenges.listeners (`announce_end`), once the
standings are final; it names the winners, except the people of an individual challenge in
works-council mode, where it says how many reached the goal.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from challenges.models import ChallengeStanding
from challenges.words import goal_words, places_words, reward_words

from .language import channel_language
from .models import Channel, DigestRun, Notification
from .outbox import record
from .preferences import quiet_keys

TRIGGERS = {"start": "challenge_started", "halfway": "challenge_halfway", "last_day": "challenge_last_day",
            "end": "challenge_ended"}
TEMPLATE = "challenge"
MAX_WINNERS = 50


def moments(challenge, tz) -> dict[str, datetime]:
    """The times of start, halfway and last day, in the ruleset's timezone; a moment that falls on
    another (a one-day challenge's last day is its start) is left out."""
    spec = challenge.spec
    days = (spec.ends - spec.starts).days
    first = datetime(spec.starts.year, spec.starts.month, spec.starts.day)
    start = first.replace(tzinfo=tz)
    # Wall-clock times: the middle of a week is Thursday noon even when the clocks change in it.
    halfway = (first + timedelta(hours=12 * days)).replace(tzinfo=tz)
    last = (first + timedelta(days=days - 1)).replace(tzinfo=tz)
    out = {"start": start}
    if start < halfway < last:
        out["halfway"] = halfway
    if last > start:
        out["last_day"] = last
    return out


def challenge_data(ruleset, challenge, moment: str, channel: str) -> dict:
    """Plain data for the templates; the words are in the channel's language."""
    spec = challenge.spec
    with translation.override(channel_language(ruleset)):
        goal, reward, places = goal_words(ruleset, challenge), reward_words(ruleset, challenge), places_words(challenge)
    last_day = spec.ends - timedelta(days=1)
    return {"moment": moment, "channel": channel,
            "challenge": {"id": spec.id, "name": spec.name, "description": spec.description or "", "kind": spec.kind,
                          "starts": spec.starts.isoformat(), "ends": spec.ends.isoformat(),
                          "last_day": last_day.isoformat(), "goal": challenge.goal, "goal_words": goal,
                          "places": spec.winners, "reward": spec.reward.model_dump() if spec.reward else None,
                          "reward_words": reward or "", "places_words": places},
            "winners": [], "names_winners": True, "reached": 0, "goal_reached": False, "progress": None}


def _enabled(channel_id: str | None) -> bool:
    return bool(channel_id) and Channel.objects.filter(id=channel_id, enabled=True).exists()


def publish_due_moments(ruleset, now: datetime | None = None) -> list[int]:
    """Record the start, halfway and last-day announcements whose moment came; returns new outbox ids."""
    now = now or timezone.now()
    if ruleset is None:
        return []
    created = []
    for challenge in ruleset.challenges:
        announce = challenge.spec.announce
        if announce is None or now >= challenge.end or now < challenge.start:
            continue
        due = [(m, at) for m, at in moments(challenge, ruleset.tz).items() if m in announce.at and at <= now]
        if not due or not _enabled(announce.to):
            continue
        moment, at = max(due, key=lambda item: item[1])  # the latest moment due, never a stale one
        key = f"challenge:{challenge.id}:{moment}"
        try:
            with transaction.atomic():
                DigestRun.objects.create(key=key, slot=at)
                data = challenge_data(ruleset, challenge, moment, announce.to)
                if challenge.spec.kind == "collective":
                    row = ChallengeStanding.objects.filter(challenge_id=challenge.id, participant="").first()
                    data["progress"] = row.progress if row else 0
                dedupe = hashlib.sha256(f"{key}|{at.isoformat()}".encode()).hexdigest()
                created += record([Notification(channel_id=announce.to, trigger=TRIGGERS[moment], template=TEMPLATE,
                                                data=data, dedupe_key=f"challenge:{dedupe}")])
        except IntegrityError:
            continue  # another relay announced this moment
    return created


def announce_end(end) -> list[int]:
    """challenges.listeners' on_end: the winners to the challenge's channel, when `end` is among its moments."""
    from rulesets.active import active_ruleset

    if "end" not in end.announce_at or not _enabled(end.announce_to):
        return []
    ruleset, _ = active_ruleset()
    challenge = ruleset.challenge(end.challenge_id) if ruleset is not None else None
    if challenge is None:
        return []
    data = challenge_data(ruleset, challenge, "end", end.announce_to)
    reached = ChallengeStanding.objects.filter(challenge_id=end.challenge_id, reached_at__isnull=False)
    if end.kind == "individual":
        reached = reached.exclude(person__public=False)
    names = end.kind != "individual" or end.ranks_people
    # A winner who keeps challenge wins to themselves is left out where colleagues read; the others keep their places.
    quiet = set() if end.kind != "individual" or Channel.objects.filter(id=end.announce_to, kind="webhook").exists() \
        else quiet_keys("challenge_won", [w.get("person") for w in end.winners[:MAX_WINNERS]])
    data.update({
        "reached": reached.count(), "goal_reached": end.goal_reached, "names_winners": names,
        "winners": [{"rank": i, "name": w.get("name") or w.get("team") or w.get("person") or "",
                     "reached_at": w["reached_at"].isoformat() if w.get("reached_at") else None}
                    for i, w in enumerate(end.winners[:MAX_WINNERS], start=1)
                    if w.get("person") not in quiet] if names and end.kind != "collective" else [],
    })
    if end.kind == "collective":
        row = ChallengeStanding.objects.filter(challenge_id=end.challenge_id, participant="").first()
        data["progress"] = row.progress if row else 0
    dedupe = hashlib.sha256(f"challenge-end|{end.challenge_id}|{challenge.spec.ends}|{end.announce_to}".encode()).hexdigest()
    return record([Notification(channel_id=end.announce_to, trigger="challenge_ended", template=TEMPLATE, data=data,
                                dedupe_key=f"challenge:{dedupe}")])
