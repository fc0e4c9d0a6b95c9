"""Pictures of what the Slack app and the Teams bot send, for docs/integrations.md.

    python -m web.chat_previews --out docs/screenshots

The messages are the real ones: built by the same functions the apps answer with
(engine/integrations/slack_app/blocks.py, notifications/kinds/slack.py, engine/integrations/teams_bot_cards.py)
from demo-like data, then photographed in Debian's chromium through Playwright.

- Teams: the Adaptive Cards are rendered by Microsoft's own renderer, the npm package `adaptivecards`
  (pinned in web/previews/package-lock.json; `npm ci` runs there when its node_modules is missing), with a
  light host config close to Teams'.
- Slack: Slack publishes no offline Block Kit renderer, so the blocks are drawn by the small HTML preview
  below (sections with mrkdwn and fields, context, buttons, header, divider). It shows what the blocks
  say and how they are laid out; it is not Slack's rendering, and the captions say so.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREVIEWS = Path(__file__).resolve().parent / "previews"
RENDERER = PREVIEWS / "node_modules" / "adaptivecards" / "dist" / "adaptivecards.min.js"

# Demo-like people: Slack user ids as Slack writes them in mentions, and the names Slack shows for them.
SLACK_USERS = {"U01ANA": "Ana Weber", "U02BEN": "Ben Okafor", "U03CARLA": "Carla Rossi", "U04DAVID": "David Kim"}
NOW = datetime(2026, 12, 3, 10, 24, tzinfo=timezone.utc)
RESETS = datetime(2026, 12, 7, 0, 0, tzinfo=timezone.utc)  # the next Monday: the demo's allowance is weekly
MESSAGE = "Thanks for pairing on the pandas workshop notebook, the groupby section finally makes sense"

ME = {"id": "ana.weber@example.com", "name": "Ana Weber", "points": 342, "known": True,
      "level": {"name": "Connector", "min_points": 300},
      "next_level": {"name": "Mentor", "min_points": 650, "points_needed": 308},
      "badges": [{"id": "first-post"}, {"id": "helper"}, {"id": "conversation-starter"}],
      "ranks": [{"board": "all-time", "name": "All time", "rank": 12, "points": 342},
                {"board": "weekly", "name": "This week", "rank": 3, "points": 48},
                {"board": "teams", "name": "By team", "rank": 2, "points": 131, "scope": "data"}],
      "near_badges": [{"id": "helper", "name": "Helper", "tier": "Silver", "have": 8, "need": 10,
                       "words": "8 of 10 answers accepted"},
                      {"id": "crowd-favourite", "name": "Crowd Favourite", "tier": "Bronze", "have": 19, "need": 25,
                       "words": "19 of 25 likes received"}]}
TOP = {"board": "weekly", "name": "This week", "period": "2026-W49", "scope": None,
       "entries": [{"rank": 1, "name": "Greta Novak", "points": 71}, {"rank": 2, "name": "Hamza Ali", "points": 55},
                   {"rank": 3, "name": "Ana Weber", "points": 48}, {"rank": 4, "name": "Jonas Berg", "points": 44},
                   {"rank": 5, "name": "Maya Lind", "points": 39}]}


def _django() -> None:
    """The kudos and notification modules read Django models: settings are needed, a database is not."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engine.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


# --- what the apps send ---------------------------------------------------------------------------


