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
