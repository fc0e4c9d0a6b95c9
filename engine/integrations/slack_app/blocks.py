"""What the app says in Slack, built with slack-sdk's Block Kit models (`slack_sdk.models`).

The models check Slack's limits as they serialise (`to_dict()` validates lengths and counts), so a
message Slack would refuse fails here, in a test, not in front of a user.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timezone as dt_timezone

from babel.dates import format_datetime
from django.utils.translation import get_language, gettext
from slack_sdk.models.blocks import (
    ActionsBlock, ButtonElement, CheckboxesElement, ContextBlock, DividerBlock, HeaderBlock, InputBlock,
    MarkdownTextObject, Option, PlainTextInputElement, PlainTextObject, SectionBlock, StaticMultiSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

TEXT_LIMIT = 3000  # a section's text
MAX_RECEIVERS = 10
MAX_MESSAGE = 2000  # what the kudos core takes
CHECKBOX_LIMIT = 10  # more values than this are offered as a multi-select


def escape(text: str) -> str:
    """Text people typed or named, shown as is: no formatting, links or pings of their own."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def when(moment: datetime) -> str:
    """A time each reader sees in their own timezone (Slack's date formatting), with a UTC fallback."""
    fallback = moment.strftime("%a %d %b %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _left(allowance, strong: bool) -> str:
    words = {"day": gettext("You have %(left)s of %(amount)s kudos left today; it resets %(when)s."),
             "week": gettext("You have %(left)s of %(amount)s kudos left this week; it resets %(when)s."),
             "month": gettext("You have %(left)s of %(amount)s kudos left this month; it resets %(when)s.")}
    template = words.get(allowance.per, words["month"])
    left = f"*{allowance.left}*" if strong else str(allowance.left)
    moment = when(allowance.resets_at) if strong else format_datetime(
        allowance.resets_at, "EEE dd MMM HH:mm", tzinfo=dt_timezone.utc, locale=get_language() or "en") + " UTC"
    return template % {"left": left, "amount": allowance.amount, "when": moment}


def allowance_line(allowance) -> str:
    if allowance is None:
        return ""
    return _left(allowance, strong=True)


def allowance_plain(allowance) -> str:
    """The same, for plain-text places (a modal's error line) where Slack formats no dates."""
    if allowance is None:
        return ""
    return _left(allowance, strong=False)


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:TEXT_LIMIT]))


def message(text: str, blocks: list) -> dict:
    """The answer to a slash command: only the person who typed it sees it."""
    return {"response_type": "ephemeral", "text": text[:TEXT_LIMIT], "blocks": [b.to_dict() for b in blocks]}


def plain(text: str) -> dict:
    return message(text, [section(text)])


# --- /plaudit help ------------------------------------------------------------------------------

def help_text() -> str:
    return gettext(
        "*Plaudit in Slack*\n"
        "• `/kudos @someone [@someone-else …] what they did #value`: thank colleagues; it uses one kudos of your "
        "allowance per person thanked, and the channel sees it.\n"
        "• `/plaudit` or `/plaudit me`: your points, level, ranks and the badges you are closest to.\n"
        "• `/plaudit top [board]`: the top 5 of a leaderboard (the first one by default).\n"
        "• `/plaudit challenges`: the running challenges and how far you are.\n"
        "• `/plaudit help`: this message.\n"
        "• On any message: *⋯ > Give kudos* thanks its author. The app's *Home* tab shows where you stand.")


def help_message() -> dict:
    return plain(help_text())


# --- /plaudit me, the Home tab -------------------------------------------------------------------


