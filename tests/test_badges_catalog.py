"""Badges through the API: the catalog's plain words, secret badges, progress and evidence, level progress, images."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from engine.scoring import do_score_pending
from tests.helpers import event, yaml

SVG = "{http://www.w3.org/2000/svg}"

RULESET = yaml("""
    ruleset: badges
    levels:
      - {name: Newcomer, min_points: 0}
      - {name: Contributor, min_points: 100}
      - {name: Expert, min_points: 300}
    rules:
      - id: original-post
        when: {type: post}
        award: {to: actor, points: 10}
      - id: comment
        description: Comment on a colleague's post.
        when: {type: comment}
        award: {to: actor, points: 2}
    streaks:
      - id: weekly-learner
        when: {type: course_completed}
        per: week
    badges:
      - id: poster
        name: Poster
        criteria: {rule: original-post, count: 10}
      - id: commenter
        name: Commenter
        criteria: {rule: comment}
        tiers: [{name: Bronze, count: 2}, {name: Gold, count: 7}]
      - id: centurion
        name: Centurion
        criteria: {points: 100}
      - id: learner
        name: Learner
        criteria: {event: {type: course_completed}, count: 3}
      - id: steady
        name: Steady
        criteria: {streak: weekly-learner, count: 3}
      - id: night-owl
        name: Night Owl
        secret: true
        criteria: {rule: comment, count: 3}
      - id: evil
        name: "<script>alert('x')</script> & Co"
        criteria: {points: 1000}
      - id: framed
        name: Framed
        image: https://cdn.example.com/framed.png
        criteria: {points: 5000}
