"""Languages (docs/operations.md#languages): pages, notifications and badge texts in English and German,
picked by the person's locale, else Accept-Language, else English; times in the person's timezone."""

from __future__ import annotations

import pytest

from base.models import Person
from tests.web_seed import make_user, seed_world, signed_in, text


@pytest.fixture
def world(db, redis):
    seed_world()
    make_user("ana@example.com")
    make_user("boss", admin=True)


def test_the_browser_language_picks_german_and_english_stays_the_default(world):
    ana = signed_in("ana@example.com")
    assert "Abmelden" in text(ana.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5"))
    english = ana.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Sign out" in text(english) and english["Content-Language"] == "en"
    assert "Sign out" in text(ana.get("/"))


def test_the_persons_locale_beats_the_browser_language(world):
    Person.objects.filter(key="ana@example.com").update(locale="de-AT")
    ana = signed_in("ana@example.com")
    page = ana.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "de"
    assert '<html lang="de">' in text(page) and "Abmelden" in text(page)
    # a locale we do not speak leaves the choice to the browser
    Person.objects.filter(key="ana@example.com").update(locale="fr-FR")
    assert "Abmelden" in text(ana.get("/", HTTP_ACCEPT_LANGUAGE="de"))
    assert "Sign out" in text(ana.get("/", HTTP_ACCEPT_LANGUAGE="en"))


def test_someone_without_a_locale_switches_the_language_in_the_footer(world):
    ana = signed_in("ana@example.com", csrf=False)
    assert 'name="language"' in text(ana.get("/"))
    ana.post("/i18n/setlang/", {"language": "de", "next": "/badges"})
    assert "Abmelden" in text(ana.get("/badges"))
    Person.objects.filter(key="ana@example.com").update(locale="en")
    page = text(ana.get("/badges"))
    assert "Sign out" in page and 'name="language"' not in page


def test_the_compiled_catalogs_match_their_sources():
    """The .mo files are committed (serving needs no build step): each must say what its .po says."""
    import io
    from pathlib import Path

    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    for po_path in Path("locale").glob("*/LC_MESSAGES/django.po"):
        source = read_po(po_path.open("rb"))
        compiled = read_mo(io.BytesIO(po_path.with_suffix(".mo").read_bytes()))
        def key(value):
            return tuple(value) if isinstance(value, (list, tuple)) else value

        want = {key(m.id): key(m.string) for m in source if m.id and m.string and "fuzzy" not in m.flags}
        have = {key(m.id): key(m.string) for m in compiled if m.id}
        assert have == want, f"{po_path.with_suffix('.mo')} is stale: run `make messages`"


GERMAN_RULESET = """
ruleset: speaking
language: en
levels:
  - {name: {en: Newcomer, de: Neuling}, min_points: 0}
  - {name: Expert, min_points: 100}
rules:
  - {id: post, when: {type: post}, award: {to: actor, points: 10}}
badges:
  - id: helper
    name: {en: Helper, de: Helfer, de-AT: Helferlein}
    description: {en: Answered questions., de: Hat Fragen beantwortet.}
    criteria: {rule: post}
    tiers: [{name: {en: Silver, de: Silber}, count: 1}, {name: Gold, count: 2}]
leaderboards:
  - {id: all-time, name: {en: All time, de: Gesamt}}
"""


def test_ruleset_names_come_in_the_language_asked_with_fallbacks(admin, reader):
    assert admin.put_yaml("/ruleset", GERMAN_RULESET).status_code in (200, 201)
    headers = reader._headers()
    english = reader.get("/badges").json()[0]
    assert (english["name"], english["description"]) == ("Helper", "Answered questions.")
    assert [t["name"] for t in english["tiers"]] == ["Silver", "Gold"]

    def badge(accept):
        return reader.client.get("/api/v1/badges", HTTP_ACCEPT_LANGUAGE=accept, **headers).json()[0]

    german = badge("de-DE,de;q=0.9")
    assert (german["name"], german["description"]) == ("Helfer", "Hat Fragen beantwortet.")
    assert [t["name"] for t in german["tiers"]] == ["Silber", "Gold"]  # Gold has one text: the same in German
    assert badge("fr-FR")["name"] == "Helper"  # a language we do not speak: the ruleset's default

    from rules.core.texts import pick
    texts = {"en": "Helper", "de": "Helfer", "de-AT": "Helferlein"}
    assert pick(texts, "de-AT", "en") == "Helferlein"
    assert pick(texts, "de-CH", "en") == "Helfer"  # de-CH -> de
    assert pick(texts, "fr", "en") == "Helper"  # -> the default language
    assert pick({"de": "Helfer", "en": "Helper"}, "fr", "de") == "Helfer"


def test_a_name_per_language_must_have_the_rulesets_default_language(admin):
    answer = admin.put_yaml("/ruleset", GERMAN_RULESET.replace("language: en", "language: de").replace(
        "{en: Helper, de: Helfer, de-AT: Helferlein}", "{en: Helper}"))
    assert answer.status_code == 422
    messages = " ".join(d["message"] for d in answer.json()["details"])
    assert "badges[0].name" in str(answer.json()) and "default language 'de'" in messages
    bad_tag = admin.put_yaml("/ruleset", GERMAN_RULESET.replace("de-AT:", "Deutsch!:"))
    assert bad_tag.status_code == 422 and "is not a language tag" in str(bad_tag.json())


# --- notifications -----------------------------------------------------------------------------------

TEMPLATE_NAMES = ["badge_awarded", "level_up", "leaderboard_top", "weekly_digest", "challenge"]


def _literal_words(template: str) -> set[str]:
    """The words a template writes itself (not the data's): its text outside {{ }} and {% %}."""
    import re

    literal = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", template)
    return {w.lower() for w in re.findall(r"[A-Za-zÄÖÜäöüß]{3,}", literal)}


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_default_notification_template_speaks_german_to_a_german_channel(admin, name):
    import json

    from notifications.render import default_text
    from notifications.templates import SAMPLES

    data_words = _literal_words(json.dumps(SAMPLES[name]))  # the sample data's own words are data

    assert admin.put_yaml("/ruleset", GERMAN_RULESET.replace("language: en", "language: de").replace(
        "{en: Helper, de: Helfer, de-AT: Helferlein}", "{en: Helper, de: Helfer}")).status_code in (200, 201)
    for kind in ("slack", "teams", "email"):
        english, german = default_text(name, kind), default_text(name, kind, "de")
        # words only the English template writes: none may be left in what the German channel gets
        english_only = _literal_words(english) - _literal_words(german) - data_words
        assert english_only, (kind, name)
        payload = admin.post("/templates/preview", {"kind": kind, "name": name}).json()["payload"]
        sent = str(payload).lower()
        import re
        left = sorted(w for w in english_only if re.search(rf"\b{w}\b", sent))
        assert not left, f"{kind}/{name} still says {left}: {sent[:300]}"
    # the heading of a Teams card and an email subject too
    assert "erhalten" in sent or "stufe" in sent or "woche" in sent or "top" in sent or "zu ende" in sent


# --- every page in German ----------------------------------------------------------------------------

# English words that German text never uses: one of them in a German page's text (data taken out)
# is English left over. The catalog check below catches marked texts left untranslated.
ENGLISH_WORDS = {"the", "and", "you", "your", "with", "for", "this", "that", "are", "is", "of", "yet", "from", "has",
                 "have", "not", "none", "here", "what", "who", "which", "will", "been", "its", "by", "or", "at",
                 "on", "to", "no", "one", "points", "people", "earned", "badge", "badges", "board", "boards",
                 "week", "month", "day", "all", "new", "any", "more", "sign", "back", "page", "pages", "show", "save",
                 "add", "delete", "find", "give", "how", "when", "where", "why", "yours", "only", "every", "each",
                 "level", "rank", "team", "teams", "time", "times", "than", "then", "there", "they", "them", "their",
                 "out", "off", "over", "until", "after", "before", "about", "see", "just", "ago", "now", "never",
                 "set", "left", "right", "last", "next", "first", "close", "keep", "undo", "reset", "run"}


def _visible_text(html: str) -> str:
    """What a reader sees or hears: text nodes and aria-label, title, alt and placeholder attributes;
    code, preformatted text, text areas and scripts are data and left out."""
    import html as html_lib
    import re

    html = re.sub(r"(?is)<(script|style|pre|code|textarea)\b.*?</\1>", " ", html)
    attributes = re.findall(r'(?:aria-label|title|alt|placeholder)="([^"]*)"', html)
    text = re.sub(r"(?s)<[^>]+>", " ", html)
    return html_lib.unescape(" ".join([text, *attributes]))


def _data_words(*texts: str) -> set[str]:
    import re

    return {w.lower() for t in texts for w in re.findall(r"[A-Za-z]+", t)}


def _pages_of_every_url(world_admin_client, employee_client) -> list[tuple[str, object, str]]:
    """(path, client, who) for every GET page in web/urls.py, with seeded ids; POST-only routes answer
    405 and are left out by the caller."""
    from django.urls import reverse

    from base.api_keys import do_create_api_key
    from base.models import EventBatch
    from engine.jobs import do_start_recompute
    from notifications.models import Channel, Notification
    from notifications.templates import SAMPLES
    from rulesets.models import RulesetVersion
    from web import urls

    channel = Channel.objects.create(id="learning-python", kind="slack", url="https://hooks.slack.com/services/T/B/x")
    note = Notification.objects.create(channel_id=channel.id, trigger="badge_awarded", template="badge_awarded",
                                       data=SAMPLES["badge_awarded"], dedupe_key="i18n-1", status="dead", attempts=3,
                                       next_attempt_at=timezone_now(), last_error="HTTP 404: no_service")
    batch = EventBatch.objects.create(body="[]", events=0, status="refused", error={"error": "validation_error"})
    args = {"board_id": "all-time", "key": "ana@example.com", "badge_id": "first-post",
            "version_id": RulesetVersion.objects.order_by("-id").first().id, "key_id": do_create_api_key(name="Slack bridge", role="integration")[0].id,
            "channel_id": channel.id, "kind": "slack", "name": "badge_awarded", "notification_id": note.id,
            "batch_id": batch.id, "challenge_id": "web-week", "prompt_id": "monday-question",
            "job_id": do_start_recompute().id}
    skip = {"signout", "oidc_callback", "export", "insights_csv", "event_batch_body", "set_language", "admin_export"}
    pages = []
    for pattern in urls.urlpatterns:
        if pattern.name in skip:
            continue
        kwargs = {k: args[k] for k in pattern.pattern.converters}
        path = reverse(f"web:{pattern.name}", kwargs=kwargs)
        pages.append((path, world_admin_client, "admin"))
        pages.append((path, employee_client, "employee"))
    # the admin pages about one person
    for path in ["/admin-area/people?person=ana@example.com", "/admin-area/people/badges?person=ana@example.com",
                 "/admin-area/people/revoke?person=ana@example.com&badge=first-post&tier=",
                 "/admin-area/people/erase?person=ana@example.com"]:
        pages.append((path, world_admin_client, "admin"))
    # the problem pages: not found, not for you
    pages += [("/no-such-page", employee_client, "employee"), ("/badges/no-such-badge", employee_client, "employee")]
    return pages


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def test_every_page_in_german_leaves_no_english_but_data(world):
    import re

    from tests.web_seed import PEOPLE, WEB_RULESET

    admin, ana = signed_in("boss"), signed_in("ana@example.com")
    data = _data_words(WEB_RULESET, *(" ".join(p) for p in PEOPLE), "ana example com learning python slack hooks no such page",
                       "badge_awarded level_up leaderboard_top weekly_digest no_service validation_error boss Slack bridge",
                       "challenge_started challenge_halfway challenge_last_day challenge_ended test_message")
    english = _catalog_english()
    seen, problems = 0, []
    for path, client, who in _pages_of_every_url(admin, ana):
        answer = client.get(path, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9", HTTP_ACCEPT="text/html")
        if answer.status_code in (302, 405) or "text/html" not in answer.get("Content-Type", ""):
            continue
        seen += 1
        text = _visible_text(answer.content.decode())
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)} - data
        left = sorted(words & ENGLISH_WORDS)
        untranslated = [m for m in english if m in text]
        if left or untranslated:
            problems.append(f"{who} {path}: English words {left}, untranslated {untranslated[:5]}")
    assert seen >= 30, seen
    assert not problems, "\n".join(problems)


