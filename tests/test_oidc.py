"""Sign-in with the company account (CONTRACT.md section 7) against a real OpenID provider on 127.0.0.1:
node's oidc-provider for the whole flow, and a provider of our own for ID tokens that must be refused."""

from __future__ import annotations

import re
import time
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.contrib.auth.models import User
from joserfc.jwk import RSAKey
from playwright.sync_api import expect

from base.models import Person, PersonAlias
from rulesets.active import do_activate_ruleset
from tests.browser import browser  # noqa: F401  (fixture)
from tests.oidc_provider import (CLIENT_ID, TokenForge, free_port, node_provider, sign_in_at_node_provider,  # noqa: F401
                                 use_provider)
from tests.web_seed import PASSWORD, WEB_RULESET, make_user


@pytest.fixture
def company(settings, live_server, node_provider, transactional_db, redis):  # noqa: F811
    """The live site with the node provider connected and a ruleset active; yields the site's URL."""
    use_provider(settings, live_server, node_provider)
    do_activate_ruleset(WEB_RULESET, activated_by="test", note="first version")
    return live_server.url


def _csrf(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(url, timeout=10).text).group(1)


def _signed_in_as(session: requests.Session, site: str) -> str | None:
    """Whose home page the session sees; None when it is sent to the sign-in page."""
    answer = session.get(f"{site}/", timeout=10)
    if urlparse(answer.url).path == "/login":
        return None
    # "Hello, Ana" or "Hallo, Ana": the page speaks the locale the provider gave the person
    return re.search(r"<h1>(?:Hello|Hallo), ([^<]+)</h1>", answer.text).group(1)


def test_a_verified_email_of_no_known_person_creates_that_person(company):
    session = requests.Session()
    answer = sign_in_at_node_provider(session, company, "new", next_path="/me")
    assert answer.status_code == 200 and urlparse(answer.url).path == "/people/nia@example.com"  # /me is theirs
    person = Person.objects.get(key="nia@example.com")
    assert (person.name, person.locale, person.active) == ("Nia New", "fr", True)
    user = User.objects.get(username="nia@example.com")
    assert not user.has_usable_password() and not user.is_staff
    assert _signed_in_as(session, company) == "Nia New"


def test_signing_in_gives_the_session_a_new_key(company):
    Person.objects.create(key="ana@example.com", name="Ana Ruiz")
    session = requests.Session()
    session.get(f"{company}/auth/oidc/login", allow_redirects=False, timeout=10)
    before = session.cookies.get("sessionid")
    sign_in_at_node_provider(session, company, "ana")
    assert before and session.cookies.get("sessionid") not in (None, before)
    # the session known before signing in does not sign anyone in
    stale = requests.Session()
    stale.cookies.set("sessionid", before)
    assert _signed_in_as(stale, company) is None and _signed_in_as(session, company) == "Ana Ruiz"


def test_cancelling_at_the_provider_is_refused_with_its_reason(company):
    session = requests.Session()
    login_page = session.get(f"{company}/auth/oidc/login", timeout=10)
    abort = re.search(r'href="([^"]*/abort)"', login_page.text).group(1)
    answer = session.get(abort if abort.startswith("http") else urlparse(login_page.url)._replace(path=abort, query="").geturl(),
                         timeout=10)
    assert answer.status_code == 403
    assert "did not sign you in: End-User aborted interaction" in unescape(answer.text)
    assert _signed_in_as(session, company) is None


def test_the_email_in_any_case_is_the_person_id_and_fills_locale_and_timezone(company):
    Person.objects.create(key="ana@example.com", name="Ana Ruiz")
    session = requests.Session()
    sign_in_at_node_provider(session, company, "ana")
    assert _signed_in_as(session, company) == "Ana Ruiz"
    ana = Person.objects.get(key="ana@example.com")
    assert (ana.locale, ana.timezone) == ("de-AT", "Europe/Vienna")
    assert Person.objects.count() == 1 and User.objects.filter(username="ana@example.com").exists()


def test_an_email_alias_of_the_directory_reaches_the_person(company):
    ana = Person.objects.create(key="ana@example.com", name="Ana Ruiz")
    PersonAlias.objects.create(source="email", external_id="a.ruiz@corp.example", person=ana)
    session = requests.Session()
    sign_in_at_node_provider(session, company, "alias")
    assert _signed_in_as(session, company) == "Ana Ruiz"
    assert not Person.objects.filter(key="a.ruiz@corp.example").exists()