def slack_messages() -> list[dict]:
    """[{name, title, kind (ephemeral|channel|home), blocks}] built by the Slack app's own functions."""
    _django()
    from engine.integrations.slack_app import blocks
    from kudos.actions import Given, KudosRefused
    from kudos.allowance import Allowance
    from notifications.kinds import slack as slack_kind
    from notifications.render import default_text, render
    from notifications.templates import SAMPLES

    allowance = Allowance(left=7, amount=10, per="week", resets_at=RESETS)
    given = Given(event_id="slack:T01:kudos:demo", receivers=["ben.okafor@example.com", "carla.rossi@example.com"],
                  values=["teamwork"], allowance=allowance, duplicate=False)
    refusal = KudosRefused("unknown_value", "#kindness is not one of the company values: #teamwork, #curiosity, "
                           "#craft, #sharing.", allowance)
    _, announcement = blocks.kudos_announcement("U01ANA", ["U02BEN", "U03CARLA"], MESSAGE, ["teamwork"], given.event_id)
    earned = {**SAMPLES["badge_awarded"], "level": None,
              "person": {**SAMPLES["badge_awarded"]["person"], "id": "ana.weber@example.com", "name": "Ana Weber",
                         "points": 342, "level": "Connector"}}
    badge = slack_kind.payload(render("slack", default_text("badge_awarded"), earned))["blocks"]
    # The earner's mention is added once their Slack user is linked (a database read): left out here.
    _, recognition = slack_kind.recognition_blocks("badge_awarded", {**earned, "person": {}})
    return [
        {"name": "slack-kudos-sent", "title": "/kudos @Ben @Carla … #teamwork", "kind": "ephemeral",
         "blocks": blocks.kudos_given(given, ["U02BEN", "U03CARLA"], announced=True)["blocks"]},
        {"name": "slack-kudos-announced", "title": "the channel's message", "kind": "channel", "blocks": announcement},
        {"name": "slack-kudos-refused", "title": "/kudos @Ben … #kindness", "kind": "ephemeral",
         "blocks": blocks.kudos_refused(refusal)["blocks"]},
        {"name": "slack-me", "title": "/plaudit me", "kind": "ephemeral",
         "blocks": blocks.me_message(ME, allowance)["blocks"]},
        {"name": "slack-top", "title": "/plaudit top weekly", "kind": "ephemeral",
         "blocks": blocks.top_message(TOP)["blocks"]},
        {"name": "slack-home", "title": "the app's Home tab", "kind": "home",
         "blocks": blocks.home_view(ME, allowance)["blocks"]},
        {"name": "slack-badge", "title": "a badge announcement", "kind": "channel", "blocks": badge + recognition},
    ]


def teams_cards() -> list[dict]:
    """[{name, title, card}] built by the Teams bot's own card functions."""
    _django()
    from engine.integrations import teams_bot_cards as cards
    from kudos.allowance import Allowance

    allowance = Allowance(left=7, amount=10, per="week", resets_at=RESETS)
    return [
        {"name": "teams-kudos-sent", "title": "kudos @Ben @Carla … #teamwork",
         "card": cards.kudos_sent(["Ben Okafor", "Carla Rossi"], MESSAGE, ["teamwork"], allowance, False)},
        {"name": "teams-kudos-refused", "title": "kudos @Ben … #kindness",
         "card": cards.kudos_refused("#kindness is not one of the company values: #teamwork, #curiosity, #craft, "
                                     "#sharing.", allowance)},
        {"name": "teams-me", "title": "me", "card": cards.me(ME, allowance)},
        {"name": "teams-top", "title": "top weekly", "card": cards.top(TOP)},
    ]


# --- Plaudit's preview of Block Kit ----------------------------------------------------------------

_TOKEN = re.compile(r"<([^<>\n]+)>")
_DATE = re.compile(r"!date\^(\d+)\^[^|]*\|(.*)", re.S)


def _inline(text: str) -> str:
    """mrkdwn that is already HTML-escaped: *bold*, _italic_, ~strike~, `code`, :emoji:."""
    text = re.sub(r"`([^`\n]+)`", r"<code>\1</code>", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w])_([^_\n]+)_(?![\w])", r"<i>\1</i>", text)
    text = re.sub(r"(?<![\w~])~([^~\n]+)~(?![\w~])", r"<s>\1</s>", text)
    # Slack draws its own emoji images here; the preview names them (a browser without an emoji font
    # would show empty boxes).
    return re.sub(r":([a-z][a-z0-9_+-]*):", r'<span class="emoji">:\1:</span>', text)


