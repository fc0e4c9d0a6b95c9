"""The docs' chat pictures (web/chat_previews.py): the messages are the apps' real ones, Slack's Block Kit
models accept them, the preview shows what they say, and Microsoft's renderer draws the Teams cards."""

from __future__ import annotations

import os
import shutil

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from web import chat_previews

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def test_every_slack_preview_is_block_kit_that_slack_sdk_parses_and_validates():
    messages = chat_previews.slack_messages()
    assert {m["name"] for m in messages} == {"slack-kudos-sent", "slack-kudos-announced", "slack-kudos-refused",
                                             "slack-me", "slack-top", "slack-home", "slack-badge"}
    for message in messages:
        parsed = Block.parse_all(message["blocks"])
        assert all(parsed), f"{message['name']}: a block slack-sdk does not know"
        # to_dict() checks Slack's limits (lengths, counts) as it serialises: nothing is lost or refused.
        assert [b.to_dict() for b in parsed] == message["blocks"], message["name"]
    home = next(m for m in messages if m["kind"] == "home")
    assert View(type="home", blocks=home["blocks"]).to_dict()["blocks"] == home["blocks"]


def test_the_slack_previews_say_what_the_app_says():
    pages = {m["name"]: chat_previews.slack_page(m) for m in chat_previews.slack_messages()}
    assert "Plaudit's preview of the Block Kit blocks the app sends (not Slack's rendering)" in pages["slack-me"]
    announced = pages["slack-kudos-announced"]
    assert "@Ana Weber</span> gave kudos to" in announced and "@Ben Okafor" in announced
    assert 'class="button ">' in announced and "Congratulate" in announced
    assert "Only visible to you" in pages["slack-kudos-sent"] and "Only visible to you" not in announced
    assert "#kindness is not one of the company values" in pages["slack-kudos-refused"]
    assert "<b>Top 5 on This week</b>" in pages["slack-top"]
    home = pages["slack-home"]
    assert '<div class="header">Where you stand</div>' in home and 'class="button primary">Give kudos' in home
    assert "Congratulate" in pages["slack-badge"] and "<b>Helper</b> (Bronze)" in pages["slack-badge"]
    # The allowance's reset is Slack date markup; the preview shows its moment, not the markup.
    assert "it resets <span class=\"date\">Mon 7 Dec at 00:00</span>" in pages["slack-me"] and "!date^" not in pages["slack-me"]


def test_the_slack_preview_keeps_what_people_typed_as_text():
    shown = chat_previews.mrkdwn("*Ben* said &lt;script&gt;alert(1)&lt;/script&gt; &amp; <https://example.com/a?b=1|the notes> "
                                 "to <@U01ANA> in <#C1|learning> `#craft` _really_\n>quoted")
    assert "<script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in shown
    assert '<a href="https://example.com/a?b=1">the notes</a>' in shown
    assert "@Ana Weber" in shown and "#learning" in shown
    assert "<b>Ben</b>" in shown and "<code>#craft</code>" in shown and "<i>really</i>" in shown
    assert "<blockquote>quoted</blockquote>" in shown


def test_a_block_the_preview_cannot_draw_is_refused_rather_than_left_out():
    with pytest.raises(ValueError, match="no image block"):
        chat_previews.block_html({"type": "image", "image_url": "https://example.com/a.png", "alt_text": "a"})


def test_the_teams_cards_are_the_bots_own_adaptive_cards():
    cards = {c["name"]: c["card"] for c in chat_previews.teams_cards()}
    assert set(cards) == {"teams-kudos-sent", "teams-kudos-refused", "teams-me", "teams-top"}
    for card in cards.values():
        assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert cards["teams-kudos-sent"]["body"][0]["text"] == "Kudos sent to Ben Okafor, Carla Rossi"


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is missing (apt-get install chromium)")
@pytest.mark.skipif(not chat_previews.RENDERER.exists() and shutil.which("npm") is None,
                    reason="Microsoft's renderer is not installed in web/previews and npm is missing to install it")
def test_the_pictures_are_taken_and_microsofts_renderer_accepts_every_card(tmp_path, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API keeps an event loop
    shots = chat_previews.take(tmp_path, CHROMIUM)  # a card the renderer refuses raises, naming it
    names = {p.stem for p in shots}
    assert {"slack-home", "slack-kudos-announced", "teams-me", "teams-kudos-sent"} <= names
    from PIL import Image

    for path in shots:
        with Image.open(path) as image:
            assert image.width >= 500 and image.height >= 100, path.name