def test_the_groups_claim_makes_an_admin_and_takes_it_away(company):
    # given ana, an admin by hand, whose groups do not include the admin group
    Person.objects.create(key="ana@example.com", name="Ana Ruiz")
    make_user("ana@example.com", admin=True)
    boss, ana = requests.Session(), requests.Session()
    # when both sign in with the company account
    sign_in_at_node_provider(boss, company, "boss")
    sign_in_at_node_provider(ana, company, "ana")
    # then the admin group's member opens the admin area and ana no longer does
    assert boss.get(f"{company}/admin-area/rules", timeout=10).status_code == 200
    assert User.objects.get(username="boss@example.com").is_staff
    refused = ana.get(f"{company}/admin-area/rules", timeout=10)
    # (ana's locale from the provider is German, so the page is too)
    assert refused.status_code == 403 and "Diese Seite ist für Admins" in unescape(refused.text)
    assert not User.objects.get(username="ana@example.com").is_staff


def test_an_unverified_email_is_refused_with_the_reason(company):
    session = requests.Session()
    answer = sign_in_at_node_provider(session, company, "unverified")
    assert answer.status_code == 403
    assert "has not verified the email address eve@example.com" in unescape(answer.text)
    assert _signed_in_as(session, company) is None
    assert not Person.objects.filter(key="eve@example.com").exists() and not User.objects.exists()


def test_a_deprovisioned_person_cannot_sign_in(company):
    Person.objects.create(key="gone@example.com", name="Gus Gone", active=False)
    session = requests.Session()
    answer = sign_in_at_node_provider(session, company, "gone")
    assert answer.status_code == 403 and "switched off by your company's directory" in unescape(answer.text)
    assert _signed_in_as(session, company) is None


def test_a_deprovisioned_person_cannot_sign_in_with_a_password_either(company):
    Person.objects.create(key="gone@example.com", name="Gus Gone", active=False)
    make_user("gone@example.com")
    session = requests.Session()
    answer = session.post(f"{company}/login", timeout=10, data={
        "username": "gone@example.com", "password": PASSWORD, "csrfmiddlewaretoken": _csrf(session, f"{company}/login")})
    assert answer.status_code == 400 and "switched off by your company's directory" in unescape(answer.text)
    assert _signed_in_as(session, company) is None


def test_a_replayed_callback_is_refused(company):
    Person.objects.create(key="ana@example.com", name="Ana Ruiz")
    session = requests.Session()
    answer = sign_in_at_node_provider(session, company, "ana")
    callback = next(r.headers["Location"] for r in answer.history if "/auth/oidc/callback" in r.headers.get("Location", ""))
    # the same callback again, in the signed-in session and in another one
    for replay in (session, requests.Session()):
        again = replay.get(callback if callback.startswith("http") else f"{company}{callback}", timeout=10)
        assert again.status_code == 400
        # in ana's German in her session, in English in a fresh one
        assert any(words in unescape(again.text) for words in (
            "did not start here, or its link was used already", "hat nicht hier begonnen, oder ihr Link wurde schon benutzt"))


def test_a_wrong_state_is_refused(company):
    session = requests.Session()
    started = session.get(f"{company}/auth/oidc/login", allow_redirects=False, timeout=10)
    assert started.status_code == 302
    state = parse_qs(urlparse(started.headers["Location"]).query)["state"][0]
    for wrong in ("not-the-state", state + "x", "", "s" * 5000):
        answer = session.get(f"{company}/auth/oidc/callback", params={"code": "abc", "state": wrong}, timeout=10)
        assert answer.status_code == 400 and "Start again from the sign-in page" in unescape(answer.text)
    assert _signed_in_as(session, company) is None