def standing_lines(me: dict, allowance) -> list[str]:
    level = me.get("level")
    points = gettext("*%(points)s* points") % {"points": me["points"]}
    lines = [points + (", " + gettext("level *%(level)s*") % {"level": escape(level["name"])} if level else "")]
    upcoming = me.get("next_level")
    if upcoming:
        lines.append(gettext("%(points)s points to *%(level)s*") % {"points": upcoming["points_needed"],
                                                                   "level": escape(upcoming["name"])})
    ranks = [gettext("#%(rank)s on %(board)s") % {"rank": r["rank"], "board": escape(r.get("name") or r["board"])}
             + (f" ({escape(r['scope'])})" if r.get("scope") else "") for r in me.get("ranks", [])]
    lines.append(gettext("Ranks: %(ranks)s") % {"ranks": ", ".join(ranks) if ranks else gettext("not on a leaderboard yet")})
    near = [f"{escape(b['name'])}" + (f" {escape(b['tier'])}" if b.get("tier") else "") + f" ({b['have']}/{b['need']})"
            for b in me.get("near_badges", [])]
    if near:
        lines.append(gettext("Closest badges: %(badges)s") % {"badges": ", ".join(near)})
    if me.get("badges"):
        lines.append(gettext("Badges earned: %(n)s") % {"n": len(me["badges"])})
    if allowance is not None:
        lines.append(allowance_line(allowance))
    return lines


def me_message(me: dict, allowance) -> dict:
    lines = standing_lines(me, allowance)
    if not me.get("known"):
        lines.insert(0, gettext("You have no points yet: take part, and thank others with `/kudos`."))
    text = "\n".join(lines)
    return message(text, [section(text)])


def home_view(me: dict, allowance) -> dict:
    blocks = [HeaderBlock(text=PlainTextObject(text=gettext("Where you stand"))), section("\n".join(standing_lines(me, allowance))),
              DividerBlock(),
              SectionBlock(text=MarkdownTextObject(text=gettext("Thank someone: `/kudos @someone what they did #value`, "
                                                                "*⋯ > Give kudos* on their message, or here.")),
                           accessory=ButtonElement(text=PlainTextObject(text=gettext("Give kudos")), action_id="give_kudos",
                                                   value="home", style="primary")),
              ContextBlock(elements=[MarkdownTextObject(text=gettext("`/plaudit top` shows the leaderboard, `/plaudit help` the commands."))])]
    return View(type="home", blocks=blocks).to_dict()


# --- /plaudit top --------------------------------------------------------------------------------


def top_message(top: dict) -> dict:
    title = (gettext("*Top %(n)s on %(board)s* (%(period)s)") % {"n": len(top["entries"]), "board": escape(top["name"]),
                                                                  "period": escape(top["period"])}
             if top["entries"] else gettext("Nobody is on *%(board)s* yet.") % {"board": escape(top["name"])})
    lines = [f"{e['rank']}. {escape(e['name'])}: {e['points']}" for e in top["entries"]]
    text = "\n".join([title, *lines])
    return message(text, [section(text)])


# --- /plaudit challenges --------------------------------------------------------------------------


def challenge_line(item: dict) -> str:
    """One challenge: its name, the asker's progress as a bar and numbers, its goal and when it ends."""
    head = f"*{escape(item['name'])}*"
    if item["progress"] is None:
        progress = gettext("you take part once you belong to a team")
    else:
        whose = {"individual": gettext("you"), "team": gettext("your team"), "collective": gettext("everyone")}[item["kind"]]
        progress = f"`{item['bar']}` " + gettext("%(whose)s: %(progress)s of %(goal)s") % {
            "whose": whose, "progress": item["progress"], "goal": item["goal"]}
        if item["reached_at"]:
            progress += " :white_check_mark:"
    lines = [head, progress, gettext("Goal: %(goal)s. Ends %(when)s.") % {"goal": escape(item["goal_words"]),
                                                                         "when": when(item["ends"])}]
    if item["reward_words"]:
        lines.append(gettext("Reward: %(reward)s") % {"reward": escape(item["reward_words"])})
    return "\n".join(lines)


def challenges_message(items: list[dict]) -> dict:
    if not items:
        return plain(gettext("No challenge is running now."))
    title = gettext("*Running challenges*")
    parts = [challenge_line(i) for i in items]
    return message("\n\n".join([title, *parts]), [section(title), *[section(p) for p in parts]])


