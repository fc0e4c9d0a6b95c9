"""What the app says in Slack, built with slack-sdk's Block Kit models (`slack_sdk.models`).

The models check Slack's limits as they serialise (`to_dict()` validates lengths and counts), so a
message Slack would refuse fails here, in a test, not in front of a user.
"""

from __future__ import annotations

from datetime import datetime

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


def allowance_line(allowance) -> str:
    if allowance is None:
        return ""
    return f"You have *{allowance.left}* of {allowance.amount} kudos left this {allowance.per}; it resets {when(allowance.resets_at)}."


def allowance_plain(allowance) -> str:
    """The same, for plain-text places (a modal's error line) where Slack formats no dates."""
    if allowance is None:
        return ""
    return f"You have {allowance.left} of {allowance.amount} kudos left this {allowance.per}; it resets {allowance.resets_at:%a %d %b %H:%M} UTC."


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:TEXT_LIMIT]))


def message(text: str, blocks: list) -> dict:
    """The answer to a slash command: only the person who typed it sees it."""
    return {"response_type": "ephemeral", "text": text[:TEXT_LIMIT], "blocks": [b.to_dict() for b in blocks]}


def plain(text: str) -> dict:
    return message(text, [section(text)])


# --- /plaudit help ------------------------------------------------------------------------------

HELP = ("*Plaudit in Slack*\n"
        "• `/kudos @someone [@someone-else …] what they did #value`: thank colleagues; it uses one kudos of your "
        "allowance per person thanked, and the channel sees it.\n"
        "• `/plaudit` or `/plaudit me`: your points, level, ranks and the badges you are closest to.\n"
        "• `/plaudit top [board]`: the top 5 of a leaderboard (the first one by default).\n"
        "• `/plaudit help`: this message.\n"
        "• On any message: *⋯ > Give kudos* thanks its author. The app's *Home* tab shows where you stand.")


def help_message() -> dict:
    return plain(HELP)


# --- /plaudit me, the Home tab -------------------------------------------------------------------


def standing_lines(me: dict, allowance) -> list[str]:
    level = me.get("level")
    lines = [f"*{me['points']}* points" + (f", level *{escape(level['name'])}*" if level else "")]
    upcoming = me.get("next_level")
    if upcoming:
        lines.append(f"{upcoming['points_needed']} points to *{escape(upcoming['name'])}*")
    ranks = [f"#{r['rank']} on {escape(r.get('name') or r['board'])}" + (f" ({escape(r['scope'])})" if r.get("scope") else "")
             for r in me.get("ranks", [])]
    lines.append("Ranks: " + (", ".join(ranks) if ranks else "not on a leaderboard yet"))
    near = [f"{escape(b['name'])}" + (f" {escape(b['tier'])}" if b.get("tier") else "") + f" ({b['have']}/{b['need']})"
            for b in me.get("near_badges", [])]
    if near:
        lines.append("Closest badges: " + ", ".join(near))
    if me.get("badges"):
        lines.append(f"Badges earned: {len(me['badges'])}")
    if allowance is not None:
        lines.append(allowance_line(allowance))
    return lines


def me_message(me: dict, allowance) -> dict:
    lines = standing_lines(me, allowance)
    if not me.get("known"):
        lines.insert(0, "You have no points yet: take part, and thank others with `/kudos`.")
    text = "\n".join(lines)
    return message(text, [section(text)])


def home_view(me: dict, allowance) -> dict:
    blocks = [HeaderBlock(text=PlainTextObject(text="Where you stand")), section("\n".join(standing_lines(me, allowance))),
              DividerBlock(),
              SectionBlock(text=MarkdownTextObject(text="Thank someone: `/kudos @someone what they did #value`, "
                                                        "*⋯ > Give kudos* on their message, or here."),
                           accessory=ButtonElement(text=PlainTextObject(text="Give kudos"), action_id="give_kudos",
                                                   value="home", style="primary")),
              ContextBlock(elements=[MarkdownTextObject(text="`/plaudit top` shows the leaderboard, `/plaudit help` the commands.")])]
    return View(type="home", blocks=blocks).to_dict()


# --- /plaudit top --------------------------------------------------------------------------------


def top_message(top: dict) -> dict:
    title = f"*Top {len(top['entries'])} on {escape(top['name'])}* ({escape(top['period'])})" if top["entries"] else \
        f"Nobody is on *{escape(top['name'])}* yet."
    lines = [f"{e['rank']}. {escape(e['name'])}: {e['points']}" for e in top["entries"]]
    text = "\n".join([title, *lines])
    return message(text, [section(text)])


# --- kudos -------------------------------------------------------------------------------------


def kudos_given(given, receivers: list[str], announced: bool) -> dict:
    who = ", ".join(f"<@{u}>" for u in receivers)
    text = f":tada: Kudos sent to {who}." + ("" if announced else " (Invite the app to this channel to announce kudos here.)")
    if given.duplicate:
        text = f"Those kudos to {who} were already given."
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
        ButtonElement(text=PlainTextObject(text=":tada: Congratulate", emoji=True), action_id="congratulate", value=event_id)])


# --- the give_kudos shortcut's modal -----------------------------------------------------------


def kudos_modal(*, initial_users: list[str], text: str, values: list[str], metadata: str) -> dict:
    blocks = [
        InputBlock(block_id="receivers", label=PlainTextObject(text="Who do you thank?"),
                   element=UserMultiSelectElement(action_id="users", placeholder=PlainTextObject(text="Pick up to 10 people"),
                                                  initial_users=initial_users or None, max_selected_items=MAX_RECEIVERS)),
        InputBlock(block_id="message", label=PlainTextObject(text="What for?"),
                   element=PlainTextInputElement(action_id="text", multiline=True, initial_value=text[:MAX_MESSAGE] or None,
                                                 max_length=MAX_MESSAGE)),
    ]
    if values:
        options = [Option(value=v[:75], text=PlainTextObject(text=f"#{v}"[:75])) for v in values[:100]]
        element = (CheckboxesElement(action_id="picked", options=options) if len(options) <= CHECKBOX_LIMIT
                   else StaticMultiSelectElement(action_id="picked", options=options,
                                                 placeholder=PlainTextObject(text="Company values")))
        blocks.append(InputBlock(block_id="values", label=PlainTextObject(text="Company values"), element=element,
                                 optional=True))
    return View(type="modal", callback_id="give_kudos", title=PlainTextObject(text="Give kudos"),
                submit=PlainTextObject(text="Send"), close=PlainTextObject(text="Cancel"),
                private_metadata=metadata[:3000], blocks=blocks).to_dict()


def kudos_sent_view(given, receivers: list[str]) -> dict:
    who = ", ".join(f"<@{u}>" for u in receivers)
    return View(type="modal", title=PlainTextObject(text="Kudos sent"), close=PlainTextObject(text="Done"),
                blocks=[section(f":tada: Kudos sent to {who}."), section(allowance_line(given.allowance) or " ")]).to_dict()