def test_the_redirect_to_the_provider_carries_pkce_state_and_nonce(company):
    started = requests.get(f"{company}/auth/oidc/login", allow_redirects=False, timeout=10)
    query = parse_qs(urlparse(started.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [f"{company}/auth/oidc/callback"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile", "groups"}


def test_sign_out_ends_the_session_here_and_at_the_provider(company):
    Person.objects.create(key="ana@example.com", name="Ana Ruiz")
    session = requests.Session()
    sign_in_at_node_provider(session, company, "ana")
    answer = session.post(f"{company}/logout", data={"csrfmiddlewaretoken": _csrf(session, f"{company}/me")},
                          allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    ending = urlparse(answer.headers["Location"])
    query = parse_qs(ending.query)
    assert f"{ending.scheme}://{ending.netloc}{ending.path}" == f"{company_issuer(company)}/session/end"
    assert query["post_logout_redirect_uri"] == [f"{company}/login"] and query["id_token_hint"][0].count(".") == 2
    assert _signed_in_as(session, company) is None


def company_issuer(site: str) -> str:
    from django.conf import settings

    return settings.OIDC_ISSUER


def test_password_signin_off_leaves_only_the_company_account(company, settings):
    settings.PASSWORD_SIGNIN = False
    make_user("ana@example.com")
    session = requests.Session()
    page = session.get(f"{company}/login", timeout=10)
    assert "Sign in with your company account" in unescape(page.text) and 'name="password"' not in unescape(page.text)
    # the page has no form, so no CSRF token: any well-formed one in both cookie and form passes
    token = "t" * 32
    session.cookies.set("csrftoken", token)
    answer = session.post(f"{company}/login", timeout=10, data={
        "username": "ana@example.com", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert answer.status_code == 403 and "Password sign-in is off" in unescape(answer.text)
    assert _signed_in_as(session, company) is None


def test_without_oidc_the_sign_in_page_keeps_only_the_password(settings, live_server, transactional_db, redis):
    settings.OIDC_ISSUER = ""
    page = requests.get(f"{live_server.url}/login", timeout=10)
    assert "company account" not in unescape(page.text) and 'name="password"' in unescape(page.text)
    assert requests.get(f"{live_server.url}/auth/oidc/login", timeout=10).status_code == 404


def test_a_provider_that_does_not_answer_gives_a_503_page(settings, live_server, transactional_db, redis):
    use_provider(settings, live_server, f"http://127.0.0.1:{free_port()}")
    answer = requests.get(f"{live_server.url}/auth/oidc/login", timeout=30)
    assert answer.status_code == 503
    assert "Sign-in with your company account is unavailable right now" in unescape(answer.text)


@pytest.fixture
def forge(settings, live_server, transactional_db, redis):
    forge = TokenForge()
    use_provider(settings, live_server, forge.issuer)
    yield forge
    forge.close()


def _callback_with(forge: TokenForge, site: str, **claims) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    started = session.get(f"{site}/auth/oidc/login", allow_redirects=False, timeout=10)
    query = parse_qs(urlparse(started.headers["Location"]).query)
    forge.nonce = query["nonce"][0]
    forge.claims = {"email": "ida@example.com", "email_verified": True, "name": "Ida Forge", **claims}
    answer = session.get(f"{site}/auth/oidc/callback", params={"code": "forged", "state": query["state"][0]}, timeout=10)
    return session, answer


def test_a_well_formed_id_token_of_the_forge_signs_in(forge, live_server):
    do_activate_ruleset(WEB_RULESET, activated_by="test", note="first version")
    session, answer = _callback_with(forge, live_server.url)
    assert answer.status_code == 200 and _signed_in_as(session, live_server.url) == "Ida Forge"


@pytest.mark.parametrize("change, claims", [
    ("signed with another key", {}),
    ("for another audience", {"aud": "someone-else"}),
    ("with another nonce", {"nonce": "not-the-nonce"}),
    ("expired", {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}),
    ("from another issuer", {"iss": "http://127.0.0.1:1"}),
])
def test_an_id_token_that_cannot_be_trusted_is_refused(forge, live_server, change, claims):
    if change == "signed with another key":
        forge.sign_with = RSAKey.generate_key(2048)
    session, answer = _callback_with(forge, live_server.url, **claims)
    assert answer.status_code == 403, change
    assert "a sign-in Plaudit cannot trust" in unescape(answer.text)
    assert not User.objects.exists() and not Person.objects.exists()


def test_an_employee_signs_in_through_the_company_login_and_consent_pages(company, browser):  # noqa: F811
    Person.objects.create(key="ana@example.com", name="Ana Ruiz")
    page = browser("ana")
    page.goto("/me")
    page.get_by_role("link", name="Sign in with your company account").click()
    # the provider's own sign-in page, then its consent page
    page.locator("input[name=login]").fill("ana")
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ana Ruiz")
    assert urlparse(page.url).path == "/people/ana@example.com"  # where /me, asked for first, leads
