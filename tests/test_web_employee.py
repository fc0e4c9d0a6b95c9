"""What an employee sees on their own pages: when badges were earned, where they stand, the public grant page."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from badges.models import BadgeGrant
from tests.web_seed import make_user, seed_world, signed_in, text
from web.jinja import day


@pytest.fixture
def world(db, redis):
    seed_world()
    make_user("ana@example.com")
    make_user("boss", admin=True)


def ana_first_post() -> BadgeGrant:
    return BadgeGrant.objects.select_related("event").get(person__key="ana@example.com", badge_id="first-post")


def test_a_badge_was_earned_when_its_event_happened_not_when_it_was_scored(world):
    grant = ana_first_post()
    occurred, scored = grant.event.occurred_at, grant.granted_at
    assert (scored - occurred).days >= 6  # last week's post, scored now
    page = text(signed_in("ana@example.com").get("/badges/first-post"))
    earned = re.search(r"earned ([^<]+?)\.", page).group(1)
    assert day(occurred) in earned and day(scored) not in earned
    body = json.loads(Client().get(f"/openbadges/assertions/{grant.uuid}").content)
    assert body["issuedOn"] == occurred.isoformat()


def test_the_start_page_lists_every_board_with_your_rank_or_what_it_takes(world):
    # Eve posted nothing this week (nor ever): no rank anywhere, and each board says what puts her on it.
    from tests.web_seed import PEOPLE  # noqa: F401
    from base.accept import do_accept_events
    from engine.scoring import do_score_pending
    do_accept_events([{"id": "web:eve:join", "type": "profile_updated", "actor": {"id": "eve@example.com", "name": "Eve Ng"},
                       "occurred_at": "2026-01-05T09:00:00+00:00"}])
    do_score_pending()
    make_user("eve@example.com")
    page = text(signed_in("eve@example.com").get("/"))
    assert "You are not on a board yet" not in page
    # the weekly board has 4 people, the last (dan) with 2 points: 3 put her on it
    assert 'href="/boards/weekly?period=' in page and "You are not on this board yet: 3 points put you on it." in page
    assert 'href="/boards/all-time?period=all"' in page
    board = text(signed_in("eve@example.com").get("/boards/weekly"))
    assert "You are not on this board yet: 3 points put you on it." in board
    # ana holds her ranks
    page = text(signed_in("ana@example.com").get("/"))
    assert '<span class="rank">#1</span>' in page


def test_an_empty_board_and_a_full_one_say_what_it_takes(world, redis):
    from base.accept import do_accept_events
    from django.utils import timezone
    from engine.scoring import do_score_pending
    from leaderboards.reads import points_to_enter
    from rulesets.active import active_ruleset
    ruleset, _ = active_ruleset()
    assert points_to_enter(redis, ruleset.leaderboard("weekly"), "2020-W01", None) == {"place": "first", "points": 1}
    now = timezone.now().isoformat()
    do_accept_events([{"id": f"web:many:{i}", "type": "post", "actor": {"id": f"p{i}@example.com", "name": f"P {i}"},
                       "occurred_at": now} for i in range(8)]
                     + [{"id": "web:eve:join", "type": "profile_updated", "actor": {"id": "eve@example.com"},
                         "occurred_at": now}])
    do_score_pending()
    make_user("eve@example.com")
    # 12 people this week; #10 has 10 points (one post), so 11 put eve in the top 10
    board = text(signed_in("eve@example.com").get("/boards/weekly"))
    assert "You are not on this board yet: 11 points put you in the top 10." in board
    assert "11 points put you in the top 10" in text(signed_in("eve@example.com").get("/"))


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def test_the_share_link_is_a_page_for_people_and_json_ld_for_verifiers(world):
    from urllib.parse import parse_qs, urlsplit
    from django.conf import settings
    grant = ana_first_post()
    path = f"/openbadges/assertions/{grant.uuid}"
    response = Client().get(path, HTTP_ACCEPT=BROWSER)  # no sign-in: it is public
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]
    page = text(response)
    assert "<h1>First Post</h1>" in page and f"Earned by Ana Ruiz on {day(grant.event.occurred_at)}." in page
    assert f"Earned by event {grant.event.source_id}" in page
    base = settings.PUBLIC_BASE_URL
    assert f'<meta property="og:title" content="Ana Ruiz earned First Post">' in page
    assert f'<meta property="og:image" content="{base}{path}.png">' in page
    assert f'<meta property="og:url" content="{base}{path}">' in page
    assert '<meta property="og:description"' in page
    link = re.search(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', page).group(1).replace("&amp;", "&")
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    occurred = grant.event.occurred_at
    assert query == {"startTask": "CERTIFICATION_NAME", "name": "First Post", "organizationName": settings.BADGE_ISSUER_NAME,
                     "issueYear": str(occurred.year), "issueMonth": str(occurred.month), "certUrl": f"{base}{path}",
                     "certId": str(grant.uuid)}
    assert Client().get(f"{base}{path}.png").status_code == 200
    for accept in ("application/ld+json", "application/json", "*/*", None):
        response = Client().get(path, **({"HTTP_ACCEPT": accept} if accept else {}))
        assert response["Content-Type"] == "application/ld+json", accept
        assert json.loads(response.content)["type"] == "Assertion"


def test_the_share_page_of_someone_off_the_boards_names_no_one_and_a_revoked_one_says_so(world):
    from badges.grants import do_revoke_badge
    from base.models import Person
    grant = ana_first_post()
    Person.objects.filter(key="ana@example.com").update(public=False)
    page = text(Client().get(f"/openbadges/assertions/{grant.uuid}", HTTP_ACCEPT=BROWSER))
    assert "Ana" not in page and f"Earned on {day(grant.event.occurred_at)}." in page
    do_revoke_badge(person_key="ana@example.com", badge_id="first-post", tier=None, reason="posted by mistake", by="boss")
    response = Client().get(f"/openbadges/assertions/{grant.uuid}", HTTP_ACCEPT=BROWSER)
    assert response.status_code == 410 and "This badge was revoked" in text(response)
    assert Client().get(f"/openbadges/assertions/{grant.uuid}").status_code == 410
    missing = Client().get("/openbadges/assertions/00000000-0000-4000-8000-000000000000", HTTP_ACCEPT=BROWSER)
    assert missing.status_code == 404 and "There is no badge at this address" in text(missing)


def test_the_holder_list_is_paged_and_names_the_opted_out_only_when_there_are_some(world):
    from base.accept import do_accept_events
    from base.models import Person
    from django.utils import timezone
    from engine.scoring import do_score_pending
    now = timezone.now().isoformat()
    do_accept_events([{"id": f"web:holder:{i}", "type": "post", "actor": {"id": f"h{i:02}@example.com", "name": f"Holder {i:02}"},
                       "occurred_at": now} for i in range(62)])
    do_score_pending()
    ana = signed_in("ana@example.com")
    page = text(ana.get("/badges/first-post"))  # ana, bob, carol and 62 more
    assert len(re.findall(r'<ul class="holders">(.*?)</ul>', page)[0].split("<li>")) - 1 == 60
    assert "Page 1 of 2" in page and 'rel="next"' in page and "left the public boards" not in page
    page = text(ana.get("/badges/first-post?page=2"))
    assert len(re.findall(r'<ul class="holders">(.*?)</ul>', page)[0].split("<li>")) - 1 == 5
    assert "Page 2 of 2" in page and 'rel="prev"' in page
    assert ana.get("/badges/first-post?page=abc").status_code == 200
    Person.objects.filter(key__in=["h00@example.com", "h01@example.com"]).update(public=False)
    page = text(ana.get("/badges/first-post?page=2"))
    assert "2 holders left the public boards and are not listed." in page and "Holder 00" not in page
    assert len(re.findall(r'<ul class="holders">(.*?)</ul>', page)[0].split("<li>")) - 1 == 3


REASONS_RULESET_EXTRA_RULES = """  - id: liked
    description: A small nudge for people who mostly read
    when: {type: like, not_self: true}
    award: {to: target_author, points: 1}
  - id: course
    description: Internal - LMS sync rule 7
    when: {type: course_completed}
    award: {to: actor, points: 5}
