"""Kudos (CONTRACT.md section 5): giving, the allowance and its periods, refusals in their order,
repeats, undo, the feed, and the three routes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from base.models import Event, Person
from kudos.actions import KudosRefused, do_give_kudos, do_undo_kudos
from kudos.allowance import allowance_for
from kudos.feed import feed
from rulesets.active import do_activate_ruleset
from tests.helpers import event, yaml

RULESET = yaml("""
    ruleset: kudos-test
    timezone: Europe/Berlin
    rules:
      - id: kudos-received
        when: {type: kudos}
        award: {to: mentioned, points: 5}
    kudos:
      allowance: {amount: 5, per: week}
      per_receiver: {max: 2, per: week}
      values: [teamwork, Curiosity, '#craft']
""")
UTC = timezone.utc
# Wednesday 2 December 2026, in the ISO week that ends on Sunday 6 December (Berlin).
WED = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def kudos_on(db, redis):
    do_activate_ruleset(RULESET)


def give(giver="ana@example.com", to=("bob@example.com",), message="Thanks for the review!", **kw):
    kw.setdefault("occurred_at", WED)
    return do_give_kudos(giver=giver, receivers=list(to), message=message, **kw)


def refusal(**kw) -> KudosRefused:
    with pytest.raises(KudosRefused) as caught:
        give(**kw)
    return caught.value


# --- giving and the allowance -------------------------------------------------------------

def test_a_kudos_is_stored_as_a_contract_event_and_uses_one_per_receiver(kudos_on):
    # when
    given = give(to=["bob@example.com", "cy@example.com"], message="Great pairing #Craft", values=["TeamWork"],
                 channel="general", event_id="k-1")
    # then
    stored = Event.objects.get(source_id="k-1")
    assert (stored.type, stored.actor.key, stored.mentions, stored.text, stored.channel) == (
        "kudos", "ana@example.com", ["bob@example.com", "cy@example.com"], "Great pairing #Craft", "general")
    assert sorted(stored.hashtags) == ["craft", "teamwork"]
    assert given.values == ["teamwork", "craft"] and given.duplicate is False
    assert (given.allowance.left, given.allowance.amount, given.allowance.per) == (3, 5, "week")
    # Monday 7 December, midnight in Berlin
    assert given.allowance.resets_at == datetime(2026, 12, 6, 23, 0, tzinfo=UTC)
    assert allowance_for("ana@example.com", now=WED).left == 3


def test_a_generated_id_when_none_is_given(kudos_on):
    given = give()
    assert given.event_id.startswith("kudos:") and Event.objects.filter(source_id=given.event_id).exists()


@pytest.mark.parametrize(("per", "last_in", "first_after", "resets_at"), [
    # Berlin is UTC+1 in winter: a period ends at 23:00 UTC the day before.
    ("day", "2026-12-02T22:59:00+00:00", "2026-12-02T23:00:00+00:00", datetime(2026, 12, 2, 23, 0, tzinfo=UTC)),
    ("week", "2026-12-06T22:59:00+00:00", "2026-12-06T23:00:00+00:00", datetime(2026, 12, 6, 23, 0, tzinfo=UTC)),
    ("month", "2026-12-31T22:59:00+00:00", "2026-12-31T23:00:00+00:00", datetime(2026, 12, 31, 23, 0, tzinfo=UTC)),
])
def test_the_allowance_is_per_calendar_period_in_the_rulesets_timezone(db, redis, per, last_in, first_after, resets_at):
    # given an allowance of 2 per period, both used just before the period ends in Berlin
    do_activate_ruleset(yaml(f"""
        ruleset: k
        timezone: Europe/Berlin
        kudos: {{allowance: {{amount: 2, per: {per}}}}}
    """))
    given = give(to=["bob@example.com", "cy@example.com"], occurred_at=at(last_in))
    assert given.allowance.left == 0 and given.allowance.resets_at == resets_at
    # when the next one comes a minute later, in the next period
    refused = refusal(to=["dee@example.com"], occurred_at=at(last_in).replace(minute=59, second=30))
    after = give(to=["dee@example.com"], occurred_at=at(first_after))
    # then the first was refused, the second is counted in a fresh period
    assert refused.code == "allowance_exhausted" and refused.allowance.left == 0
    assert after.allowance.left == 1
    assert allowance_for("ana@example.com", now=at(last_in)).left == 0
    assert allowance_for("ana@example.com", now=at(first_after)).left == 1
    assert allowance_for("ana@example.com", now=at(first_after)).resets_at > resets_at


def test_the_refusal_says_how_many_are_left_and_when_they_reset(kudos_on):
    # given 4 of 5 used this week
    give(to=["b@example.com", "c@example.com", "d@example.com", "e@example.com"])
    # when a kudos to two more people is given
    refused = refusal(to=["f@example.com", "g@example.com"])
    # then
    assert refused.code == "allowance_exhausted" and refused.status == 422
    assert refused.message == ("You have 1 kudos left this week; this kudos to 2 people needs 2. "
                               "They reset on Monday 7 December.")
    assert refused.body()["allowance"] == {"left": 1, "resets_at": datetime(2026, 12, 6, 23, 0, tzinfo=UTC)}
    assert not Event.objects.filter(mentions__icontains="f@example.com").exists()



def test_the_refusal_speaks_the_givers_language(kudos_on):
    from django.utils import translation

    give(to=["b@example.com", "c@example.com", "d@example.com", "e@example.com", "f@example.com"])
    with translation.override("de"):
        refused = refusal(to=["g@example.com"])
        self_kudos = refusal(to=["ana@example.com"])
    assert refused.message == "Du hast diese Woche noch 0 Kudos. Sie werden am Montag, 7. Dezember wieder aufgefüllt."
    assert self_kudos.code == "self_kudos" and self_kudos.message.startswith("Du kannst dir selbst kein Kudos geben")

def test_kudos_sent_to_post_events_count_toward_the_allowance(kudos_on, admin):
    # given a kudos event sent as any event, to three people
    sent = admin.post("/events", event("kudos", "ana@example.com", at="2026-12-01T09:00:00+01:00", text="thanks all",
                                       mentions=["b@example.com", "c@example.com", "d@example.com"]))
    assert sent.status_code == 202
    # then it used three of the five
    assert allowance_for("ana@example.com", now=WED).left == 2


def test_undo_gives_the_allowance_back(kudos_on):
    # given the whole allowance used
    given = give(to=["b@example.com", "c@example.com", "d@example.com", "e@example.com", "f@example.com"], event_id="big")
    assert refusal(to=["g@example.com"]).code == "allowance_exhausted"
    # when it is undone, twice
    do_undo_kudos(event_id="big")
    do_undo_kudos(event_id="big")
    # then the allowance is back, one undo event is stored, and the kudos can be given again
    assert given.allowance.left == 0
    assert allowance_for("ana@example.com", now=WED).left == 5
    assert Event.objects.filter(type="undo", target_id="big").count() == 1
    assert give(to=["g@example.com"]).allowance.left == 4


def test_only_the_giver_or_an_admin_undoes_a_kudos(kudos_on):
    give(event_id="mine")
    with pytest.raises(KudosRefused) as caught:
        do_undo_kudos(event_id="mine", by="bob@example.com")
    assert caught.value.status == 403 and caught.value.code == "not_your_kudos"
    do_undo_kudos(event_id="mine", by="ana@example.com")
    assert allowance_for("ana@example.com", now=WED).left == 5


# --- repeats ------------------------------------------------------------------------------

def test_a_repeat_with_the_same_id_and_content_answers_as_the_first_and_uses_no_allowance(kudos_on):
    first = give(event_id="slack:1", values=["teamwork"])
    again = give(event_id="slack:1", values=["#TeamWork"], occurred_at=None)
    assert again.duplicate is True and again.event_id == "slack:1"
    assert again.allowance.left == first.allowance.left == 4
    assert Event.objects.filter(type="kudos").count() == 1


def test_the_same_id_with_other_content_is_a_conflict(kudos_on):
    give(event_id="slack:2")
    refused = refusal(event_id="slack:2", message="Something else")
    assert (refused.status, refused.code) == (409, "conflict")
    assert "slack:2" in refused.message


# --- refusals and their order -------------------------------------------------------------

@pytest.mark.parametrize(("kw", "path"), [
    ({"to": []}, "to"),
    ({"message": "   "}, "message"),
    ({"message": "x" * 2001}, "message"),
    ({"to": [""]}, "to[0]"),
    ({"to": ["b" * 201]}, "to[0]"),
    ({"giver": ""}, "from"),
    ({"values": ["two words"]}, "values[0]"),
    ({"event_id": "x" * 201}, "id"),
])
def test_invalid_input_is_a_validation_error_naming_the_field(kudos_on, kw, path):
    refused = refusal(**kw)
    assert (refused.status, refused.code) == (422, "validation_error")
    assert path in [d["path"] for d in refused.details] and path in refused.message


def test_without_a_kudos_section_kudos_are_not_enabled(db, redis):
    assert allowance_for("ana@example.com") is None
    do_activate_ruleset("ruleset: plain\n")
    refused = refusal()
    assert (refused.status, refused.code, refused.allowance) == (409, "kudos_not_enabled", None)
    assert "kudos:" in refused.message
    assert allowance_for("ana@example.com") is None


def test_each_refusal_and_the_first_wins_when_several_apply(db, redis):
    do_activate_ruleset(yaml("""
        ruleset: k
        timezone: Europe/Berlin
        kudos:
          allowance: {amount: 12, per: month}
          per_receiver: {max: 1, per: week}
          values: [teamwork]
          require_value: true
    """))
    eleven = [f"p{i}@example.com" for i in range(11)]
    # Each case also breaks every rule that comes after its own in the contract's order.
    cases = [
        ("validation_error", dict(to=[], message="")),
        ("self_kudos", dict(to=["ana@example.com", *eleven], message="me #nope")),
        ("too_many_receivers", dict(to=eleven, message="all of you #nope")),
        ("unknown_value", dict(message="thanks #nope")),
        ("value_required", dict(message="thanks")),
    ]
    for code, kw in cases:
        assert refusal(**kw).code == code, code
    # per_receiver_limit before allowance_exhausted: bob had one this week, and 11 of 12 are used
    give(to=["bob@example.com"], message="thanks #teamwork")
    give(to=[f"q{i}@example.com" for i in range(10)], message="thanks #teamwork")
    refused = refusal(to=["bob@example.com", "new@example.com"], message="again #teamwork")
    assert refused.code == "per_receiver_limit"
    assert refused.message == ("You have given bob@example.com 1 kudos this week, the most one person may give "
                               "another; you can thank bob@example.com again from Monday 7 December.")
    assert refused.allowance.left == 1
    assert refusal(to=["x@example.com", "y@example.com"], message="#teamwork").code == "allowance_exhausted"


def test_values_compare_like_hashtags_and_tags_in_the_message_count(kudos_on):
    # values written `Curiosity` and `#craft` in the ruleset; named in any case, with or without `#`
    given = give(values=["CURIOSITY", "#Teamwork"], message="Loved your #CRAFT")
    assert given.values == ["curiosity", "teamwork", "craft"]
    refused = refusal(message="Thanks #SocialLearning")
    assert refused.code == "unknown_value" and "#sociallearning" in refused.message
    assert "#teamwork, #curiosity, #craft" in refused.message


def test_self_kudos_is_refused_with_the_allowance(kudos_on):
    refused = refusal(to=["ana@example.com"])
    assert refused.code == "self_kudos" and refused.allowance.left == 5


# --- the feed -----------------------------------------------------------------------------

def test_the_feed_filters_orders_newest_first_and_pages(kudos_on):
    give("ana@example.com", ["bob@example.com"], "one #teamwork", event_id="f1", occurred_at=at("2026-12-01T09:00:00+00:00"))
    give("bob@example.com", ["ana@example.com", "cy@example.com"], "two", values=["craft"], event_id="f2",
         occurred_at=at("2026-12-03T09:00:00+00:00"), channel="random")
    give("cy@example.com", ["bob@example.com"], "three #TeamWork", event_id="f3", occurred_at=at("2026-12-02T09:00:00+00:00"))
    give("cy@example.com", ["ana@example.com"], "undone", event_id="f4", occurred_at=at("2026-12-04T09:00:00+00:00"))
    do_undo_kudos(event_id="f4")
    # newest occurred_at first, the undone one left out
    items, cursor = feed()
    assert [i["event"] for i in items] == ["f2", "f3", "f1"] and cursor is None
    assert items[0] == {"event": "f2", "from": "bob@example.com", "to": ["ana@example.com", "cy@example.com"],
                        "message": "two", "values": ["craft"], "channel": "random",
                        "occurred_at": at("2026-12-03T09:00:00+00:00")}
    assert items[1]["channel"] is None
    # filters
    assert [i["event"] for i in feed(to="bob@example.com")[0]] == ["f3", "f1"]
    assert [i["event"] for i in feed(from_="cy@example.com")[0]] == ["f3"]
    assert [i["event"] for i in feed(value="#TEAMWORK")[0]] == ["f3", "f1"]
    assert [i["event"] for i in feed(to="ana@example.com", value="craft")[0]] == ["f2"]
    # pages of one
    seen, cursor = [], None
    while True:
        page, cursor = feed(limit=1, cursor=cursor)
        seen += [i["event"] for i in page]
        if cursor is None:
            break
    assert seen == ["f2", "f3", "f1"]



def test_the_feed_finds_receivers_whose_ids_are_not_ascii(kudos_on):
    # SQLite keeps such letters escaped in the JSON text and PostgreSQL does not: both are found
    give("ana@example.com", ["zoë@example.com"], "danke", event_id="u1", occurred_at=at("2026-12-01T09:00:00+00:00"))
    assert [i["event"] for i in feed(to="zoë@example.com")[0]] == ["u1"]

# --- the routes ---------------------------------------------------------------------------

def test_post_kudos_answers_201_with_the_event_and_the_allowance(kudos_on, integration):
    answer = integration.post("/kudos", {"from": "ana@example.com", "to": ["bob@example.com"], "message": "Thank you!",
                                         "values": ["teamwork"], "channel": "general", "id": "api-1"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["event"] == "api-1" and body["allowance"]["left"] == 4
    assert body["allowance"]["resets_at"].endswith("Z")  # UTC, as every time the API gives
    assert datetime.fromisoformat(body["allowance"]["resets_at"]) > datetime.now(UTC)
    again = integration.post("/kudos", {"from": "ana@example.com", "to": ["bob@example.com"], "message": "Thank you!",
                                        "values": ["teamwork"], "channel": "general", "id": "api-1"})
    assert again.status_code == 201 and again.json() == body


@pytest.mark.parametrize(("body", "code", "path"), [
    ({"from": "ana@example.com", "to": [], "message": "hi"}, "validation_error", "to"),
    ({"from": "ana@example.com", "message": "hi"}, "validation_error", "to"),
    ({"from": "ana@example.com", "to": "bob@example.com", "message": "hi"}, "validation_error", "to"),
    ({"from": "ana@example.com", "to": ["bob@example.com"], "message": "hi", "extra": 1}, "validation_error", "extra"),
    ({"to": ["bob@example.com"], "message": "hi"}, "validation_error", "from"),
    ({"from": "ana@example.com", "to": ["ana@example.com"], "message": "hi"}, "self_kudos", None),
])
def test_post_kudos_refusals_are_422_with_error_message_and_allowance(kudos_on, admin, body, code, path):
    answer = admin.post("/kudos", body)
    assert answer.status_code == 422
    got = answer.json()
    assert got["error"] == code and got["message"] and "allowance" in got
    if code == "validation_error":
        assert got["allowance"] is None and path in [d["path"] for d in got["details"]]
    else:
        assert got["allowance"]["left"] == 5 and got["allowance"]["resets_at"].endswith("Z")


def test_post_kudos_refuses_a_body_that_is_not_json(kudos_on, admin):
    answer = admin.post("/kudos", "{nope", content_type="application/json")
    assert answer.status_code == 422 and answer.json()["error"] == "validation_error"


def test_post_kudos_without_a_kudos_section_is_409(db, redis, admin):
    do_activate_ruleset("ruleset: plain\n")
    answer = admin.post("/kudos", {"from": "ana@example.com", "to": ["bob@example.com"], "message": "hi"})
    assert answer.status_code == 409 and answer.json()["error"] == "kudos_not_enabled"


def test_readers_cannot_give_and_integrations_keep_to_their_sources(kudos_on, reader, client):
    from base.api_keys import do_create_api_key
    from tests.conftest import Api

    assert reader.post("/kudos", {"from": "a", "to": ["b"], "message": "hi"}).status_code == 403
    lms = Api(client, do_create_api_key(name="lms", role="integration", sources=["lms:"])[1])
    own = lms.post("/kudos", {"from": "ana@example.com", "to": ["bob@example.com"], "message": "hi"})
    assert own.status_code == 201 and own.json()["event"].startswith("lms:kudos:")
    other = lms.post("/kudos", {"from": "ana@example.com", "to": ["bob@example.com"], "message": "hi", "id": "slack:9"})
    assert other.status_code == 403 and other.json()["error"] == "source_not_allowed"
    give(event_id="slack:10")
    assert lms.client.delete("/api/v1/kudos/slack:10", HTTP_AUTHORIZATION=f"Bearer {lms.key}").status_code == 403
    assert lms.client.delete(f"/api/v1/kudos/{own.json()['event']}", HTTP_AUTHORIZATION=f"Bearer {lms.key}").status_code == 204


def test_get_kudos_is_the_feed_with_a_cursor(kudos_on, reader):
    for i in range(3):
        give(to=[f"p{i}@example.com"], event_id=f"g{i}", occurred_at=at(f"2026-12-0{i + 1}T09:00:00+00:00"))
    first = reader.get("/kudos", limit=2, **{"from": "ana@example.com"})
    assert first.status_code == 200
    body = first.json()
    assert [i["event"] for i in body["items"]] == ["g2", "g1"] and body["next_cursor"]
    assert set(body["items"][0]) == {"event", "from", "to", "message", "values", "channel", "occurred_at"}
    rest = reader.get("/kudos", limit=2, cursor=body["next_cursor"]).json()
    assert [i["event"] for i in rest["items"]] == ["g0"] and rest["next_cursor"] is None
    bad = reader.get("/kudos", cursor="not-a-cursor")
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_cursor"
    assert reader.get("/kudos", limit=0).status_code == 422
    assert reader.get("/kudos", to="p1@example.com").json()["items"][0]["event"] == "g1"


def test_delete_kudos_undoes_it_and_gives_the_allowance_back(kudos_on, admin):
    answer = admin.post("/kudos", {"from": "ana@example.com", "to": ["bob@example.com"], "message": "hi", "id": "d1"})
    assert answer.json()["allowance"]["left"] == 4
    assert admin.client.delete("/api/v1/kudos/d1", HTTP_AUTHORIZATION=f"Bearer {admin.key}").status_code == 204
    assert admin.get("/people/ana@example.com/allowance").json()["left"] == 5
    assert admin.get("/kudos").json()["items"] == []
    missing = admin.client.delete("/api/v1/kudos/nope", HTTP_AUTHORIZATION=f"Bearer {admin.key}")
    assert missing.status_code == 404


def test_a_persons_allowance(kudos_on, reader):
    give(to=["bob@example.com"], occurred_at=None)
    answer = reader.get("/people/ana@example.com/allowance")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["left"], body["amount"], body["per"]) == (4, 5, "week")
    assert datetime.fromisoformat(body["resets_at"]) > datetime.now(UTC)
    assert reader.get("/people/nobody@example.com/allowance").status_code == 404


def test_a_persons_allowance_without_a_kudos_section_is_409(db, redis, reader):
    do_activate_ruleset("ruleset: plain\n")
    Person.objects.create(key="ana@example.com")
    answer = reader.get("/people/ana@example.com/allowance")
    assert answer.status_code == 409 and answer.json()["error"] == "kudos_not_enabled"


def test_a_signed_in_person_gives_as_themselves_with_the_csrf_token(kudos_on):
    import json as _json

    from django.contrib.auth.models import User
    from django.test import Client

    from base.models import Person

    Person.objects.get_or_create(key="ana@example.com")
    User.objects.create_user("ana@example.com", password="pw-for-this-test")
    browser = Client(enforce_csrf_checks=True)
    browser.login(username="ana@example.com", password="pw-for-this-test")
    body = {"from": "ana@example.com", "to": ["bob@example.com"], "message": "thanks for the review"}
    # without the CSRF token the session is not enough
    assert browser.post("/api/v1/kudos", _json.dumps(body), content_type="application/json").status_code == 403
    browser.get("/")  # the pages set the CSRF cookie
    token = browser.cookies["csrftoken"].value
    given = browser.post("/api/v1/kudos", _json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert given.status_code == 201 and given.json()["allowance"]["left"] == 4
    # and never as someone else
    forged = browser.post("/api/v1/kudos", _json.dumps({**body, "from": "bob@example.com", "to": ["cy@example.com"]}),
                          content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert forged.status_code == 403 and forged.json()["error"] == "not_yourself"
