"""Which text a template name has on a channel kind (an admin's override, else the shipped default),
the sample data previews and checks render with, the check run when an override is saved, and the
actions that save an override and go back to the default: one for the API and the admin pages."""

from __future__ import annotations

from .models import TemplateOverride
from .render import TEMPLATE_NAMES, RenderError, default_text, render

TEMPLATED_KINDS = ("slack", "teams", "email")  # webhooks carry the data itself, as JSON

_PERSON = {"id": "ana@example.com", "name": "Ana Ruiz", "team": "Data", "points": 130, "level": "Contributor"}
_EVENT = {"id": "slack:T01:C42:1700000000.000100", "type": "answer", "channel": "learning-python",
          "program": "data-academy", "occurred_at": "2026-11-27T10:15:00+01:00"}
_BADGE = {"id": "helper", "name": "Helper", "tier": "Bronze", "description": "Answered colleagues' questions."}
_NUMBERS = {"events": 214, "people": 37, "posts": 21, "comments": 64, "answers": 12, "reactions": 98}

_CHALLENGE = {"id": "dbt-week", "name": "dbt week", "description": "Share one thing you learned about dbt.",
              "kind": "individual", "starts": "2026-12-07", "ends": "2026-12-14", "last_day": "2026-12-13", "goal": 3,
              "goal_words": "3 times: points from 'Original post'", "places": 3, "reward": {"points": 50, "badge": None},
              "reward_words": "50 points", "places_words": "The first 3 to reach the goal win."}

SAMPLES: dict[str, dict] = {
    "badge_awarded": {"person": _PERSON, "badges": [_BADGE], "badge": _BADGE,
                      "level": {"name": "Contributor", "previous": "Learner", "min_points": 120},
                      "event": _EVENT, "channel": "learning-python"},
    "level_up": {"person": _PERSON, "badges": [], "badge": None,
                 "level": {"name": "Contributor", "previous": "Learner", "min_points": 120},
                 "event": _EVENT, "channel": "learning-python"},
    "leaderboard_top": {"person": _PERSON, "board": {"id": "weekly", "name": "This week"}, "rank": 2, "top": 3,
                        "points": 130, "event": _EVENT, "channel": "learning-python"},
    "weekly_digest": {
        "channel": "learning-python",
        "week": {"from": "2026-11-23", "until": "2026-11-30", "label": "23 Nov to 29 Nov 2026"},
        "numbers": {"this_week": _NUMBERS,
                    "last_week": {"events": 190, "people": 33, "posts": 18, "comments": 60, "answers": 9, "reactions": 80},
                    "change": {"events": 13, "people": 12}},
        "top_contributors": [{"id": "ana@example.com", "name": "Ana Ruiz", "points": 96},
                             {"id": "bob@example.com", "name": "Bob Lee", "points": 71}],
        "new_badges": [{"person": "Ana Ruiz", "badge": "Helper", "tier": "Bronze"}],
        "top_posts": [{"id": "post-77", "author": "Carol Diaz", "quote": "Notes from the pandas workshop: groupby tips",
                       "reactions": 14, "comments": 6}],
        "prompt_replies": [{"prompt": "monday-question", "prompt_text": "What did you learn last week? Reply in the thread.",
                            "id": "slack:T01:C42:1764065100.000100", "author": "Bob Lee",
                            "quote": "dbt snapshots keep the history of a slowly changing table", "reactions": 5}],
    },
    # The end of a challenge: the other moments (start, halfway, last_day) have no winners yet.
    "challenge": {"moment": "end", "channel": "learning-data", "challenge": _CHALLENGE,
                  "winners": [{"rank": 1, "name": "Ana Ruiz", "reached_at": "2026-12-08T10:15:00+01:00"},
                              {"rank": 2, "name": "Bob Lee", "reached_at": "2026-12-09T16:40:00+01:00"}],
                  "names_winners": True, "reached": 2, "goal_reached": True, "progress": None},
}


def template_text(kind: str, name: str, language: str | None = None) -> str:
    """An admin's override (in whatever language they wrote it), else the shipped default in `language`."""
    override = TemplateOverride.objects.filter(kind=kind, name=name).values_list("text", flat=True).first()
    return override if override is not None else default_text(name, kind, language)


def check_template(kind: str, name: str, text: str) -> str:
    """Render against the sample data; RenderError names what is wrong. Returns the output."""
    if name not in TEMPLATE_NAMES:
        raise RenderError(f"unknown template {name!r}; the templates are {', '.join(TEMPLATE_NAMES)}")
    if kind not in TEMPLATED_KINDS:
        raise RenderError(f"templates apply to the kinds {', '.join(TEMPLATED_KINDS)}; a webhook sends the data as JSON")
    output = render(kind, text, SAMPLES[name])
    if not output.strip():
        raise RenderError("the template renders nothing for the sample data")
    return output


def do_save_template(kind: str, name: str, text: str, *, updated_by: str = "") -> TemplateOverride:
    """Check the text (RenderError names what is wrong) and keep it as the override: notifications
    rendered from now on use it."""
    check_template(kind, name, text)
    override, _ = TemplateOverride.objects.update_or_create(kind=kind, name=name, defaults={
        "text": text, "updated_by": updated_by[:100]})
    return override


def do_reset_template(kind: str, name: str) -> bool:
    """Drop the override so the shipped default applies again; False when there was none."""
    return TemplateOverride.objects.filter(kind=kind, name=name).delete()[0] > 0
