"""Workbench drafts: the text an admin edits is kept on the server, per admin, until activated or discarded."""

from __future__ import annotations

import html
import re

import pytest

from rulesets.models import RulesetDraft, RulesetVersion
from tests.web_seed import WEB_RULESET, make_user, seed_world, signed_in, text


@pytest.fixture
def world(db, redis):
    seed_world()
    make_user("boss", admin=True)
    make_user("other-boss", admin=True)


def editor_text(response) -> str:
    found = re.search(r'<textarea id="id_ruleset"[^>]*>\n(.*?)</textarea>', response.content.decode(), re.S)
    return html.unescape(found[1])


CHANGED = WEB_RULESET.replace("points: 10}", "points: 15}")


def test_a_saved_draft_is_shown_on_return_and_only_to_its_admin(world):
    boss = signed_in("boss")
    saved = boss.post("/admin-area/rules", {"ruleset": CHANGED, "action": "save"})
    assert saved.status_code == 200 and "Draft saved" in text(saved)
    assert RulesetVersion.objects.get(active=True).text == WEB_RULESET  # nothing activated
    # on return, the draft is in the editor and the page says it is a draft
    back = boss.get("/admin-area/rules")
    assert editor_text(back) == CHANGED and "Your draft, saved" in text(back) and "it is not active" in text(back)
    assert 'value="discard"' in back.content.decode()
    # another admin sees the active ruleset
    other = signed_in("other-boss").get("/admin-area/rules")
    assert editor_text(other) == WEB_RULESET and 'value="discard"' not in other.content.decode()


@pytest.mark.parametrize("action, extra", [("validate", {}), ("test", {}), ("simulate", {"range": "7"}),
                                           ("activate", {"note": ""}), ("simulate", {"range": "custom"})])
def test_checking_testing_simulating_or_a_refused_action_keeps_the_text_as_the_draft(world, action, extra):
    broken = CHANGED.replace("points: 15}", "points: fifteen}")
    boss = signed_in("boss")
    boss.post("/admin-area/rules", {"ruleset": broken, "action": action, **extra})
    assert editor_text(boss.get("/admin-area/rules")) == broken


def test_activating_drops_the_draft_and_discard_goes_back_to_the_active_text(world):
    boss = signed_in("boss")
    boss.post("/admin-area/rules", {"ruleset": CHANGED, "action": "validate"})
    response = boss.post("/admin-area/rules", {"ruleset": CHANGED, "action": "activate", "note": "15 a post"})
    assert response.status_code == 302 and not RulesetDraft.objects.exists()
    assert editor_text(boss.get("/admin-area/rules")) == CHANGED  # the active text now
    boss.post("/admin-area/rules", {"ruleset": WEB_RULESET, "action": "save"})
    discarded = boss.post("/admin-area/rules", {"ruleset": "whatever", "action": "discard"}, follow=True)
    assert "The draft is discarded" in text(discarded) and editor_text(discarded) == CHANGED
    assert not RulesetDraft.objects.exists()


def test_an_empty_or_oversized_text_is_refused_and_not_kept(world):
    boss = signed_in("boss")
    boss.post("/admin-area/rules", {"ruleset": CHANGED, "action": "save"})
    refused = boss.post("/admin-area/rules", {"ruleset": "", "action": "save"})
    assert refused.status_code == 422 and "The ruleset is empty" in text(refused)
    assert boss.post("/admin-area/rules", {"ruleset": "x" * (256 * 1024 + 1), "action": "save"}).status_code == 422
    assert RulesetDraft.objects.get().text == CHANGED