def _token(inner: str) -> str:
    if inner.startswith("@"):
        user = inner[1:].partition("|")[0]
        return f'<span class="mention">@{html.escape(SLACK_USERS.get(user, user))}</span>'
    if inner.startswith("#"):
        channel, _, label = inner[1:].partition("|")
        return f'<span class="mention">#{html.escape(label or channel)}</span>'
    if (date := _DATE.fullmatch(inner)) is not None:
        # Slack shows the reader's own time zone; the preview shows the moment in UTC.
        moment = datetime.fromtimestamp(int(date.group(1)), timezone.utc)
        return f'<span class="date">{moment:%a %-d %b} at {moment:%H:%M}</span>'
    if inner.startswith("!"):
        return f'<span class="mention">@{html.escape(inner[1:].partition("|")[0])}</span>'
    url, _, label = inner.partition("|")
    return f'<a href="{html.escape(url)}">{html.escape(_unescape(label or url))}</a>'


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn(text: str) -> str:
    """Slack's mrkdwn as HTML: links <url|text>, mentions <@U…>, dates, quotes and the inline styles."""
    lines = []
    for line in text.split("\n"):
        quoted = line.startswith(">") or line.startswith("&gt;")
        if quoted:
            line = line[1:] if line.startswith(">") else line[4:]
        parts, at = [], 0
        for token in _TOKEN.finditer(line):
            parts.append(_inline(html.escape(_unescape(line[at:token.start()]), quote=False)))
            parts.append(_token(token.group(1)))
            at = token.end()
        parts.append(_inline(html.escape(_unescape(line[at:]), quote=False)))
        lines.append(f'<blockquote>{"".join(parts)}</blockquote>' if quoted else "".join(parts))
    out = ""
    for i, line in enumerate(lines):
        out += line if line.startswith("<blockquote>") or i == len(lines) - 1 or lines[i + 1].startswith("<blockquote>") \
            else line + "<br>"
    return out


def _text(obj: dict) -> str:
    if obj.get("type") == "mrkdwn":
        return mrkdwn(obj["text"])
    return _inline(html.escape(obj["text"], quote=False)) if obj.get("emoji", True) else html.escape(obj["text"])


def _button(element: dict) -> str:
    style = element.get("style", "")
    return f'<span class="button {html.escape(style)}">{_text(element["text"])}</span>'


def block_html(block: dict) -> str:
    """One block as HTML; a block type the preview does not draw is an error, so no picture leaves one out."""
    kind = block["type"]
    if kind == "section":
        inner = f'<div class="text">{_text(block["text"])}</div>' if block.get("text") else ""
        if block.get("fields"):
            inner += '<div class="fields">' + "".join(f"<div>{_text(f)}</div>" for f in block["fields"]) + "</div>"
        accessory = block.get("accessory")
        if accessory and accessory.get("type") == "button":
            return f'<div class="section with-accessory"><div>{inner}</div>{_button(accessory)}</div>'
        if accessory:
            raise ValueError(f"the preview draws no {accessory.get('type')} accessory")
        return f'<div class="section">{inner}</div>'
    if kind == "context":
        return '<div class="context">' + " ".join(f"<span>{_text(e)}</span>" for e in block["elements"]
                                                  if e.get("type") in ("mrkdwn", "plain_text")) + "</div>"
    if kind == "actions":
        return '<div class="actions">' + "".join(_button(e) for e in block["elements"] if e["type"] == "button") + "</div>"
    if kind == "header":
        return f'<div class="header">{_text(block["text"])}</div>'
    if kind == "divider":
        return '<hr class="divider">'
    raise ValueError(f"the preview draws no {kind} block")


