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
        want = {m.id: m.string for m in source if m.id and m.string and "fuzzy" not in m.flags}
        have = {m.id: m.string for m in compiled if m.id}
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

TEMPLATE_NAMES = ["badge_awarded", "level_up", "leaderboard_top", "weekly_digest"]


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
    assert "erhalten" in sent or "stufe" in sent or "woche" in sent or "top" in sent
