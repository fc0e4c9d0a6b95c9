"""Challenges people see: the list, one challenge with its standings, the "Your challenges" parts of
the start page and the profile, the Ways to earn page, and the admin page that posts a topic prompt now.

Works-council mode (the ruleset's `privacy.individual_ranking: false`): no individual standings of
people; team and collective standings stay, and each person sees their own progress."""

from __future__ import annotations

import json

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST, require_safe

from badges.progress import holder_counts, visible
from badges.words import condition_words, criteria_words
from base.errors import NotFound
from challenges.standings import collective_progress, person_challenges, standings
from challenges.words import explained, goal_words, kind_words, places_words, reward_words, rule_words, status_words, title
from engine.integrations.slack_app.prompts import do_post_prompt_now, prompts_overview
from rulesets.active import active_ruleset
from rulesets.texts import localized, tier_name

from .access import admin_only, signed_in
from .pages import no_ruleset, not_found, page, viewer

STATUS_ORDER = ("running", "upcoming", "ended")
STANDINGS_SHOWN = 100


def percent(progress: int, goal: int) -> int:
    return 100 if goal <= 0 else max(0, min(100, round(100 * progress / goal)))


def _summary(ruleset, challenge, now, mine: dict | None, collective: dict) -> dict:
    spec = challenge.spec
    item = {"id": spec.id, "name": spec.name, "description": spec.description, "kind": spec.kind,
            "kind_words": kind_words(spec.kind), "status": challenge.status(now),
            "status_words": status_words(challenge.status(now)), "start": challenge.start, "end": challenge.end,
            "goal": challenge.goal, "goal_words": goal_words(ruleset, challenge),
            "reward_words": reward_words(ruleset, challenge), "places_words": places_words(challenge),
            "mine": None, "together": None}
    if mine is not None and (spec.kind != "team" or mine.get("has_team", True)):
        item["mine"] = {"progress": mine["progress"], "percent": percent(mine["progress"], challenge.goal),
                        "reached_at": mine["reached_at"], "winner": mine["winner"]}
    if spec.kind == "collective":
        progress, reached_at = collective.get(challenge.id, (0, None))
        item["together"] = {"progress": progress, "percent": percent(progress, challenge.goal), "reached_at": reached_at}
    return item


def _mine(ruleset, person, now) -> dict[str, dict]:
    if person is None:
        return {}
    items = {i["challenge"]: i for i in person_challenges(ruleset, person, now)}
    for c in ruleset.challenges:  # a person without a team has no part in a team challenge
        if c.spec.kind == "team" and c.id in items:
            items[c.id]["has_team"] = bool(person.team)
    return items


@require_safe
@signed_in
def challenge_list(request):
    ruleset, _ = active_ruleset()
    if ruleset is None:
        return no_ruleset(request)
    now = timezone.now()
    mine = _mine(ruleset, viewer(request), now)
    collective = collective_progress([c.id for c in ruleset.challenges if c.spec.kind == "collective"])
    items = [_summary(ruleset, c, now, mine.get(c.id), collective) for c in ruleset.challenges]
    groups = [{"status": s, "title": {"running": gettext("Running"), "upcoming": gettext("Upcoming"),
                                      "ended": gettext("Ended")}[s], "list": [i for i in items if i["status"] == s]}
              for s in STATUS_ORDER]
    return page(request, "web/challenges.html", {"groups": groups, "any": bool(items)})


@require_safe
@signed_in
def challenge_page(request, challenge_id: str):
    ruleset, _ = active_ruleset()
    if ruleset is None:
        return no_ruleset(request)
    challenge = ruleset.challenge(challenge_id)
    if challenge is None:
        return not_found(request, gettext("There is no challenge %(id)r. The challenges page lists them all.") % {"id": challenge_id})
    now = timezone.now()
    person = viewer(request)
    mine = _mine(ruleset, person, now)
    collective = collective_progress([challenge.id]) if challenge.spec.kind == "collective" else {}
    item = _summary(ruleset, challenge, now, mine.get(challenge.id), collective)
    # No individual standings of people in works-council mode: team and collective ones stay.
    ranked = challenge.spec.kind != "individual" or ruleset.ranks_people
    rows = []
    if ranked and challenge.spec.kind != "collective":
        for row in standings(ruleset, challenge, limit=STANDINGS_SHOWN):
            name = row["name"] if challenge.spec.kind == "individual" else row["team"]
            is_me = person is not None and (row["person"] == person.key if challenge.spec.kind == "individual"
                                             else bool(person.team) and row["team"] == person.team)
            rows.append({**row, "label": name, "percent": percent(row["progress"], row["goal"]), "me": is_me})
    winners = [r for r in rows if r["winner"]] if item["status"] == "ended" else []
    return page(request, "web/challenge.html", {"c": item, "ranked": ranked, "rows": rows, "winners": winners,
                                                "team_of_viewer": person.team if person else None})


def challenges_of(person, viewer_person, show_others: bool = True) -> list[dict]:
    """The running challenges with the person's progress, for the start page and the profile (a Jinja
    global: the parts template reads them itself). Someone else's progress shows only where people may
    be compared (not in works-council mode) and when they appear on public boards."""
    if person is None:
        return []
    ruleset, _ = active_ruleset()
    if ruleset is None or not ruleset.challenges:
        return []
    own = viewer_person is not None and viewer_person.pk == person.pk
    if not own and not (show_others and ruleset.ranks_people and person.public):
        return []
    now = timezone.now()
    mine = _mine(ruleset, person, now)
    collective = collective_progress([c.id for c in ruleset.challenges if c.spec.kind == "collective"])
    return [_summary(ruleset, c, now, mine.get(c.id), collective) for c in ruleset.challenges
            if c.status(now) == "running"]