""")


def setup(admin):
    response = admin.put_yaml("/ruleset", RULESET)
    assert response.status_code == 200, response.json()


def send(admin, *events):
    response = admin.post("/events", list(events))
    assert response.status_code == 202, response.json()
    do_score_pending()


def catalog(reader) -> dict[str, dict]:
    response = reader.get("/badges")
    assert response.status_code == 200, response.json()
    return {b["id"]: b for b in response.json()}


def progress(reader, person) -> dict[str, dict]:
    response = reader.get(f"/people/{person}/badges")
    assert response.status_code == 200, response.json()
    return {b["id"]: b for b in response.json()}


def svg_root(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    return ET.fromstring(response.content)


def svg_texts(root) -> str:
    return " ".join("".join(el.itertext()) for el in root.iter() if el.tag in (f"{SVG}text", f"{SVG}title"))


def svg_fills(root) -> set[str]:
    return {el.get("fill") for el in root.iter(f"{SVG}circle")}


def test_the_catalog_says_each_criteria_kind_in_plain_words(admin, reader):
    # given a ruleset with rule, points, event and streak badges
    setup(admin)
    # when
    badges = catalog(reader)
    # then
    assert badges["poster"]["criteria"] == "Earn points from 'Original post' 10 times"
    assert badges["centurion"]["criteria"] == "Reach 100 points"
    assert badges["learner"]["criteria"] == "3 events: course completed"
    assert badges["steady"]["criteria"] == "A 3-week streak of weekly-learner"
    # a rule's own description is used, per tier too
    assert badges["commenter"]["criteria"] == "Comment on a colleague's post: twice"
    assert badges["commenter"]["tiers"] == [
        {"name": "Bronze", "need": 2, "criteria": "Comment on a colleague's post: twice",
         "image": "http://testserver/api/v1/badges/commenter/image.svg?tier=Bronze"},
        {"name": "Gold", "need": 7, "criteria": "Comment on a colleague's post: 7 times",
         "image": "http://testserver/api/v1/badges/commenter/image.svg?tier=Gold"},
    ]


def test_every_badge_has_an_image_the_rulesets_or_the_generated_one(admin, reader):
    # given
    setup(admin)
    # when
    badges = catalog(reader)
    # then
    assert badges["framed"]["image"] == "https://cdn.example.com/framed.png"
    assert badges["poster"]["image"] == "http://testserver/api/v1/badges/poster/image.svg"
    assert all(b["image"] for b in badges.values())


def test_a_secret_badge_is_hidden_until_someone_holds_it(admin, reader):
    # given nobody has earned the secret badge yet
    setup(admin)
    send(admin, event("comment", "ana@x"))
    # then it is in neither the catalog, ana's progress nor the image endpoint
    assert "night-owl" not in catalog(reader)
    assert "night-owl" not in progress(reader, "ana@x")
    assert reader.get("/badges/night-owl/image.svg").status_code == 404
    # when ana earns it (3 comments)
    send(admin, event("comment", "ana@x"), event("comment", "ana@x"))
    # then it is listed for everyone, with its holder
    listed = catalog(reader)["night-owl"]
    assert listed["holders"] == 1 and listed["secret"] is True
    assert progress(reader, "ana@x")["night-owl"]["complete"] is True
    send(admin, event("post", "ben@x"))
    assert progress(reader, "ben@x")["night-owl"]["have"] == 0
    assert reader.get("/badges/night-owl/image.svg").status_code == 200


def test_progress_has_have_need_and_a_sentence_in_the_catalogs_words(admin, reader):
    # given ana posts 7 times, comments once and completes 2 courses, a minute ago: a weekly streak
    # reads as broken once a whole week has passed without a qualifying event
    setup(admin)
    just_now = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    send(admin, *[event("post", "ana@x", at=just_now) for _ in range(7)], event("comment", "ana@x", at=just_now),
         event("course_completed", "ana@x", at=just_now), event("course_completed", "ana@x", at=just_now))
    # when
    mine = progress(reader, "ana@x")
    # then
    assert (mine["poster"]["have"], mine["poster"]["need"]) == (7, 10)
    assert mine["poster"]["progress"] == "7 of 10 times: Earn points from 'Original post'"
    assert mine["commenter"]["next_tier"] == "Bronze"
    assert mine["commenter"]["progress"] == "1 of 2 times toward Bronze: Comment on a colleague's post"
    assert mine["centurion"]["progress"] == "72 of 100 points: Reach 100 points"
    assert mine["learner"]["progress"] == "2 of 3 events: course completed"
    assert mine["steady"]["progress"] == "1 of 3 weeks in a row: A 3-week streak of weekly-learner"


def test_an_earned_step_names_its_event_and_the_recent_events_as_evidence(admin, reader):
    # given ana posts 12 times; the 10th post grants the badge
    setup(admin)
    posts = [event("post", "ana@x", id=f"post-{i}") for i in range(1, 13)]
    send(admin, *posts)
    # when
    poster = progress(reader, "ana@x")["poster"]
    # then
    [earned] = poster["earned"]
    assert earned["event"] == "post-10"
    assert earned["evidence"] == ["post-10", "post-9", "post-8", "post-7", "post-6"]
    assert poster["complete"] is True and poster["progress"] is None


def test_a_tier_shows_its_evidence_and_the_next_tier_progress(admin, reader):
    # given ana comments 3 times: Bronze at the 2nd
    setup(admin)
    send(admin, *[event("comment", "ana@x", id=f"c-{i}") for i in range(1, 4)])
    # when
    commenter = progress(reader, "ana@x")["commenter"]
    # then
    assert [(e["tier"], e["event"], e["evidence"]) for e in commenter["earned"]] == [("Bronze", "c-2", ["c-2", "c-1"])]
    assert commenter["progress"] == "3 of 7 times toward Gold: Comment on a colleague's post"


def test_level_progress_is_the_fraction_of_the_way_to_the_next_level(admin, reader):
    # given ana has 150 points: Contributor (100), next Expert (300)
    setup(admin)
    send(admin, *[event("post", "ana@x") for _ in range(15)])
    # when
    person = reader.get("/people/ana@x").json()
    # then
    assert person["level"]["name"] == "Contributor"
    assert person["next_level"] == {"name": "Expert", "min_points": 300, "points_needed": 150, "progress": 0.25}


def test_level_progress_starts_at_zero_on_a_new_level(admin, reader):
    # given ana has exactly 100 points
    setup(admin)
    send(admin, *[event("post", "ana@x") for _ in range(10)])
    # then
    assert reader.get("/people/ana@x").json()["next_level"]["progress"] == 0.0
    send(admin, event("comment", "ben@x"))
    assert reader.get("/people/ben@x").json()["next_level"]["progress"] == 0.02


def test_the_generated_image_is_well_formed_svg_with_the_name_and_tier_colour(admin, anonymous):
    # given
    setup(admin)
    # when, without a key
    plain = anonymous.get("/badges/commenter/image.svg")
    gold = anonymous.get("/badges/commenter/image.svg", tier="Gold")
    bronze = anonymous.get("/badges/commenter/image.svg", tier="Bronze")
    # then
    assert "Commenter" in svg_texts(svg_root(plain))
    assert "#4F6BED" in svg_fills(svg_root(plain))
    assert "#D4AF37" in svg_fills(svg_root(gold)) and "Gold" in svg_texts(svg_root(gold))
    assert "#CD7F32" in svg_fills(svg_root(bronze))
    assert "max-age" in plain["Cache-Control"] and plain["ETag"]
    assert anonymous.get("/badges/commenter/image.svg", tier="Gold").content == gold.content


def test_a_badge_name_with_markup_is_escaped_in_the_image(admin, anonymous):
    # given a badge called "<script>alert('x')</script> & Co"
    setup(admin)
    # when
    response = anonymous.get("/badges/evil/image.svg")
    # then the raw bytes carry no tag, and the parsed text carries the name
    root = svg_root(response)
    assert b"<script" not in response.content and b"&lt;script&gt;" in response.content
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter("script"))
    assert "<script>alert('x')</script> & Co" in svg_texts(root)


def test_a_long_name_is_cut_to_two_lines(admin, anonymous):
    # given
    long_name = yaml("""
        ruleset: long
        badges:
          - id: long
            name: The Extraordinarily Persistent Knowledge Sharing Champion Of The Year
            criteria: {points: 10}
    """)
    assert admin.put_yaml("/ruleset", long_name).status_code == 200
    # when
    root = svg_root(anonymous.get("/badges/long/image.svg"))
    # then
    lines = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert len(lines) == 2 and lines[-1].endswith("…") and all(len(line) <= 14 for line in lines)


def test_unknown_badges_and_tiers_are_404_in_the_error_envelope(admin, anonymous):
    # given
    setup(admin)
    # when
    no_badge = anonymous.get("/badges/nope/image.svg")
    no_tier = anonymous.get("/badges/commenter/image.svg", tier="Platinum")
    untiered = anonymous.get("/badges/poster/image.svg", tier="Gold")
    # then
    for response in (no_badge, no_tier, untiered):
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
    assert "Platinum" in no_tier.json()["message"]
