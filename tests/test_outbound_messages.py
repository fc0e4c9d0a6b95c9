"""What Slack, Teams and email receive: Block Kit that Slack accepts, cards and emails without Slack
markup or injected links, and emails that autoresponders leave alone and that name no other recipient."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
from slack_sdk.models.blocks import Block

from notifications.models import Notification
from tests.helpers import event
from tests.test_notifications import _activate, _deliver_all, _put_channel, _score

LINK = "[click me](https://evil.example)"


def _preview(admin, kind, name, **body):
    response = admin.post("/templates/preview", {"kind": kind, "name": name, **body})
    assert response.status_code == 200, response.content
    return response.json()


def _sample(admin, name):
    return _preview(admin, "webhook", name)["payload"]["data"]


# --- Teams -------------------------------------------------------------------------------------------

def test_a_name_cannot_become_a_link_in_the_teams_card_title(admin):
    # given: a person whose display name is a markdown link
    data = _sample(admin, "badge_awarded")
    data["person"]["name"] = LINK
    # when
    card = _preview(admin, "teams", "badge_awarded", data=data)["payload"]["attachments"][0]["content"]
    # then: no TextBlock holds a markdown link, and the name is still shown
    title, *paragraphs = card["body"]
    assert "click me" in title["text"]
    for block in card["body"]:
        assert not re.search(r"\]\s*\(", block["text"]), block["text"]


@pytest.mark.parametrize("name", ["badge_awarded", "level_up", "leaderboard_top", "weekly_digest"])
def test_cards_and_emails_show_no_slack_markup(admin, name):
    # when: the shipped templates, previewed for each kind
    card = _preview(admin, "teams", name)["payload"]["attachments"][0]["content"]
    email = _preview(admin, "email", name)["payload"]
    slack = _preview(admin, "slack", name)["payload"]
    # then: Slack keeps its mrkdwn; Teams gets its own bold; email is plain text and HTML
    card_text = "\n".join(block["text"] for block in card["body"][1:])
    assert re.search(r"(?<!\*)\*[^*\s][^*]*\*(?!\*)", slack["text"])
    assert not re.search(r"(?<!\*)\*[^*\s][^*\n]*\*(?!\*)", card_text), card_text
    assert "**" in card_text
    for text in (card_text, email["text"], email["html"]):
        assert not re.search(r"^(&gt;|>) ", text, re.M), text
    for text in (email["text"], email["html"]):
        assert "*" not in text, text
    assert "Ana Ruiz" in email["text"] or "The week in" in email["subject"]


# --- Slack -------------------------------------------------------------------------------------------

def test_slack_sections_are_cut_between_entities_and_accepted_by_block_kit(admin):
    # given: a message of 7,600 escaped characters in one paragraph, full of entities
    data = _sample(admin, "badge_awarded")
    data["person"]["name"] = "<Co> A&B"
    text = "{% for i in range(400) %}{{ person.name }} {% endfor %}"
    # when
    shown = _preview(admin, "slack", "badge_awarded", text=text, data=data)
    payload = shown["payload"]
    # then: every section is valid Block Kit and no entity is cut in two
    assert len(payload["blocks"]) == 3
    for block in payload["blocks"]:
        Block.parse(block).validate_json()
        section = block["text"]["text"]
        assert len(section) <= 3000
        assert "&" not in re.sub(r"&(amp|lt|gt);", "", section), section[-20:]
        assert not re.match(r"^(amp|lt|gt)?;", section) and not re.search(r"&(a|am|amp|l|lt|g|gt)?$", section)
    assert "".join(b["text"]["text"] for b in payload["blocks"]) == shown["text"]  # nothing lost
    assert len(payload["text"]) <= 3000 and not re.search(r"&(a|am|amp|l|lt|g|gt)?$", payload["text"])


@pytest.mark.parametrize("name", ["badge_awarded", "level_up", "leaderboard_top", "weekly_digest"])
def test_the_shipped_slack_messages_are_valid_block_kit(admin, name):
    payload = _preview(admin, "slack", name)["payload"]
    assert payload["blocks"]
    for block in payload["blocks"]:
        Block.parse(block).validate_json()


# --- email -------------------------------------------------------------------------------------------

def test_an_email_is_auto_submitted_names_the_site_and_no_other_recipient(admin, smtp_inbox, settings):
    # given: the site's public address, and a channel of two recipients
    settings.PUBLIC_BASE_URL = "https://plaudit.example.org"
    _activate(admin)
    recipients = ["ana@example.com", "bob@example.com"]
    assert _put_channel(admin, "learning-python", kind="email", recipients=recipients).status_code == 201
    # when
    _score(admin, event("post", {"id": "jo@example.com", "name": "Jo"}, channel="learning-python"))
    _deliver_all()
    # then: one message per recipient, each addressed to that recipient alone
    assert Notification.objects.get().status == "delivered"
    assert sorted(m.rcpt_tos for m in smtp_inbox.messages) == [["ana@example.com"], ["bob@example.com"]]
    ids = set()
    for envelope in smtp_inbox.messages:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert message["To"] == envelope.rcpt_tos[0]
        assert message["Auto-Submitted"] == "auto-generated"
        assert re.fullmatch(r"<[^@<>\s]+@plaudit\.example\.org>", message["Message-ID"]), message["Message-ID"]
        assert urlsplit(settings.PUBLIC_BASE_URL).hostname in message["Message-ID"]
        assert "*" not in message.get_body(("plain",)).get_content()
        ids.add(message["Message-ID"])
    assert len(ids) == 2