# --- Ways to earn -------------------------------------------------------------------------------------

def _limit_words(limit) -> str | None:
    if limit is None:
        return None
    per = {"day": gettext("per day"), "week": gettext("per week"), "month": gettext("per month"), "ever": gettext("in all")}
    return ngettext("at most %(n)s time %(per)s", "at most %(n)s times %(per)s", limit.max) % {"n": limit.max, "per": per[limit.per]}


def _to_words(to: str) -> str:
    return {"actor": gettext("to whoever does it"), "target_author": gettext("to the author of the post"),
            "mentioned": gettext("to each person mentioned")}.get(to, to)


def _badge_words(ruleset, badge, need: int) -> str:
    """Criteria in plain words, without a rule's or streak's `description` (an admin note)."""
    criteria = badge.spec.criteria
    if criteria is not None and criteria.rule:
        return ngettext("%(n)s time: %(what)s", "%(n)s times: %(what)s", need) % {"n": need, "what": rule_words(ruleset, criteria.rule)}
    if criteria is not None and criteria.streak:
        streak = ruleset.streak(criteria.streak)
        unit = streak.spec.per if streak else "day"
        length = (ngettext("A %(n)s-day streak", "A %(n)s-day streak", need) if unit == "day"
                  else ngettext("A %(n)s-week streak", "A %(n)s-week streak", need)) % {"n": need}
        own = explained(ruleset, streak.spec) if streak else None
        return f"{length}: {own}" if own else f"{length}: {title(criteria.streak)}"
    if criteria is None:
        return gettext("Given as a challenge's reward or by an admin")
    return criteria_words(ruleset, criteria, need)


@require_safe
@signed_in
def ways_to_earn(request):
    ruleset, _ = active_ruleset()
    if ruleset is None:
        return no_ruleset(request)
    now = timezone.now()
    rules = []
    for rule in ruleset.rules:
        spec = rule.spec
        rules.append({"id": spec.id, "title": title(spec.id), "explain": explained(ruleset, spec),
                      "when": condition_words(spec.when),
                      "awards": [{"points": a.points, "to": _to_words(a.to)} for a in spec.award],
                      "limit": _limit_words(spec.limit), "once": spec.once_per == "target"})
    streaks = [{"id": s.spec.id, "title": title(s.spec.id), "explain": explained(ruleset, s.spec),
                "when": condition_words(s.spec.when), "per": s.spec.per,
                "bonus": [{"length": b.length, "points": b.points} for b in s.spec.bonus]} for s in ruleset.streaks]
    boosts = [{"factor": b.factor, "when": condition_words(b.when)} for b in ruleset.doc.boosts]
    holders = holder_counts()
    badges = [{"id": b.id, "name": localized(ruleset, b.spec), "explain": explained(ruleset, b.spec),
               "steps": [{"tier": tier_name(ruleset, b.id, t.name), "words": _badge_words(ruleset, b, t.need)}
                      for t in b.thresholds]}
              for b in ruleset.badges if visible(b, holders)]
    running = [{"id": c.id, "name": c.spec.name, "goal_words": goal_words(ruleset, c),
                "reward_words": reward_words(ruleset, c), "end": c.end}
               for c in ruleset.challenges if c.status(now) == "running"]
    return page(request, "web/ways_to_earn.html", {"rules": rules, "streaks": streaks, "boosts": boosts,
                                                   "badges": badges, "challenges": running})


# --- the admin's topic prompts ------------------------------------------------------------------------

def _prompt_items() -> list[dict]:
    items = prompts_overview()
    for item in items:
        item["json"] = json.dumps(item["blocks"], indent=2, ensure_ascii=False)
        item["preview_text"] = "\n".join(b.get("text", {}).get("text", "") if b["type"] == "section"
                                         else " ".join(e.get("text", "") for e in b.get("elements", []))
                                         for b in item["blocks"])
    return items


@require_safe
@admin_only
def prompts(request):
    return page(request, "web/prompts.html", {"prompts": _prompt_items(), "confirm": None})


@require_safe
@admin_only
def prompt_confirm(request, prompt_id: str):
    item = next((p for p in _prompt_items() if p["id"] == prompt_id), None)
    if item is None:
        return not_found(request, gettext("The active ruleset has no prompt %(id)r. The prompts page lists them.") % {"id": prompt_id})
    return page(request, "web/prompts.html", {"prompts": [item], "confirm": item})


@require_POST
@admin_only
def prompt_post(request, prompt_id: str):
    try:
        post = do_post_prompt_now(prompt_id[:64])
    except NotFound:
        return not_found(request, gettext("The active ruleset has no prompt %(id)r. The prompts page lists them.") % {"id": prompt_id})
    if post.posted_at:
        messages.success(request, gettext("Posted %(id)s to %(channel)s.") % {"id": prompt_id, "channel": post.channel})
    else:
        messages.error(request, gettext("%(id)s was not posted: %(error)s. It is tried again later.") % {
            "id": prompt_id, "error": post.error or gettext("unknown error")})
    return redirect("web:prompts")