"""
REASONS_RULESET_EXTRA_BADGES = """  - id: ace
    name: Ace
    criteria: {event: {type: course_completed, expr: 'has(event.attributes.score) && event.attributes.score >= 95'}}
"""


def test_reasons_say_who_liked_which_post_and_criteria_say_the_condition(world):
    from base.accept import do_accept_events
    from base.models import Person
    from django.utils import timezone
    from engine.scoring import do_score_pending
    from rulesets.active import do_activate_ruleset
    from tests.web_seed import WEB_RULESET
    text_ = WEB_RULESET.replace("\nbadges:\n", "\n" + REASONS_RULESET_EXTRA_RULES + "badges:\n", 1)
    text_ = text_.replace("\nleaderboards:\n", "\n" + REASONS_RULESET_EXTRA_BADGES + "leaderboards:\n", 1)
    assert "id: ace" in text_ and "id: liked" in text_
    do_activate_ruleset(text_, activated_by="test", note="likes")
    now = timezone.now()
    do_accept_events([
        {"id": "web:ana:launch", "type": "post", "actor": "ana@example.com", "occurred_at": now.isoformat(),
         "text": "We shipped the new onboarding guide today, with a checklist for every first week at the company",
         "attributes": {"url": "https://chat.example.com/p/launch"}},
        {"id": "web:bob:likes", "type": "like", "actor": "bob@example.com", "occurred_at": now.isoformat(),
         "target": {"id": "web:ana:launch", "author": "ana@example.com"}},
        {"id": "web:ana:course", "type": "course_completed", "actor": "ana@example.com", "occurred_at": now.isoformat(),
         "attributes": {"score": 97}},
    ])
    do_score_pending()
    Person.objects.filter(key="ana@example.com").update(timezone="America/New_York")
    ana = signed_in("ana@example.com")
    page = text(ana.get("/me", follow=True))
    assert "A small nudge" not in page and "LMS sync" not in page and "A new post" not in page
    post = ('<a href="https://chat.example.com/p/launch"><q>We shipped the new onboarding guide today, with a checklist '
            'for every…</q></a>')
    assert f'Liked by <a href="/people/bob@example.com">Bob Stone</a>: {post}' in page
    assert f"New post: {post}" in page
    assert "Course completed" in page
    assert re.search(r"\d{1,2}:\d\d [AP]M (EST|EDT)", page)  # times in her timezone
    catalog = text(ana.get("/badges"))
    assert "course completed with a score of 95 or more" in catalog and "further condition" not in catalog


def test_plurals_within_reach_tiers_the_favicon_and_an_admin_without_a_profile(world):
    from base.accept import do_accept_events
    from engine.scoring import do_score_pending
    do_accept_events([{"id": "web:eve:join", "type": "profile_updated", "actor": {"id": "eve@example.com", "name": "Eve Ng"},
                       "occurred_at": "2026-01-05T09:00:00+00:00"}])
    do_score_pending()
    make_user("eve@example.com")
    eve = signed_in("eve@example.com")
    catalog = text(eve.get("/badges"))
    assert "0 of 1 time: A new post" in catalog and "0 of 1 times" not in catalog
    profile = text(eve.get("/people/eve@example.com"))
    assert "Nothing within reach yet" in profile and '<li class="badge locked">' not in profile
    # dan commented once: Commenter's Bronze needs 2
    dan = text(eve.get("/people/dan@example.com"))
    assert "1 of 2 times toward Bronze: A comment on someone&#39;s post" in dan
    icon = eve.get("/favicon.ico")
    assert icon.status_code in (301, 302) and icon["Location"].endswith("/web/favicon.svg")
    assert 'rel="icon" href="/static/web/favicon.svg"' in text(eve.get("/"))
    boss = text(signed_in("boss").get("/"))
    assert "My profile" not in boss
    assert "My profile" in text(eve.get("/"))


def test_movement_compares_like_with_like_and_a_newcomer_is_new(world):
    from datetime import timedelta
    from base.accept import do_accept_events
    from django.utils import timezone
    from engine.scoring import do_score_pending
    now = timezone.now() - timedelta(seconds=30)
    last_week = now - timedelta(days=7)
    events = [{"id": f"web:crowd:{i}", "type": "post", "actor": f"crowd{i}@example.com", "occurred_at": last_week.isoformat()}
              for i in range(10)]
    events.append({"id": "web:eve:then", "type": "comment", "actor": {"id": "eve@example.com", "name": "Eve Ng"},
                   "occurred_at": last_week.isoformat(), "target": {"id": "p1", "author": "bob@example.com"}})
    events += [{"id": f"web:eve:now:{i}", "type": "post", "actor": "eve@example.com",
                "occurred_at": (now - timedelta(seconds=i)).isoformat()} for i in range(3)]
    do_accept_events(events)
    do_score_pending()
    page = text(signed_in("ana@example.com").get("/boards/weekly"))
    # last week eve was #13 of 13; of the people on the board this week only bob and ana were ahead of her
    row = re.search(r'<a href="/people/eve@example.com">Eve Ng</a>.*?</tr>', page).group(0)
    assert "▲ 1<" in row and "▲ 11" not in page
    carol = re.search(r'<a href="/people/carol@example.com">Carol Diaz</a>.*?</tr>', page).group(0)
    assert '<span class="move new">new</span>' in carol


def test_one_point_is_one_point_on_the_board_and_the_profile(world):
    from base.accept import do_accept_events
    from base.models import Person
    from django.utils import timezone
    from engine.scoring import do_score_pending
    do_accept_events([{"id": "web:eve:one", "type": "comment", "actor": {"id": "eve@example.com", "name": "Eve Ng"},
                       "occurred_at": timezone.now().isoformat(), "target": {"id": "p1", "author": "bob@example.com"}}])
    do_score_pending()
    Person.objects.filter(key="eve@example.com").update(points=29)  # one short of Contributor
    make_user("eve@example.com")
    eve = signed_in("eve@example.com")
    assert "with 2 points." in text(eve.get("/boards/weekly"))
    assert "1 point to Contributor" in text(eve.get("/people/eve@example.com"))