SLACK_CSS = """
body { margin: 0; background: #fff; font: 15px/1.47 Lato, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif;
       color: #1d1c1d; }
.frame { width: 640px; padding: 16px 20px 18px; }
.caption { font-size: 12px; color: #616061; margin-bottom: 10px; border-bottom: 1px solid #e8e8e8; padding-bottom: 6px; }
.caption b { color: #1d1c1d; }
.message { display: flex; gap: 10px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #4a154b; color: #fff; font-weight: 700;
          display: flex; align-items: center; justify-content: center; flex: none; font-size: 18px; }
.meta { margin-bottom: 2px; } .meta .name { font-weight: 900; } .meta .app { font-size: 10px; background: #e8e8e8;
        color: #616061; border-radius: 2px; padding: 1px 3px; margin: 0 4px; font-weight: 700; }
.meta .time { font-size: 12px; color: #616061; }
.only-you { font-size: 13px; color: #616061; margin-bottom: 4px; }
.blocks { flex: 1; }
.section { margin: 4px 0; } .section.with-accessory { display: flex; justify-content: space-between; gap: 16px;
           align-items: flex-start; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin-top: 4px; }
.context { font-size: 13px; color: #616061; margin: 6px 0; }
.actions { display: flex; gap: 8px; margin: 8px 0 4px; }
.button { display: inline-block; border: 1px solid #c3c3c3; border-radius: 4px; padding: 3px 12px; font-size: 14px;
          font-weight: 700; white-space: nowrap; background: #fff; }
.button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.button.danger { background: #e01e5a; border-color: #e01e5a; color: #fff; }
.header { font-size: 18px; font-weight: 900; margin: 4px 0 8px; }
.divider { border: 0; border-top: 1px solid #dddddd; margin: 12px 0; }
blockquote { margin: 2px 0; padding-left: 10px; border-left: 4px solid #dddddd; }
code { font: 12px Menlo, "DejaVu Sans Mono", monospace; color: #c01343; background: #f6f6f6; border: 1px solid #e8e8e8;
       border-radius: 3px; padding: 1px 3px; }
.mention { color: #1264a3; background: #e8f5fa; border-radius: 3px; padding: 0 2px; }
.emoji { font-size: 11px; color: #616061; background: #f1f1f1; border-radius: 8px; padding: 1px 5px; }
a { color: #1264a3; text-decoration: none; }
.tabs { display: flex; gap: 18px; border-bottom: 1px solid #e8e8e8; margin: -4px 0 12px; font-size: 14px; color: #616061; }
.tabs span { padding-bottom: 6px; } .tabs .on { color: #1d1c1d; font-weight: 700; border-bottom: 2px solid #1264a3; }
"""


def slack_page(message: dict) -> str:
    """A page holding one message (or the Home tab) in a frame like Slack's, with the preview's caption."""
    body = "".join(block_html(b) for b in message["blocks"])
    caption = (f"<b>{html.escape(message['title'])}</b> · Plaudit's preview of the Block Kit blocks the app sends "
               "(not Slack's rendering)")
    if message["kind"] == "home":
        content = ('<div class="meta"><span class="name">Plaudit</span></div><div class="tabs"><span class="on">Home'
                   f'</span><span>Messages</span><span>About</span></div><div class="blocks">{body}</div>')
        return _page(SLACK_CSS, f'<div class="frame"><div class="caption">{caption}</div>{content}</div>')
    only = '<div class="only-you">Only visible to you</div>' if message["kind"] == "ephemeral" else ""
    content = (f'{only}<div class="message"><div class="avatar">P</div><div class="blocks"><div class="meta">'
               f'<span class="name">Plaudit</span><span class="app">APP</span><span class="time">{NOW:%H:%M}</span>'
               f'</div>{body}</div></div>')
    return _page(SLACK_CSS, f'<div class="frame"><div class="caption">{caption}</div>{content}</div>')


def _page(css: str, body: str) -> str:
    return f'<!doctype html><html lang="en"><head><meta charset="utf-8"><style>{css}</style></head><body>{body}</body></html>'


# --- the Teams cards, in Microsoft's renderer ------------------------------------------------------

# A light host config in Teams' spirit: its font, its text colours and its spacing.
HOST_CONFIG = {
    "fontFamily": "'Segoe UI', 'DejaVu Sans', system-ui, sans-serif",
    "spacing": {"small": 4, "default": 8, "medium": 16, "large": 20, "extraLarge": 24, "padding": 16},
    "separator": {"lineThickness": 1, "lineColor": "#E1E1E1"},
    "fontSizes": {"small": 12, "default": 14, "medium": 16, "large": 21, "extraLarge": 26},
    "fontWeights": {"lighter": 200, "default": 400, "bolder": 600},
    "containerStyles": {"default": {"backgroundColor": "#FFFFFF", "foregroundColors": {
        "default": {"default": "#242424", "subtle": "#616161"}, "accent": {"default": "#5B5FC7", "subtle": "#5B5FC7"},
        "attention": {"default": "#C4314B", "subtle": "#C4314B"}, "good": {"default": "#237B4B", "subtle": "#237B4B"},
        "warning": {"default": "#835B00", "subtle": "#835B00"}}}},
    "factSet": {"title": {"weight": "bolder", "size": "default", "color": "default", "wrap": True, "maxWidth": 180},
                "value": {"color": "default", "wrap": True}, "spacing": 10},
    "actions": {"maxActions": 6, "buttonSpacing": 8, "actionsOrientation": "horizontal"},
}