def _catalog_english() -> list[str]:
    """The catalog's English texts (placeholders taken out) whose German differs: none may show on a German page."""
    import re
    from pathlib import Path

    from babel.messages.pofile import read_po

    found = []
    for m in read_po(Path("locale/de/LC_MESSAGES/django.po").open("rb")):
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for msgid, msgstr in zip(ids, strings):
            piece = max(re.split(r"%\(\w+\)[sdr]|%[sd]", msgid), key=len).strip()
            if msgid and msgstr != msgid and len(piece) >= 12 and piece not in (msgstr or ""):
                found.append(piece)
    return found


def test_every_text_in_the_german_catalog_is_translated():
    from pathlib import Path

    from babel.messages.pofile import read_po

    catalog = read_po(Path("locale/de/LC_MESSAGES/django.po").open("rb"))
    missing = [m.id for m in catalog if m.id and (not all(m.string) if isinstance(m.string, tuple) else not m.string)]
    assert not missing, missing
    fuzzy = [m.id for m in catalog if m.id and "fuzzy" in m.flags]
    assert not fuzzy, fuzzy


# --- dates, numbers and timezones ----------------------------------------------------------------------

def _grant_of_ana_at(moment):
    from badges.models import BadgeGrant

    from base.models import Event

    grants = BadgeGrant.objects.filter(person__key="ana@example.com", badge_id="first-post")
    grants.update(granted_at=moment)
    # the page shows when it was earned: the time of the event that earned it
    Event.objects.filter(seq__in=grants.values("event_id")).update(occurred_at=moment)


