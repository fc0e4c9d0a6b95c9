"""The Teams bot's answers as Adaptive Cards (schema 1.5, which Teams renders on desktop, web and mobile).

Plain data in (what engine/integrations/standing.py and the kudos actions return), card JSON out; the
bot module posts them. Dates are written with the card's DATE() function so each reader sees them in
their own locale and time zone.
"""

from __future__ import annotations

from datetime import datetime, timezone

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"

COMMANDS = [
    ("kudos @name [@name ...] message #value", "Thank up to 10 people at once, naming company values with #. "
     "Uses one of your kudos per person."),
    ("me", "Your points, level, ranks, the badges you are closest to and the kudos you have left."),
    ("top [board]", "The top 5 of a leaderboard (the first board when none is named)."),
    ("help", "What the bot understands."),
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
        return "Kudos are not set up: an admin adds a kudos: section to the ruleset."
    return f"{allowance.left} of {allowance.amount} kudos left this {allowance.per}; more on {_date(allowance.resets_at)}."


def kudos_sent(receiver_names: list[str], message: str, values: list[str], allowance, duplicate: bool) -> dict:
    who = ", ".join(receiver_names)
    body = [_title(f"Kudos sent to {who}" if not duplicate else f"Kudos to {who} already sent"),
            _text(message, isSubtle=True)]
    if values:
        body.append(_text("Values: " + " ".join(f"#{v}" for v in values)))
    body.append(_text(allowance_line(allowance), spacing="Medium"))
    return card(body)


def kudos_refused(message: str, allowance) -> dict:
    body = [_title("Kudos not sent"), _text(message, color="Attention")]
    if allowance is not None:
        body.append(_text(allowance_line(allowance), spacing="Medium"))
    return card(body)


def me(standing: dict, allowance) -> dict:
    body = [_title(f"{standing['name']}: {standing['points']} points")]
    if not standing.get("known"):
        body.append(_text("No points yet: they come from taking part (posting, helping, finishing courses) and from "
                          "kudos others give you."))
    facts = []
    if standing.get("level"):
        facts.append(("Level", standing["level"]["name"]))
    upcoming = standing.get("next_level")
    if upcoming:
        facts.append(("Next level", f"{upcoming['name']} in {upcoming['points_needed']} points"))
    for rank in standing.get("ranks", []):
        where = rank.get("name") or rank["board"]
        if rank.get("scope"):
            where += f" ({rank['scope']})"
        facts.append((where, f"#{rank['rank']} with {rank['points']} points"))
    if facts:
        body.append(_facts(facts))
    if standing.get("near_badges"):
        body.append(_text("Closest badges", weight="Bolder", spacing="Medium"))
        body.append(_facts([(b["name"] + (f" ({b['tier']})" if b.get("tier") else ""), b["words"])
                            for b in standing["near_badges"]]))
    body.append(_text(allowance_line(allowance), spacing="Medium"))
    return card(body)


def top(board: dict) -> dict:
    title = f"Top {len(board['entries'])} on {board['name']}" if board["entries"] else f"{board['name']}: nobody yet"
    body = [_title(title), _text(f"Period: {board['period']}" + (f", {board['scope']}" if board.get("scope") else ""),
                                 isSubtle=True)]
    if board["entries"]:
        body.append(_facts([(f"#{e['rank']} {e['name']}", f"{e['points']} points") for e in board["entries"]]))
    return card(body)


def notice(title: str, text: str) -> dict:
    return card([_title(title), _text(text)])


def help_card(intro: str | None = None) -> dict:
    body = [_title("Plaudit: recognition where you work")]
    if intro:
        body.append(_text(intro))
    body.append(_facts(COMMANDS))
    body.append(_text("In a channel or group chat, mention the bot first: @Plaudit kudos @Ana thanks for the review "
                      "#teamwork", isSubtle=True, spacing="Medium"))
    return card(body)


def welcome() -> dict:
    return help_card("Hello! I record kudos between colleagues and tell you where you stand.")
