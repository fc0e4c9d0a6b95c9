"""`/plaudit challenges` in Slack and `challenges` in Teams (docs/integrations.md): the running
challenges with the asker's progress, against the fake Slack and the Microsoft stand-ins."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import Block

from tests import challenge_seed
from tests.fake_slack import fake_slack  # noqa: F401 (a fixture)
from tests.test_slack_app import command, ephemeral, installed, signing_secret  # noqa: F401
from tests.test_teams_bot import ask, keys, microsoft, texts  # noqa: F401


def test_plaudit_challenges_shows_the_running_ones_with_your_progress(client, installed, db, redis):
    challenge_seed.seed()
    installed.users["U_BOB"] = {"email": "bob@example.com", "real_name": "Bob Stone"}

    answer = ephemeral(command(client, "/plaudit", "challenges", user="U_BOB"))

    text = answer["text"]
    assert text.startswith("*Running challenges*")
    assert "*dbt week*\n`▰▰▰▱▱▱▱▱▱▱` you: 1 of 3" in text
    assert "Goal: 3 times: Share a new post (counting only any event tagged #dbt)." in text
    assert "Reward: 50 points and the badge dbt finisher" in text
    assert "your team: 1 of 4" in text and "everyone: " in text
    assert "Past sprint" not in text and "Next month" not in text
    assert all(Block.parse(b) for b in answer["blocks"])


def test_plaudit_challenges_for_a_stranger_and_without_challenges(client, installed, db, redis):
    challenge_seed.seed()
    installed.users["U_ZOE"] = {"email": "zoe@example.com", "real_name": "Zoe"}
    text = ephemeral(command(client, "/plaudit", "challenges", user="U_ZOE"))["text"]
    assert "you: 0 of 3" in text and "you take part once you belong to a team" in text


def test_plaudit_help_and_the_manifest_name_the_challenges_command(client, installed, db, redis):
    from engine.integrations.slack_app.manifest import manifest

    assert "`/plaudit challenges`" in ephemeral(command(client, "/plaudit", "help"))["text"]
    hint = [c for c in manifest("https://plaudit.example.com")["features"]["slash_commands"] if c["command"] == "/plaudit"][0]
    assert "challenges" in hint["usage_hint"]


def test_teams_challenges_card_shows_your_progress(client, microsoft, admin):
    challenge_seed.seed()
    assert admin.client.put("/api/v1/people/ana@example.com", json.dumps({"aliases": [{"source": "teams", "id": "aad-ana"}]}),
                            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {admin.key}").status_code in (200, 201)

    card = ask(client, microsoft, "<at>Plaudit</at> challenges")

    shown = texts(card)
    assert "Running challenges" in shown
    assert "▰▰▰▰▰▰▰▰▰▰ You: 3 of 3 ✓" in shown
    assert "Goal: 3 times: Share a new post" in shown and "Reward: 50 points and the badge dbt finisher" in shown
    assert "Your team: 1 of 4" in shown


def test_teams_help_lists_challenges(client, microsoft, db, redis):
    assert "challenges" in texts(ask(client, microsoft, "help"))
