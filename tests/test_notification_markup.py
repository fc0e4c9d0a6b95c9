"""Each channel kind shows its own markup in the shipped templates, English and German: Slack's
mrkdwn, Teams' **bold**, email plain text with an HTML part of <strong> and <blockquote>."""

from __future__ import annotations

import re

import pytest

from notifications.kinds.email import html_body
from notifications.render import TEMPLATE_NAMES, default_text, render
from notifications.templates import SAMPLES

SLACK_BOLD = re.compile(r"(?<!\*)\*[^*\s][^*\n]*\*(?!\*)")  # *word*, not **word**
QUOTE_LINE = re.compile(r"^(&gt;|>) ", re.M)


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_teams_and_email_defaults_show_no_slack_markup(name, language):
    data = SAMPLES[name]
    teams = render("teams", default_text(name, "teams", language), data)
    email = default_text(name, "email", language)
    plain, html = render("text", email, data), html_body(render("email", email, data))
    assert not SLACK_BOLD.search(teams) and not QUOTE_LINE.search(teams), teams
    assert "**" in teams  # Teams' own bold
    for text in (plain, html):
        assert "*" not in text and not QUOTE_LINE.search(text), text
    assert "<strong>" in html and "<strong>" not in plain
    assert SLACK_BOLD.search(render("slack", default_text(name, "slack", language), data))  # Slack keeps mrkdwn


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_badge_description_is_a_blockquote_in_the_email_and_its_own_line_in_plain_text(language):
    email = default_text("badge_awarded", "email", language)
    html = html_body(render("email", email, SAMPLES["badge_awarded"]))
    plain = render("text", email, SAMPLES["badge_awarded"])
    assert "<blockquote>Answered colleagues' questions.</blockquote>" in html
    assert "<p><blockquote>" not in html  # HTML holds no quote inside a paragraph
    assert "<strong>Ana Ruiz</strong>" in html and "<strong>Helper</strong>" in html
    assert "\nAnswered colleagues' questions.\n" in plain and "<" not in plain


def test_emphasis_escapes_its_value_for_each_kind():
    data = {**SAMPLES["leaderboard_top"], "person": {**SAMPLES["leaderboard_top"]["person"], "name": "<b>Eve</b> **x** <!channel>"}}
    text = "{{ person.name|strong }} / {{ person.name|quote }}"
    assert render("email", text, data) == ("<strong>&lt;b&gt;Eve&lt;/b&gt; **x** &lt;!channel&gt;</strong> / "
                                           "<blockquote>&lt;b&gt;Eve&lt;/b&gt; **x** &lt;!channel&gt;</blockquote>")
    assert render("slack", text, data) == "*&lt;b&gt;Eve&lt;/b&gt; **x** &lt;!channel&gt;* / > &lt;b&gt;Eve&lt;/b&gt; **x** &lt;!channel&gt;"
    assert render("teams", text, data) == "**<b>Eve</b> *\u200b*x*\u200b* <!channel>** / <b>Eve</b> *\u200b*x*\u200b* <!channel>"
    assert render("text", text, data) == "<b>Eve</b> **x** <!channel> / <b>Eve</b> **x** <!channel>"
    # what the filters make is text like any other once changed: escaped again
    assert render("email", "{{ (person.name|strong) ~ '' }}", data).startswith("&lt;strong&gt;")
    assert render("email", "{{ ''|strong }}{{ none|quote }}", {}) == ""
