"""The Teams bot's answers as Adaptive Cards (schema 1.5, which Teams renders on desktop, web and mobile).

Plain data in (what engine/integrations/standing.py and the kudos actions return), card JSON out; the
bot module posts them. Dates are written with the card's DATE() function so each reader sees them in
their own locale and time zone.
"""

from __future__ import annotations

from datetime import datetime, timezone

from django.utils.translation import gettext, gettext_noop

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"

# The words are translated when a card is made, in the asker's language.
COMMANDS = [
    ("kudos @name [@name ...] message #value", gettext_noop("Thank up to 10 people at once, naming company values "
                                                            "with #. Uses one of your kudos per person.")),
    ("me", gettext_noop("Your points, level, ranks, the badges you are closest to and the kudos you have left.")),
    ("top [board]", gettext_noop("The top 5 of a leaderboard (the first board when none is named).")),
    ("challenges", gettext_noop("The running challenges and how far you are.")),
    ("help", gettext_noop("What the bot understands.")),
]


def card(body: list[dict], actions: list[dict] | None = None) -> dict:
    content = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        content["actions"] = actions
    return content


def attachment(content: dict) -> dict:
    return {"contentType": CONTENT_TYPE, "content": content}


def _text(text: str, **style) -> dict:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _title(text: str) -> dict:
    return _text(text, size="Medium", weight="Bolder")


def _facts(pairs: list[tuple[str, str]]) -> dict:
    return {"type": "FactSet", "facts": [{"title": title, "value": value} for title, value in pairs]}


def _date(moment: datetime | str) -> str:
    if isinstance(moment, datetime):
        moment = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "{{DATE(" + moment + ", SHORT)}}"


def allowance_line(allowance) -> str:
    """'7 of 10 kudos left this month; more on Tue, Dec 1, 2026' (or None when kudos are not set up)."""
    if allowance is None:
        return gettext("Kudos are not set up: an admin adds a kudos: section to the ruleset.")
    words = {"day": gettext("%(left)s of %(amount)s kudos left today; more on %(day)s."),
             "week": gettext("%(left)s of %(amount)s kudos left this week; more on %(day)s."),
             "month": gettext("%(left)s of %(amount)s kudos left this month; more on %(day)s.")}
    return words.get(allowance.per, words["month"]) % {"left": allowance.left, "amount": allowance.amount,
                                                        "day": _date(allowance.resets_at)}


def kudos_sent(receiver_names: list[str], message: str, values: list[str], allowance, duplicate: bool) -> dict:
    who = ", ".join(receiver_names)
    body = [_title(gettext("Kudos sent to %(who)s") % {"who": who} if not duplicate
                   else gettext("Kudos to %(who)s already sent") % {"who": who}),
            _text(message, isSubtle=True)]
    if values:
        body.append(_text(gettext("Values: %(values)s") % {"values": " ".join(f"#{v}" for v in values)}))
    body.append(_text(allowance_line(allowance), spacing="Medium"))
    return card(body)


def kudos_refused(message: str, allowance) -> dict:
    body = [_title(gettext("Kudos not sent")), _text(message, color="Attention")]
    if allowance is not None:
        body.append(_text(allowance_line(allowance), spacing="Medium"))
    return card(body)


def me(standing: dict, allowance) -> dict:
    body = [_title(gettext("%(name)s: %(points)s points") % {"name": standing["name"], "points": standing["points"]})]
    if not standing.get("known"):
        body.append(_text(gettext("No points yet: they come from taking part (posting, helping, finishing courses) "
                                  "and from kudos others give you.")))
    facts = []
    if standing.get("level"):
        facts.append((gettext("Level"), standing["level"]["name"]))
    upcoming = standing.get("next_level")
    if upcoming:
        facts.append((gettext("Next level"), gettext("%(level)s in %(points)s points") % {
            "level": upcoming["name"], "points": upcoming["points_needed"]}))
    for rank in standing.get("ranks", []):
        where = rank.get("name") or rank["board"]
        if rank.get("scope"):
            where += f" ({rank['scope']})"
        facts.append((where, gettext("#%(rank)s with %(points)s points") % {"rank": rank["rank"], "points": rank["points"]}))
    if facts:
        body.append(_facts(facts))
    if standing.get("near_badges"):
        body.append(_text(gettext("Closest badges"), weight="Bolder", spacing="Medium"))
        body.append(_facts([(b["name"] + (f" ({b['tier']})" if b.get("tier") else ""), b["words"])
                            for b in standing["near_badges"]]))
    body.append(_text(allowance_line(allowance), spacing="Medium"))
    return card(body)


def top(board: dict) -> dict:
    title = (gettext("Top %(n)s on %(board)s") % {"n": len(board["entries"]), "board": board["name"]} if board["entries"]
             else gettext("%(board)s: nobody yet") % {"board": board["name"]})
    period = gettext("Period: %(period)s") % {"period": board["period"]}
    body = [_title(title), _text(period + (f", {board['scope']}" if board.get("scope") else ""), isSubtle=True)]
    if board["entries"]:
        body.append(_facts([(f"#{e['rank']} {e['name']}", gettext("%(points)s points") % {"points": e["points"]})
                            for e in board["entries"]]))
    return card(body)


def challenges(items: list[dict]) -> dict:
    """The running challenges, each with the asker's progress as a bar and numbers."""
    if not items:
        return notice(gettext("Challenges"), gettext("No challenge is running now."))
    body = [_title(gettext("Running challenges"))]
    for item in items:
        body.append(_text(item["name"], weight="Bolder", spacing="Medium"))
        if item["progress"] is None:
            body.append(_text(gettext("You take part once you belong to a team."), isSubtle=True))
        else:
            whose = {"individual": gettext("You"), "team": gettext("Your team"), "collective": gettext("Everyone")}[item["kind"]]
            done = " ✓" if item["reached_at"] else ""
            body.append(_text(f"{item['bar']} " + gettext("%(whose)s: %(progress)s of %(goal)s") % {
                "whose": whose, "progress": item["progress"], "goal": item["goal"]} + done))
        pairs = [(gettext("Goal"), item["goal_words"]), (gettext("Ends"), _date(item["ends"]))]
        if item["reward_words"]:
            pairs.append((gettext("Reward"), item["reward_words"]))
        body.append(_facts(pairs))
    return card(body)


def notice(title: str, text: str) -> dict:
    return card([_title(title), _text(text)])


def help_card(intro: str | None = None) -> dict:
    body = [_title(gettext("Plaudit: recognition where you work"))]
    if intro:
        body.append(_text(intro))
    body.append(_facts([(command, gettext(words)) for command, words in COMMANDS]))
    body.append(_text(gettext("In a channel or group chat, mention the bot first: @Plaudit kudos @Ana thanks for the "
                              "review #teamwork"), isSubtle=True, spacing="Medium"))
    return card(body)


def welcome() -> dict:
    return help_card(gettext("Hello! I record kudos between colleagues and tell you where you stand."))