# --- kudos -------------------------------------------------------------------------------------


def kudos_given(given, receivers: list[str], announced: bool) -> dict:
    who = ", ".join(f"<@{u}>" for u in receivers)
    text = gettext(":tada: Kudos sent to %(who)s.") % {"who": who} + (
        "" if announced else " " + gettext("(Invite the app to this channel to announce kudos here.)"))
    if given.duplicate:
        text = gettext("Those kudos to %(who)s were already given.") % {"who": who}
    return message(f"{text} {allowance_line(given.allowance)}", [section(text), ContextBlock(
        elements=[MarkdownTextObject(text=allowance_line(given.allowance) or " ")])])


def kudos_refused(refusal) -> dict:
    text = f":no_entry_sign: {escape(refusal.message)}"
    blocks = [section(text)]
    line = allowance_line(getattr(refusal, "allowance", None))
    if line:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=line)]))
    return message(f"{text} {line}".strip(), blocks)


def kudos_announcement(giver: str, receivers: list[str], text: str, values: list[str], event_id: str) -> tuple[str, list[dict]]:
    """The channel's message: mentions notify the receivers; the button lets anyone congratulate them."""
    who = ", ".join(f"<@{u}>" for u in receivers)
    tags = " ".join(f"`#{escape(v)}`" for v in values)
    headline = f":clap: <@{giver}> gave kudos to {who}"
    body = f"{headline}\n>{escape(text)[:2500]}" + (f"\n{tags}" if tags else "")
    blocks = [section(body), congratulate_actions(event_id)]
    return headline, [b.to_dict() for b in blocks]


def congratulate_actions(event_id: str) -> ActionsBlock:
    return ActionsBlock(block_id="recognition", elements=[
        ButtonElement(text=PlainTextObject(text=gettext(":tada: Congratulate"), emoji=True), action_id="congratulate", value=event_id)])


# --- the give_kudos shortcut's modal -----------------------------------------------------------


def kudos_modal(*, initial_users: list[str], text: str, values: list[str], metadata: str) -> dict:
    blocks = [
        InputBlock(block_id="receivers", label=PlainTextObject(text=gettext("Who do you thank?")),
                   element=UserMultiSelectElement(action_id="users", placeholder=PlainTextObject(text=gettext("Pick up to 10 people")),
                                                  initial_users=initial_users or None, max_selected_items=MAX_RECEIVERS)),
        InputBlock(block_id="message", label=PlainTextObject(text=gettext("What for?")),
                   element=PlainTextInputElement(action_id="text", multiline=True, initial_value=text[:MAX_MESSAGE] or None,
                                                 max_length=MAX_MESSAGE)),
    ]
    if values:
        options = [Option(value=v[:75], text=PlainTextObject(text=f"#{v}"[:75])) for v in values[:100]]
        element = (CheckboxesElement(action_id="picked", options=options) if len(options) <= CHECKBOX_LIMIT
                   else StaticMultiSelectElement(action_id="picked", options=options,
                                                 placeholder=PlainTextObject(text=gettext("Company values"))))
        blocks.append(InputBlock(block_id="values", label=PlainTextObject(text=gettext("Company values")), element=element,
                                 optional=True))
    return View(type="modal", callback_id="give_kudos", title=PlainTextObject(text=gettext("Give kudos")),
                submit=PlainTextObject(text=gettext("Send")), close=PlainTextObject(text=gettext("Cancel")),
                private_metadata=metadata[:3000], blocks=blocks).to_dict()


def kudos_sent_view(given, receivers: list[str]) -> dict:
    who = ", ".join(f"<@{u}>" for u in receivers)
    return View(type="modal", title=PlainTextObject(text=gettext("Kudos sent")), close=PlainTextObject(text=gettext("Done")),
                blocks=[section(gettext(":tada: Kudos sent to %(who)s.") % {"who": who}), section(allowance_line(given.allowance) or " ")]).to_dict()