def test_dates_and_numbers_are_written_the_german_way(world):
    from datetime import datetime, timezone

    Person.objects.filter(key="ana@example.com").update(locale="de-DE", points=1234)
    _grant_of_ana_at(datetime(2026, 12, 7, 9, 30, tzinfo=timezone.utc))
    ana = signed_in("ana@example.com")
    assert '<span class="big">1.234</span> Punkte' in text(ana.get("/"))
    assert "erhalten 7. Dezember 2026, 09:30 UTC." in text(ana.get("/badges/first-post"))
    # the same page for an English reader
    Person.objects.filter(key="ana@example.com").update(locale="en-GB")
    page = text(ana.get("/badges/first-post"))
    assert "earned 7 December 2026, 09:30 UTC." in page or "earned December 7, 2026, 9:30 AM UTC." in page
    assert '<span class="big">1,234</span> points' in text(ana.get("/"))


def test_times_are_shown_in_the_persons_timezone(world):
    from datetime import datetime, timezone

    _grant_of_ana_at(datetime(2026, 12, 7, 23, 30, tzinfo=timezone.utc))
    Person.objects.filter(key="ana@example.com").update(locale="de", timezone="Europe/Berlin")
    ana = signed_in("ana@example.com")
    assert "erhalten 8. Dezember 2026, 00:30 CET." in text(ana.get("/badges/first-post"))  # the next day in Berlin
    Person.objects.filter(key="ana@example.com").update(timezone="America/New_York")
    assert "erhalten 7. Dezember 2026, 18:30 EST." in text(ana.get("/badges/first-post"))
    # an unknown zone falls back to the server's
    Person.objects.filter(key="ana@example.com").update(timezone="Mars/Olympus_Mons")
    assert "erhalten 7. Dezember 2026, 23:30 UTC." in text(ana.get("/badges/first-post"))


# --- the demo in German --------------------------------------------------------------------------------

def test_the_demo_started_in_german_names_its_badges_in_german(settings):
    from engine.management.commands.demo import example_ruleset
    from rules.core.compiled import load_ruleset

    settings.LANGUAGE_CODE = "de"
    ruleset = load_ruleset(example_ruleset())
    assert ruleset.doc.language == "de"
    assert ruleset.badge("first-post").spec.name == "Erster Beitrag"  # what grants store and channels announce
    settings.LANGUAGE_CODE = "en"
    assert load_ruleset(example_ruleset()).badge("first-post").spec.name == "First Post"


def test_an_unknown_plaudit_language_stops_the_start_with_the_languages_to_choose_from():
    import os
    import subprocess
    import sys

    env = {**os.environ, "PLAUDIT_LANGUAGE": "fr", "DJANGO_SETTINGS_MODULE": "engine.settings"}
    started = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert started.returncode != 0
    assert "PLAUDIT_LANGUAGE='fr' is not one of the languages: en, de" in started.stderr
