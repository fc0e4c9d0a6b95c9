"""What the chat apps answer to "which challenges run, and how far am I": plain data, rendered per
platform (Slack's Block Kit in slack_app/blocks.py, Teams' Adaptive Cards in teams_bot_cards.py), from
the same reads as the challenge pages and `GET /api/v1/people/{id}/challenges`."""

from __future__ import annotations

from django.utils import timezone

from base.models import Person
from challenges.standings import collective_progress, person_challenges
from challenges.words import goal_words, reward_words
from rulesets.active import active_ruleset

MAX_SHOWN = 10


def bar(progress: int, goal: int, width: int = 10) -> str:
    """A progress bar in text: ▰▰▰▱▱▱▱▱▱▱."""
    filled = width if goal <= 0 else max(0, min(width, round(width * progress / goal)))
    return "▰" * filled + "▱" * (width - filled)


def running(person_key: str | None) -> list[dict]:
    """The running challenges of the active ruleset, each with the asker's progress (their own, their
    team's, or everyone's), ending soonest first."""
    ruleset, _ = active_ruleset()
    if ruleset is None:
        return []
    now = timezone.now()
    live = [c for c in ruleset.challenges if c.status(now) == "running"]
    if not live:
        return []
    person = Person.objects.filter(key=person_key).first() if person_key else None
    mine = {i["challenge"]: i for i in person_challenges(ruleset, person, now)} if person is not None else {}
    together = collective_progress([c.id for c in live if c.spec.kind == "collective"])
    items = []
    for c in sorted(live, key=lambda c: (c.end, c.id))[:MAX_SHOWN]:
        kind = c.spec.kind
        if kind == "collective":
            progress, reached_at = together.get(c.id, (0, None))
        elif kind == "team" and (person is None or not person.team):
            progress, reached_at = None, None  # no team: no part in a team challenge
        else:
            own = mine.get(c.id) or {}
            progress, reached_at = own.get("progress", 0), own.get("reached_at")
        items.append({"id": c.id, "name": c.spec.name, "kind": kind, "goal": c.goal, "progress": progress,
                      "reached_at": reached_at, "winner": bool((mine.get(c.id) or {}).get("winner")), "ends": c.end,
                      "goal_words": goal_words(ruleset, c), "reward_words": reward_words(ruleset, c),
                      "bar": bar(progress or 0, c.goal)})
    return items