TEAMS_CSS = """
body { margin: 0; background: #f5f5f5; font: 14px 'Segoe UI', 'DejaVu Sans', system-ui, sans-serif; color: #242424; }
.frame { width: 560px; padding: 16px 20px 18px; }
.caption { font-size: 12px; color: #616161; margin-bottom: 12px; }
.caption b { color: #242424; }
.message { display: flex; gap: 10px; }
.avatar { width: 32px; height: 32px; border-radius: 50%; background: #5b5fc7; color: #fff; font-weight: 700;
          display: flex; align-items: center; justify-content: center; flex: none; }
.meta { font-size: 12px; color: #616161; margin-bottom: 4px; } .meta b { color: #242424; }
.card { background: #fff; border-radius: 6px; box-shadow: 0 1px 2px rgba(0,0,0,.14); width: 460px; overflow: hidden; }
"""


def teams_page(item: dict, version: str) -> str:
    caption = (f"<b>{html.escape(item['title'])}</b> · the bot's Adaptive Card, rendered by Microsoft's renderer "
               f"(adaptivecards {html.escape(version)}) with a Teams-like light theme")
    return _page(TEAMS_CSS, f'<div class="frame"><div class="caption">{caption}</div><div class="message">'
                            f'<div class="avatar">P</div><div><div class="meta"><b>Plaudit</b> {NOW:%H:%M}</div>'
                            f'<div class="card" id="card"></div></div></div></div>')


RENDER_CARD = """([card, hostConfig]) => {
  const adaptive = new AdaptiveCards.AdaptiveCard();
  adaptive.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
  const context = new AdaptiveCards.SerializationContext();
  adaptive.parse(card, context);
  const errors = [];
  for (let i = 0; i < context.eventCount; i++) errors.push(context.getEventAt(i).message);
  for (const problem of adaptive.validateProperties().validationEvents) errors.push(problem.message);
  const element = adaptive.render();
  document.getElementById('card').appendChild(element);
  return errors;
}"""


def renderer() -> Path:
    """Microsoft's renderer, installed from web/previews/package-lock.json when it is not there yet."""
    if not RENDERER.exists():
        subprocess.run(["npm", "ci", "--prefix", str(PREVIEWS), "--no-audit", "--no-fund"], check=True)
    return RENDERER


def renderer_version() -> str:
    return json.loads((PREVIEWS / "package-lock.json").read_text())["packages"]["node_modules/adaptivecards"]["version"]


# --- the pictures ----------------------------------------------------------------------------------


def take(out: Path, chromium: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from web.screenshots import CHROMIUM_ARGS, _shrink

    script, version = renderer(), renderer_version()
    slack, teams = slack_messages(), teams_cards()
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=CHROMIUM_ARGS, locale="en-US", timezone_id="UTC",
            viewport={"width": 700, "height": 400}, device_scale_factor=1)
        context.route("**/*", lambda route: route.abort())  # the pages are self-contained: nothing is fetched
        page = context.pages[0] if context.pages else context.new_page()

        def shot(name: str) -> None:
            path = out / f"{name}.png"
            page.locator(".frame").screenshot(path=str(path))
            _shrink(path)
            shots.append(path)

        for message in slack:
            page.set_content(slack_page(message))
            shot(message["name"])
        for item in teams:
            page.set_content(teams_page(item, version))
            page.add_script_tag(path=str(script))
            errors = page.evaluate(RENDER_CARD, [item["card"], HOST_CONFIG])
            if errors:
                raise RuntimeError(f"the Adaptive Cards renderer refused {item['name']}: {errors}")
            shot(item["name"])
        context.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    for path in take(Path(args.out), args.chromium):
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
