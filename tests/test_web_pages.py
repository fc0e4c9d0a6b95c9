"""The pages through Django's test client: who may open what, forms that keep input, the admin actions."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from base.models import ApiKey, Person
from rulesets.models import RulesetVersion
from tests.web_seed import PASSWORD, POST_POINTS_LINE, WEB_RULESET, make_user, seed_world, signed_in, text

EMPLOYEE_PAGES = ["/", "/boards/all-time", "/boards/weekly", "/me", "/people/ana@example.com", "/people?q=ana",
                  "/badges", "/badges/first-post"]
ADMIN_PAGES = ["/admin-area/rules", "/admin-area/versions", "/admin-area/keys"]


@pytest.fixture
def world(db, redis):
    seed_world()
    make_user("ana@example.com")
    make_user("boss", admin=True)



def test_every_page_asks_a_stranger_to_sign_in_first(world):
    for path in EMPLOYEE_PAGES + ADMIN_PAGES:
        response = Client().get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login?next="), path


def test_an_employee_opens_the_employee_pages_but_no_admin_page(world):
    ana = signed_in("ana@example.com")
    for path in EMPLOYEE_PAGES:
        assert ana.get(path, follow=True).status_code == 200, path
    for path in ADMIN_PAGES:
        response = ana.get(path)
        assert response.status_code == 403, path
        assert "This page is for admins" in text(response)
    # nor can she act there
    assert ana.post("/admin-area/keys", {"name": "mine", "role": "admin"}).status_code == 403
    assert ana.post("/admin-area/rules", {"ruleset": WEB_RULESET, "action": "activate", "note": "x"}).status_code == 403
    assert not ApiKey.objects.filter(name="mine").exists()
    assert RulesetVersion.objects.count() == 1


def test_an_admin_opens_the_admin_pages_and_sees_them_in_the_navigation(world):
    boss = signed_in("boss")
    for path in ADMIN_PAGES:
        assert boss.get(path).status_code == 200, path
    assert 'href="/admin-area/keys"' in text(boss.get("/"))
    assert 'href="/admin-area/keys"' not in text(signed_in("ana@example.com").get("/"))


def test_forms_refuse_a_post_without_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.login(username="ana@example.com", password=PASSWORD)
    response = client.post("/people/ana@example.com/visibility", {"public": "no"})
    assert response.status_code == 403
    assert Person.objects.get(key="ana@example.com").public


def test_signing_out_takes_a_post(world):
    ana = signed_in("ana@example.com")
    assert ana.get("/logout").status_code == 405
    assert ana.post("/logout").status_code == 302
    assert ana.get("/").status_code == 302


def test_sign_in_goes_back_to_the_page_asked_for_but_never_to_another_site(world):
    client = Client()
    response = client.post("/login?next=/badges", {"username": "ana@example.com", "password": PASSWORD})
    assert response["Location"] == "/badges"
    client = Client()
    response = client.post("/login", {"username": "ana@example.com", "password": PASSWORD,
                                      "next": "https://evil.example/phish"})
    assert response["Location"] == "/"
    # a bare word is no page either (redirect() took it for a URL pattern's name, a 500)
    client = Client()
    response = client.post("/login", {"username": "ana@example.com", "password": PASSWORD, "next": "admin"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/login?next=admin")["Location"] == "/"


def test_five_wrong_passwords_lock_the_id_for_a_while(world):
    client = Client()
    for _ in range(5):
        response = client.post("/login", {"username": "ana@example.com", "password": "guess"})
        assert "do not match" in text(response)
    # then even the right password waits
    response = client.post("/login", {"username": "ana@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "Too many wrong passwords" in text(response)
    assert "_auth_user_id" not in client.session


def test_an_empty_sign_in_says_what_is_missing_next_to_each_field(db, redis):
    response = Client().post("/login", {"username": "", "password": ""})
    page = text(response)
    assert 'id="id_username-error"' in page and "Enter the id you sign in with" in page
    assert 'id="id_password-error"' in page and "Enter your password." in page


def test_the_board_shows_movement_since_last_week_and_marks_the_viewer(world):
    page = text(signed_in("ana@example.com").get("/boards/weekly"))
    rows = re.findall(r"<tr( class=\"me\"[^>]*)?> <td class=\"num\">(\d+)</td> <td><a href=\"/people/([^\"]+)\">", page)
    assert [(rank, person, bool(me)) for me, rank, person in rows] == [
        ("1", "ana@example.com", True), ("2", "carol@example.com", False),
        ("3", "bob@example.com", False), ("4", "dan@example.com", False)]
    assert "▲ 1" in page and "▼ 2" in page  # ana was 2nd last week, bob 1st
    assert "You are <strong>#1</strong> with 34 points." in page


def test_a_period_that_does_not_exist_is_explained_next_to_the_selector(world):
    response = signed_in("ana@example.com").get("/boards/weekly", {"period": "last tuesday"})
    assert response.status_code == 422
    page = text(response)
    assert 'id="period-error"' in page and "a week period is written like 2026-W48" in page
    assert "you asked for “last tuesday”" in page


def test_an_unknown_board_person_or_badge_is_a_page_saying_so(world):
    ana = signed_in("ana@example.com")
    for path, words in [("/boards/nope", "There is no board"), ("/people/nobody@example.com", "There is no one"),
                        ("/badges/nope", "There is no badge")]:
        response = ana.get(path)
        assert response.status_code == 404 and words in text(response), path


def test_search_finds_people_by_name_and_keeps_a_too_short_query(world):
    ana = signed_in("ana@example.com")
    page = text(ana.get("/people", {"q": "stone"}))
    assert 'href="/people/bob@example.com"' in page and "ana@example.com\"" not in page
    response = ana.get("/people", {"q": "b"})
    assert response.status_code == 422
    assert "Type at least 2 characters." in text(response) and 'value="b"' in text(response)


def test_only_the_person_or_an_admin_can_switch_the_opt_out(world):
    ana = signed_in("ana@example.com")
    assert ana.post("/people/bob@example.com/visibility", {"public": "no"}).status_code == 403
    assert Person.objects.get(key="bob@example.com").public
    assert signed_in("boss").post("/people/bob@example.com/visibility", {"public": "no"}).status_code == 302
    assert not Person.objects.get(key="bob@example.com").public
    # then others no longer see bob's ranks, nor bob on the board
    page = text(ana.get("/people/bob@example.com"))
    assert "keeps their ranks private" in page
    assert "Bob Stone" not in text(ana.get("/boards/all-time")).split("<table")[1]


def test_the_badge_page_offers_the_holder_the_open_badge_and_a_share_link(world):
    from badges.openbadges import assertion_url

    page = text(signed_in("ana@example.com").get("/badges/first-post"))
    grant = Person.objects.get(key="ana@example.com").badge_grants.get(badge_id="first-post")
    assert f'href="/openbadges/assertions/{grant.uuid}.png" download' in page
    assert f'readonly value="{assertion_url(grant)}"' in page
    assert 'href="/people/bob@example.com">Bob Stone' in page  # bob holds it too


def test_a_ruleset_error_marks_its_line_and_keeps_the_text(world):
    draft = WEB_RULESET.replace("points: 10}", "points: ten}")
    response = signed_in("boss").post("/admin-area/rules", {"ruleset": draft, "action": "validate"})
    assert response.status_code == 422
    page = response.content.decode()
    assert re.findall(r'<li id="L(\d+)" data-line="\d+" class="bad">', page) == [str(POST_POINTS_LINE)]
    assert f"Line {POST_POINTS_LINE}, column" in page
    assert "points: ten}" in page.split("<textarea")[1]


def test_activating_needs_a_note_and_keeps_the_draft_until_it_has_one(world):
    boss = signed_in("boss")
    draft = WEB_RULESET.replace("points: 10}", "points: 12}")
    response = boss.post("/admin-area/rules", {"ruleset": draft, "action": "activate", "note": "  "})
    assert response.status_code == 422
    assert 'id="id_note-error"' in response.content.decode() and "points: 12}" in response.content.decode()
    assert RulesetVersion.objects.get(active=True).text == WEB_RULESET
    response = boss.post("/admin-area/rules", {"ruleset": draft, "action": "activate", "note": "twelve"})
    active = RulesetVersion.objects.get(active=True)
    assert response["Location"] == f"/admin-area/versions/{active.id}"
    assert (active.text, active.note, active.activated_by) == (draft, "twelve", "boss")


def test_a_custom_simulation_range_needs_both_dates_in_order(world):
    boss = signed_in("boss")
    response = boss.post("/admin-area/rules", {"ruleset": WEB_RULESET, "action": "simulate", "range": "custom",
                                               "since": "2026-11-20", "until": "2026-11-10"})
    assert response.status_code == 422
    page = text(response)
    assert "Until must be after 2026-11-20." in page and 'value="2026-11-20"' in page and 'value="2026-11-10"' in page
    response = boss.post("/admin-area/rules", {"ruleset": WEB_RULESET, "action": "simulate", "range": "custom",
                                               "since": "someday"})
    page = text(response)
    assert "Write a date like 2026-11-01." in page and "Choose the day after the last one to replay." in page


def test_a_simulation_reports_who_gains_without_changing_anything(world):
    boss = signed_in("boss")
    draft = WEB_RULESET.replace("points: 10}", "points: 20}")
    page = text(boss.post("/admin-area/rules", {"ruleset": draft, "action": "simulate", "range": "30"}))
    assert "Replayed <strong>14</strong> events" in page
    assert re.search(r"<td>Ana Ruiz</td><td class=\"num\">54</td><td class=\"num\">104</td>", page)
    assert Person.objects.get(key="ana@example.com").points == 54
    assert RulesetVersion.objects.count() == 1


def test_a_simulation_names_boards_periods_and_badges_not_their_ids(world):
    boss = signed_in("boss")
    draft = WEB_RULESET.replace("points: 10}", "points: 20}").replace("points: 2}", "points: 40}")
    page = text(boss.post("/admin-area/rules", {"ruleset": draft, "action": "simulate", "range": "30"}))
    summaries = re.findall(r"<summary>(.*?)</summary>", page)
    assert summaries, page
    for summary in summaries:
        assert not re.search(r"\b(all-time|weekly|teams)\b|\d{4}-W\d\d", summary), summary
    assert any(s.startswith("All time") for s in summaries) or any(s.startswith("This week, Week ") for s in summaries)
    badges = re.search(r"<h3>Badges</h3>(.*?)<h3>", page, re.S)[1]
    assert "first-post" not in badges and "commenter" not in badges


def test_rolling_back_activates_the_old_text_as_a_new_version(world):
    boss = signed_in("boss")
    first = RulesetVersion.objects.get()
    boss.post("/admin-area/rules", {"ruleset": WEB_RULESET.replace("points: 10}", "points: 12}"), "action": "activate",
                                    "note": "twelve"})
    page = text(boss.get(f"/admin-area/versions/{RulesetVersion.objects.get(active=True).id}"))
    assert "points: 12}" in page and "Roll back" not in page  # the active one has nothing to roll back to
    response = boss.post(f"/admin-area/versions/{first.id}/rollback", {"note": "too generous"})
    active = RulesetVersion.objects.get(active=True)
    assert response["Location"] == f"/admin-area/versions/{active.id}"
    assert active.text == first.text and active.note == "too generous" and active.id != first.id


def test_an_api_key_is_shown_once_works_and_stops_working_when_revoked(world):
    boss = signed_in("boss")
    response = boss.post("/admin-area/keys", {"name": "Slack bridge", "role": "reader"})
    raw = re.search(r'id="secret" type="text" readonly value="(pk_[^"]+)"', response.content.decode())[1]
    assert response["Cache-Control"] == "no-store"
    assert raw not in boss.get("/admin-area/keys").content.decode()
    api = Client()
    assert api.get("/api/v1/badges", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    key = ApiKey.objects.get(name="Slack bridge")
    assert boss.post(f"/admin-area/keys/{key.id}/revoke").status_code == 302
    assert boss.get(f"/admin-area/keys/{key.id}/revoke")["Location"] == "/admin-area/keys"  # nothing left to ask
    assert api.get("/api/v1/badges", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_revoking_a_key_asks_first_saying_what_stops_and_takes_a_csrf_checked_post(world):
    from base.api_keys import do_create_api_key

    key, raw = do_create_api_key(name="LMS bridge", role="integration")
    boss = signed_in("boss", csrf=True)
    listing = boss.get("/admin-area/keys").content.decode()
    assert f'action="/admin-area/keys/{key.id}/revoke"' not in listing  # no one-click revoke in the list
    assert f'href="/admin-area/keys/{key.id}/revoke"' in listing
    question = boss.get(f"/admin-area/keys/{key.id}/revoke")
    page = text(question)
    assert question.status_code == 200 and "Revoke the key “LMS bridge”?" in page
    assert "refused" in page and "never shown again" in page and key.prefix in page
    ApiKey.objects.get(pk=key.pk, revoked_at=None)
    assert boss.post(f"/admin-area/keys/{key.id}/revoke").status_code == 403  # without the page's CSRF token
    ApiKey.objects.get(pk=key.pk, revoked_at=None)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    done = boss.post(f"/admin-area/keys/{key.id}/revoke", {"csrfmiddlewaretoken": token}, follow=True)
    assert "Revoked “LMS bridge”" in text(done) and ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert Client().get("/api/v1/badges", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_key_without_a_name_is_refused_next_to_the_field_with_the_role_kept(world):
    response = signed_in("boss").post("/admin-area/keys", {"name": "", "role": "integration"})
    page = text(response)
    assert response.status_code == 422
    assert 'id="id_name-error"' in page and "Name the key after who uses it" in page
    assert '<option value="integration" selected>' in page
    assert not ApiKey.objects.filter(role="integration").exists()


def test_demo_sign_ins_are_made_once_and_kept(db, redis, settings, tmp_path):
    from engine.demo_logins import ensure_demo_logins

    settings.DATA_DIR = tmp_path
    seed_world()
    first = ensure_demo_logins()
    assert "admin" in first and len(first) >= 2
    assert ensure_demo_logins() == first
    for username, password in first.items():
        assert Client().login(username=username, password=password), username
    assert signed_in_as(first, "admin").get("/admin-area/rules").status_code == 200


def signed_in_as(logins: dict, username: str) -> Client:
    client = Client()
    client.login(username=username, password=logins[username])
    return client


def test_the_signin_command_creates_employees_for_known_people_only(world, capsys):
    from django.core.management import CommandError, call_command

    call_command("signin", "add", "carol@example.com")
    password = capsys.readouterr().out.strip().splitlines()[-1]
    assert Client().login(username="carol@example.com", password=password)
    with pytest.raises(CommandError, match="no person has the id"):
        call_command("signin", "add", "stranger@example.com")
    call_command("signin", "add", "ops", "--admin")
    password = capsys.readouterr().out.strip().splitlines()[-1]
    client = Client()
    assert client.login(username="ops", password=password)
    assert client.get("/admin-area/keys").status_code == 200


def test_the_pages_call_services_not_the_api_or_the_scorer():
    from tests.test_architecture import imported_modules

    api_modules = {"engine.api", "engine.routers.events", "engine.routers.event_batches", "engine.routers.people",
                   "engine.routers.health", "engine.routers.recompute", "engine.scoring", "badges.api", "leaderboards.api", "rulesets.api",
                   "insights.api"}
    offenders = {path: sorted(names & api_modules) for path, names in imported_modules("web").items() if names & api_modules}
    assert offenders == {}


def test_a_browser_asking_for_a_missing_page_gets_a_page_and_the_api_keeps_json(world):
    ana = signed_in("ana@example.com")
    response = ana.get("/boardz", HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == 404 and "There is no page at /boardz." in text(response)
    response = ana.get("/api/v1/nope", HTTP_ACCEPT="text/html")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_the_navigation_marks_the_page_you_are_on(world):
    ana = signed_in("ana@example.com")
    current = lambda path: re.findall(r'<a href="([^"]+)" aria-current="page">', text(ana.get(path)))  # noqa: E731
    assert current("/people/ana@example.com") == ["/me"]
    assert current("/people/bob@example.com") == ["/people"]
    assert current("/badges/first-post") == ["/badges"]
