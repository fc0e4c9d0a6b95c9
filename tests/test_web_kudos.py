"""Kudos on the pages through Django's test client: the give form on a profile and on the start page,
every refusal beside its field with what was typed kept, the giver taken from the sign-in only, no
posting without a sign-in or a CSRF token, the feed with its filters and paging, undo, profile counts."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from base.accept import do_accept_events
from base.models import Event, Person
from kudos.actions import do_give_kudos
from rulesets.active import do_activate_ruleset
from tests.web_seed import WEB_RULESET, make_user, seed_world, signed_in

ANA, BOB, CAROL, DAN = "ana@example.com", "bob@example.com", "carol@example.com", "dan@example.com"
KUDOS_SECTION = """\
kudos:
  allowance: {amount: 3, per: month}
  per_receiver: {max: 2, per: week}
  values: [teamwork, curiosity, Craft]
  require_value: true
"""
KUDOS_RULESET = WEB_RULESET.replace("tests:\n", KUDOS_SECTION + "tests:\n")
BERLIN = ZoneInfo("Europe/Berlin")


def reset_words() -> str:
    """The day the month's allowance resets, as the page writes it: "1 January"."""
    today = datetime.now(BERLIN)
    first = datetime(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return f"1 {first:%B}"


@pytest.fixture
def world(db, redis):
    seed_world()
    do_activate_ruleset(KUDOS_RULESET, activated_by="test", note="kudos")
    for user in (ANA, BOB):
        make_user(user)
    make_user("boss", admin=True)


def plain(response) -> str:
    """What a reader sees: the page's words without tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def give_page(client, **data):
    body = {"to": [BOB], "message": "Thanks for the review", "values": ["teamwork"], "next": f"/people/{BOB}", **data}
    return client.post("/kudos/give", body)


def field_error(response, field: str) -> str:
    """The error shown beside a field (its id is the field's id + -error), as text."""
    found = re.search(rf'<p class="error" id="id_{field}-error">(.*?)</p>', response.content.decode(), re.S)
    return html.unescape(found.group(1)) if found else ""


def test_a_colleagues_profile_has_the_form_with_the_allowance_and_the_values(world):
    page = signed_in(ANA).get(f"/people/{BOB}")
    words = plain(page)
    assert "Give Bob Stone kudos" in words
    assert f"3 of 3 kudos left this month, resets {reset_words()}" in words
    # the colleague is chosen already; the values are checkboxes, and the form says one is required
    assert f'<input type="hidden" name="to" value="{BOB}">' in page.content.decode()
    assert re.findall(r'type="checkbox" name="values" value="(\w+)"', page.content.decode()) == \
        ["teamwork", "curiosity", "craft"]
    assert "Company values (required: at least one)" in words


def test_giving_from_a_profile_confirms_and_shows_the_new_allowance(world):
    ana = signed_in(ANA)
    response = give_page(ana)
    assert response.status_code == 302 and response["Location"] == f"/people/{BOB}"
    after = plain(ana.get(response["Location"]))
    assert f"Kudos sent to Bob Stone. 2 of 3 kudos left this month, resets {reset_words()}." in after
    assert "2 of 3 kudos left this month" in after.split("Give Bob Stone kudos")[1]
    stored = Event.objects.get(type="kudos")
    assert (stored.actor.key, stored.mentions, stored.text, stored.hashtags) == \
        (ANA, [BOB], "Thanks for the review", ["teamwork"])


def test_the_start_page_finds_several_colleagues_by_name_or_id(world):
    ana = signed_in(ANA)
    home = ana.get("/").content.decode()
    # a text field, not a list of every colleague
    assert '<input type="text" id="id_to" name="to" value=""' in home and f'<option value="{BOB}"' not in home
    response = ana.post("/kudos/give", {"to": ["Bob Stone, @carol@example.com"], "message": "Great launch",
                                        "values": ["craft"], "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Kudos sent to Bob Stone and Carol Diaz. 1 of 3 kudos left this month" in plain(ana.get("/"))
    assert Event.objects.get(type="kudos").mentions == [BOB, CAROL]


def test_a_part_of_a_name_that_one_colleague_has_finds_them(world):
    ana = signed_in(ANA)
    response = ana.post("/kudos/give", {"to": ["stone"], "message": "Thanks", "values": ["craft"], "next": "/"})
    assert response.status_code == 302
    assert Event.objects.get(type="kudos").mentions == [BOB]


def test_a_name_several_colleagues_have_offers_them_to_choose_and_keeps_the_rest(world):
    Person.objects.create(key="bo@example.com", name="Bo Lindqvist", team="Ops")
    ana = signed_in(ANA)
    response = ana.post("/kudos/give", {"to": ["carol, bo"], "message": "Thanks & more", "values": ["craft"], "next": "/"})
    assert response.status_code == 422
    assert "“bo” matches several colleagues: choose below who you mean." in field_error(response, "to")
    page = response.content.decode()
    assert '<input type="text" id="id_to" name="to" value="carol"' in page  # what was clear stays typed
    offered = re.findall(r'<input type="checkbox" name="to" value="([^"]+)"> ([^<]+?) <', page)
    assert offered == [("bo@example.com", "Bo Lindqvist (Ops)"), (BOB, "Bob Stone (Data)")]
    assert "Who do you mean by “bo”?" in plain(response) and not Event.objects.filter(type="kudos").exists()
    # choosing one sends the kudos to both
    sent = ana.post("/kudos/give", {"to": ["carol", "bo@example.com"], "message": "Thanks & more", "values": ["craft"],
                                    "next": "/"})
    assert sent.status_code == 302
    assert Event.objects.get(type="kudos").mentions == [CAROL, "bo@example.com"]


def test_colleagues_known_only_by_id_are_found_and_deprovisioned_ones_only_by_their_id(world):
    Person.objects.create(key="aaron-no-name@example.com")
    Person.objects.create(key="left@example.com", name="Aaron Left", active=False)
    ana = signed_in(ANA)
    refused = ana.post("/kudos/give", {"to": ["Aaron Left"], "message": "Thanks", "values": ["craft"]})
    assert "Aaron Left is not someone Plaudit knows" in field_error(refused, "to")
    assert ana.post("/kudos/give", {"to": ["aaron-no"], "message": "Thanks", "values": ["craft"]}).status_code == 302
    assert Event.objects.get(type="kudos").mentions == ["aaron-no-name@example.com"]


def test_the_give_page_fills_in_the_colleague_of_its_address(world):
    page = signed_in(ANA).get(f"/kudos/give?to={BOB}").content.decode()
    assert f'<input type="text" id="id_to" name="to" value="{BOB}"' in page


def test_the_giver_is_the_sign_in_whatever_the_form_says(world):
    response = give_page(signed_in(ANA), **{"from": CAROL, "giver": CAROL, "actor": CAROL})
    assert response.status_code == 302
    assert Event.objects.get(type="kudos").actor.key == ANA


def test_no_one_posts_without_a_sign_in_or_a_csrf_token(world):
    anonymous = give_page(Client())
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login?next=")
    forged = give_page(signed_in(ANA, csrf=True))
    assert forged.status_code == 403
    assert not Event.objects.filter(type="kudos").exists()


def test_the_form_carries_the_csrf_token_and_posts_with_it(world):
    ana = signed_in(ANA, csrf=True)
    page = ana.get(f"/people/{BOB}").content.decode()
    form = page[page.index('action="/kudos/give"'):]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[:form.index("</form>")]).group(1)
    assert give_page(ana, csrfmiddlewaretoken=token).status_code == 302


def _eleven_more_people():
    do_accept_events([{"id": f"join-{i}", "type": "join", "occurred_at": "2026-11-01T09:00:00Z",
                       "actor": {"id": f"p{i}@example.com", "name": f"Person {i}"}} for i in range(11)])
    return [f"p{i}@example.com" for i in range(11)]


@pytest.mark.parametrize("case, field, words", [
    ("self", "to", "You cannot give yourself kudos"),
    ("too_many", "to", "A kudos goes to at most 10 people; this one names 11"),
    ("unknown_value", "values", "#kindness is not one of the company values: #teamwork, #curiosity, #craft"),
    ("no_value", "values", "Name the company value it shows"),
    ("per_receiver", "to", "You have given Bob Stone 2 kudos this week"),
    ("allowance", "to", "You have 0 kudos left this month"),
    ("empty_message", "message", "Say what you thank them for"),
    ("long_message", "message", "Keep the message under 2,000 characters"),
    ("nobody", "to", "nobody@example.com is not someone Plaudit knows"),
    ("no_receiver", "to", "Choose who you thank"),
])
def test_every_refusal_shows_beside_its_field_and_the_form_keeps_what_was_typed(world, case, field, words):
    typed = "Thanks for <pairing> & the review"
    data = {"message": typed}
    if case == "self":
        data["to"] = [ANA]
    elif case == "too_many":
        data["to"] = _eleven_more_people()
    elif case == "unknown_value":
        data["values"] = ["kindness"]
    elif case == "no_value":
        data["values"] = []
    elif case == "per_receiver":
        for _ in range(2):
            do_give_kudos(giver=ANA, receivers=[BOB], message="earlier", values=["teamwork"])
    elif case == "allowance":
        do_give_kudos(giver=ANA, receivers=[CAROL, DAN], message="earlier", values=["teamwork"])
        do_give_kudos(giver=ANA, receivers=[BOB], message="earlier", values=["teamwork"])
    elif case == "empty_message":
        data["message"] = typed = "  "
    elif case == "long_message":
        data["message"] = typed = "x" * 2001
    elif case == "nobody":
        data["to"] = ["nobody@example.com"]
    elif case == "no_receiver":
        data["to"] = []
    before = Event.objects.filter(type="kudos").count()
    response = give_page(signed_in(ANA), **data)
    assert response.status_code == 422
    assert words in field_error(response, field), response.content.decode()
    page = response.content.decode()
    if typed.strip():
        assert html.escape(typed, quote=False) in page  # the message as typed, escaped, in its textarea
    assert 'aria-invalid="true"' in page or 'class="values invalid"' in page
    assert Event.objects.filter(type="kudos").count() == before
    assert not Event.objects.filter(type="kudos", text=typed).exists()


def test_no_form_when_kudos_are_off_for_admins_without_a_person_and_on_ones_own_profile(world):
    assert "Give kudos" not in plain(signed_in(ANA).get(f"/people/{ANA}"))
    boss = signed_in("boss")
    assert "Give Bob Stone kudos" not in plain(boss.get(f"/people/{BOB}"))
    assert give_page(boss).status_code == 403
    do_activate_ruleset(WEB_RULESET, activated_by="test", note="no kudos")
    ana = signed_in(ANA)
    assert "Give Bob Stone kudos" not in plain(ana.get(f"/people/{BOB}")) and "Give kudos" not in plain(ana.get("/"))
    refused = give_page(ana)
    assert refused.status_code == 409 and "Kudos are not enabled" in plain(refused)


def _kudos_events(n: int, start: datetime) -> list[dict]:
    """n kudos stored through ingest (as an integration would), one a minute from `start`, newest last."""
    people = [ANA, BOB, CAROL, DAN]
    return [{"id": f"k{i}", "type": "kudos", "occurred_at": (start + timedelta(minutes=i)).isoformat(),
             "actor": people[i % 4], "mentions": [people[(i + 1) % 4]], "text": f"Thanks number {i}",
             "hashtags": ["teamwork" if i % 2 else "craft"]} for i in range(n)]


def test_the_feed_lists_newest_first_with_names_values_and_both_times_and_pages_older(world):
    do_accept_events(_kudos_events(25, datetime.now(timezone.utc) - timedelta(hours=3)))
    ana = signed_in(ANA)
    first = ana.get("/kudos")
    assert first.status_code == 200
    page = first.content.decode()
    messages = re.findall(r"<blockquote>Thanks number (\d+)</blockquote>", page)
    assert messages == [str(i) for i in range(24, 4, -1)]  # 20 a page, newest first
    assert "Ana Ruiz → Bob Stone Thanks number 24" in plain(first)
    assert re.search(r'<a class="tag" href="/kudos\?value=craft">#craft</a>', page)
    assert re.search(r'<time datetime="[^"]+" title="[^"]+">(2|3) hours ago</time>', page)
    older = re.search(r'<a href="(\?cursor=[^"]+)" rel="next">Older', page).group(1)
    rest = ana.get("/kudos" + html.unescape(older)).content.decode()
    assert re.findall(r"<blockquote>Thanks number (\d+)</blockquote>", rest) == ["4", "3", "2", "1", "0"]
    assert 'rel="next"' not in rest
    # the navigation leads here
    assert '<a href="/kudos" aria-current="page">Kudos</a>' in page


def test_the_feed_filters_by_receiver_giver_and_value_and_names_a_bad_cursor(world):
    do_accept_events(_kudos_events(8, datetime.now(timezone.utc) - timedelta(hours=1)))
    ana = signed_in(ANA)

    def shown(**params):
        return re.findall(r"<blockquote>Thanks number (\d+)</blockquote>", ana.get("/kudos", params).content.decode())

    assert shown(to=BOB) == ["4", "0"]
    assert shown(**{"from": ANA}) == ["4", "0"]
    assert shown(value="teamwork") == ["7", "5", "3", "1"]
    assert shown(value="#TeamWork", to=CAROL) == ["5", "1"]
    bad = ana.get("/kudos", {"cursor": "nonsense"})
    assert bad.status_code == 422 and "Cursor is not one this feed gave" in plain(bad)


def test_the_giver_undoes_a_kudos_after_confirming_and_gets_the_allowance_back(world):
    given = do_give_kudos(giver=ANA, receivers=[BOB], message="Thanks for the demo", values=["craft"])
    ana, bob = signed_in(ANA), signed_in(BOB)
    feed = ana.get("/kudos").content.decode()
    link = re.search(r'<a class="undo" href="([^"]+)">Undo', feed).group(1)
    assert 'class="undo"' not in bob.get("/kudos").content.decode()  # only the giver sees it
    confirm = ana.get(html.unescape(link))
    assert confirm.status_code == 200 and "Undo this kudos?" in plain(confirm) and "Thanks for the demo" in plain(confirm)
    assert Event.objects.filter(type="undo").count() == 0  # asking changes nothing
    # someone else cannot undo it, even by posting the form
    assert bob.post("/kudos/undo", {"event": given.event_id}).status_code == 403
    assert Client().post("/kudos/undo", {"event": given.event_id}).status_code == 302
    done = ana.post("/kudos/undo", {"event": given.event_id})
    assert done.status_code == 302 and done["Location"] == "/kudos"
    after = ana.get("/kudos")
    assert "Kudos undone" in plain(after) and "3 of 3 kudos left this month" in plain(after)
    assert "Thanks for the demo" not in plain(after)
    assert ana.post("/kudos/undo", {"event": given.event_id}).status_code == 404


def test_a_profile_counts_kudos_received_and_given_and_shows_the_latest_received(world):
    do_give_kudos(giver=ANA, receivers=[BOB], message="First thanks", values=["craft"])
    do_give_kudos(giver=CAROL, receivers=[BOB, DAN], message="Second thanks", values=["teamwork"])
    do_give_kudos(giver=BOB, receivers=[ANA], message="Back to you", values=["curiosity"])
    page = signed_in(ANA).get(f"/people/{BOB}")
    words = plain(page)
    assert "2 received · 1 given" in words
    latest = words.split("Latest received")[1]
    assert latest.index("Second thanks") < latest.index("First thanks") and "Back to you" not in latest


def test_someone_who_opted_out_keeps_their_kudos_counts_private_and_can_still_be_thanked(world):
    from base.models import Person

    do_give_kudos(giver=ANA, receivers=[BOB], message="Private thanks", values=["craft"])
    Person.objects.filter(key=BOB).update(public=False)
    words = plain(signed_in(ANA).get(f"/people/{BOB}"))
    assert "received" not in words and "Private thanks" not in words
    assert "Give Bob Stone kudos" in words
    assert "1 received" in plain(signed_in(BOB).get(f"/people/{BOB}"))
