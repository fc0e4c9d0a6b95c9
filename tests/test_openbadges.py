"""Manual awards, revocation and Open Badges 2.0 (hosted and baked), checked by a reader written here.

The reader parses PNG chunks with struct/zlib and SVG with xml.etree, never with the code under test.
"""

from __future__ import annotations

import hashlib
import json
import struct
import xml.etree.ElementTree as ET
import zlib
from urllib.parse import urlsplit

from django.test import Client

from badges.models import BadgeAudit, BadgeGrant
from engine.scoring import do_score_pending
from tests.helpers import BASIC_RULESET, event

OB_CONTEXT = "https://w3id.org/openbadges/v2"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- an independent reader -------------------------------------------------------------------------

def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, checking each CRC."""
    assert data[:8] == PNG_SIGNATURE
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind = data[at + 4:at + 8]
        body = data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        at += 12 + length
    assert chunks[-1][0] == b"IEND"
    return chunks


def unbake_png(data: bytes) -> dict:
    """The assertion of the one iTXt chunk with keyword "openbadges" (compressed or not)."""
    found = []
    for kind, body in png_chunks(data):
        if kind != b"iTXt":
            continue
        keyword, rest = body.split(b"\x00", 1)
        if keyword != b"openbadges":
            continue
        compressed, _method = rest[0], rest[1]
        _language, rest = rest[2:].split(b"\x00", 1)
        _translated, text = rest.split(b"\x00", 1)
        found.append(json.loads((zlib.decompress(text) if compressed else text).decode("utf-8")))
    assert len(found) == 1, f"{len(found)} openbadges iTXt chunks"
    return found[0]


def unbake_svg(data: bytes) -> tuple[str, dict]:
    """(verify URL, assertion) of the <openbadges:assertion> element."""
    root = ET.fromstring(data)
    elements = list(root.iter("{http://openbadges.org}assertion"))
    assert len(elements) == 1
    return elements[0].get("verify"), json.loads(elements[0].text)


def fetch(url: str):
    """GET an absolute URL of ours with the test client (no key)."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return Client().get(path)


def fetch_ld(url: str, status: int = 200) -> dict:
    response = fetch(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/ld+json"
    return json.loads(response.content)


def check_assertion(assertion: dict):
    assert assertion["@context"] == OB_CONTEXT
    assert assertion["type"] == "Assertion"
    for field in ("id", "recipient", "badge", "verification", "issuedOn"):
        assert assertion.get(field), f"Assertion lacks {field}"
    assert assertion["verification"]["type"] == "hosted"
    assert set(assertion["recipient"]) >= {"type", "hashed", "identity"}


def check_badge_class(badge: dict):
    assert badge["@context"] == OB_CONTEXT
    assert badge["type"] == "BadgeClass"
    for field in ("id", "name", "description", "image", "criteria", "issuer"):
        assert badge.get(field), f"BadgeClass lacks {field}"
    assert badge["criteria"]["narrative"]


def check_profile(profile: dict):
    assert profile["@context"] == OB_CONTEXT
    assert profile["type"] in ("Profile", "Issuer")
    for field in ("id", "name", "url", "email"):
        assert profile.get(field), f"Profile lacks {field}"


def verify_email(recipient: dict, email: str) -> bool:
    digest = hashlib.sha256((email + recipient["salt"]).encode()).hexdigest()
    return recipient["hashed"] is True and recipient["identity"] == f"sha256${digest}"


# --- setup ---------------------------------------------------------------------------------------

def setup(admin):
    response = admin.put_yaml("/ruleset", BASIC_RULESET)
    assert response.status_code == 200, response.json()


def send(admin, *events):
    response = admin.post("/events", list(events))
    assert response.status_code == 202, response.json()
    do_score_pending()


def grant(admin, person, badge, tier=None, reason="Helped onboard the new team"):
    return admin.post(f"/people/{person}/badges", {"badge": badge, "tier": tier, "reason": reason})


def revoke(admin, person, badge, tier=None, reason="Granted by mistake"):
    return admin.post(f"/people/{person}/badges/{badge}/revoke", {"tier": tier, "reason": reason})


def scored_first_post(admin) -> BadgeGrant:
    setup(admin)
    send(admin, event("post", "ana@example.com", id="p1"))
    return BadgeGrant.objects.get(person__key="ana@example.com", badge_id="first-post")


# --- Open Badges ------------------------------------------------------------------------------------

def test_a_scored_badge_has_a_hosted_assertion_that_round_trips_to_badge_and_issuer(admin):
    # given a badge earned through real scoring
    earned = scored_first_post(admin)
    # when
    assertion = fetch_ld(f"http://testserver/openbadges/assertions/{earned.uuid}")
    # then the assertion, its BadgeClass and the issuer resolve and carry the required fields
    check_assertion(assertion)
    assert assertion["id"].endswith(f"/openbadges/assertions/{earned.uuid}")
    assert assertion["evidence"]["narrative"] == "Earned by event p1"
    assert verify_email(assertion["recipient"], "ana@example.com")
    assert not verify_email(assertion["recipient"], "bo@example.com")
    badge = fetch_ld(assertion["badge"])
    check_badge_class(badge)
    assert badge["id"] == assertion["badge"]
    assert badge["name"] == "First Post"
    assert badge["criteria"]["narrative"] == "Earn points from 'Original post' once"
    assert fetch(badge["image"]).status_code == 200
    profile = fetch_ld(badge["issuer"])
    check_profile(profile)
    assert profile["id"] == badge["issuer"]
    assert profile["name"] == "Plaudit"


def test_a_tier_has_its_own_badge_class(admin):
    # given ana commented on bo's posts twice: Commenter (Bronze)
    setup(admin)
    send(admin, event("post", "bo@example.com", id="bp"),
         *[event("comment", "ana@example.com", target={"id": "bp", "author": "bo@example.com"}) for _ in range(2)])
    bronze = BadgeGrant.objects.get(person__key="ana@example.com", badge_id="commenter")
    # when
    assertion = fetch_ld(f"http://testserver/openbadges/assertions/{bronze.uuid}")
    badge = fetch_ld(assertion["badge"])
    # then
    assert assertion["badge"].endswith("/openbadges/badges/commenter/bronze")
    assert badge["name"] == "Commenter (Bronze)"
    assert badge["criteria"]["narrative"] == "Earn points from 'Comment' twice"
    assert badge["image"].endswith("/api/v1/badges/commenter/image.svg?tier=Bronze")
    assert fetch("http://testserver/openbadges/badges/commenter/platinum").status_code == 404
    assert fetch("http://testserver/openbadges/badges/nope").status_code == 404


def test_the_baked_png_carries_the_hosted_assertion(admin):
    # given
    earned = scored_first_post(admin)
    hosted = fetch_ld(f"http://testserver/openbadges/assertions/{earned.uuid}")
    # when
    response = fetch(f"http://testserver/openbadges/assertions/{earned.uuid}.png")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    chunks = dict(png_chunks(response.content))
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    assert (width, height) == (256, 256)
    assert unbake_png(response.content) == hosted


def test_the_baked_svg_carries_the_hosted_assertion(admin):
    # given
    earned = scored_first_post(admin)
    hosted = fetch_ld(f"http://testserver/openbadges/assertions/{earned.uuid}")
    # when
    response = fetch(f"http://testserver/openbadges/assertions/{earned.uuid}.svg")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    verify, baked = unbake_svg(response.content)
    assert baked == hosted
    assert verify == hosted["id"]
    assert ET.fromstring(response.content).tag == "{http://www.w3.org/2000/svg}svg"


def test_a_reason_with_markup_cannot_break_the_baked_svg(admin):
    # given a manual grant whose reason would close a CDATA section
    setup(admin)
    send(admin, event("post", "ana@example.com"))
    given = grant(admin, "ana@example.com", "commenter", "Bronze", reason="great ]]> <b>work</b> & more").json()
    # when
    response = fetch(given["assertion"] + ".svg")
    # then
    _, baked = unbake_svg(response.content)
    assert baked["evidence"]["narrative"].endswith("great ]]> <b>work</b> & more")


def test_a_person_id_that_is_not_an_email_is_hashed_as_an_id(admin):
    # given
    setup(admin)
    send(admin, event("post", "U024BE7LH"))
    earned = BadgeGrant.objects.get(person__key="U024BE7LH")
    # when
    recipient = fetch_ld(f"http://testserver/openbadges/assertions/{earned.uuid}")["recipient"]
    # then the id is never published in the clear
    assert recipient["type"] == "id"
    assert "U024BE7LH" not in json.dumps(recipient)
    digest = hashlib.sha256(("urn:plaudit:person:U024BE7LH" + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == f"sha256${digest}"


def test_a_revoked_assertion_answers_410_with_the_reason_also_for_the_baked_images(admin):
    # given
    earned = scored_first_post(admin)
    assert revoke(admin, "ana@example.com", "first-post", reason="Spam post").status_code == 200
    url = f"http://testserver/openbadges/assertions/{earned.uuid}"
    # when
    body = fetch_ld(url, status=410)
    # then
    assert body["revoked"] is True
    assert body["revocationReason"] == "Spam post"
    assert fetch(url + ".png").status_code == 410
    assert fetch(url + ".svg").status_code == 410


def test_an_unknown_assertion_is_404(db):
    # given / when
    response = Client().get("/openbadges/assertions/00000000-0000-0000-0000-000000000000")
    # then
    assert response.status_code == 404


# --- manual awards and revocation ----------------------------------------------------------------

def test_an_admin_grants_a_badge_by_hand_with_an_audit_row(admin, reader):
    # given
    setup(admin)
    send(admin, event("post", "bo@example.com"))
    # when
    response = grant(admin, "bo@example.com", "commenter", "Bronze", reason="Peer nomination: mentored two juniors")
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["manual"] is True and body["tier"] == "Bronze" and body["granted_by"] == "test admin"
    row = BadgeGrant.objects.get(person__key="bo@example.com", badge_id="commenter")
    assert (row.manual, row.step, row.reason) == (True, 0, "Peer nomination: mentored two juniors")
    audit = BadgeAudit.objects.get()
    assert (audit.action, audit.badge_id, audit.step, audit.by, audit.assertion) == ("grant", "commenter", 0, "test admin", row.uuid)
    held = {b["id"]: b for b in reader.get("/people/bo@example.com/badges").json()}
    assert [e["tier"] for e in held["commenter"]["earned"]] == ["Bronze"]
    assert fetch_ld(body["assertion"])["evidence"]["narrative"].endswith("Peer nomination: mentored two juniors")


def test_granting_rejects_unknown_things_held_badges_and_skipped_tiers(admin, reader):
    # given ana holds First Post
    setup(admin)
    send(admin, event("post", "ana@example.com"))
    # when / then
    assert grant(admin, "nobody@example.com", "first-post").status_code == 404
    assert grant(admin, "ana@example.com", "no-such-badge").status_code == 404
    assert grant(admin, "ana@example.com", "commenter", "Platinum").status_code == 404
    assert grant(admin, "ana@example.com", "first-post", "Gold").status_code == 404
    assert grant(admin, "ana@example.com", "commenter").status_code == 400  # a tiered badge needs the tier
    assert grant(admin, "ana@example.com", "first-post").json()["error"] == "already_held"
    assert grant(admin, "ana@example.com", "commenter", "Silver").json()["error"] == "tier_out_of_order"
    assert grant(admin, "ana@example.com", "first-post", reason="").status_code == 422
    assert grant(admin, "ana@example.com", "first-post", reason="x" * 501).status_code == 422
    assert grant(reader, "ana@example.com", "commenter", "Bronze").status_code == 403
    assert BadgeAudit.objects.count() == 0


def test_revoking_keeps_the_row_audits_and_hides_the_badge(admin, reader):
    # given ana earned First Post
    earned = scored_first_post(admin)
    # when
    response = revoke(admin, "ana@example.com", "first-post", reason="Spam post")
    # then
    assert response.status_code == 200, response.json()
    assert response.json()["revoked_by"] == "test admin"
    row = BadgeGrant.objects.get(pk=earned.pk)
    assert row.revoked_at is not None and row.revocation_reason == "Spam post" and row.revoked_by == "test admin"
    assert [(a.action, a.reason, a.assertion) for a in BadgeAudit.objects.all()] == [("revoke", "Spam post", earned.uuid)]
    assert reader.get("/people/ana@example.com").json()["badges"] == []
    catalog = {b["id"]: b for b in reader.get("/badges").json()}
    assert catalog["first-post"]["holders"] == 0
    progress = {b["id"]: b for b in reader.get("/people/ana@example.com/badges").json()}
    assert progress["first-post"]["earned"] == []


def test_revoking_twice_or_what_is_not_held_is_409_and_unknowns_404(admin):
    # given
    scored_first_post(admin)
    assert revoke(admin, "ana@example.com", "first-post").status_code == 200
    # when / then
    assert revoke(admin, "ana@example.com", "first-post").json()["error"] == "already_revoked"
    assert revoke(admin, "ana@example.com", "commenter", "Bronze").json()["error"] == "not_held"
    assert revoke(admin, "nobody@example.com", "first-post").status_code == 404
    assert revoke(admin, "ana@example.com", "no-such-badge").status_code == 404
    assert revoke(admin, "ana@example.com", "first-post", reason="").status_code == 422


def test_a_revoked_badge_is_not_regranted_by_scoring_but_an_admin_may_grant_it_again(admin, reader):
    # given ana's First Post was revoked
    earned = scored_first_post(admin)
    revoke(admin, "ana@example.com", "first-post")
    # when she posts again
    send(admin, event("post", "ana@example.com"))
    # then scoring leaves it revoked
    assert reader.get("/people/ana@example.com").json()["badges"] == []
    # when an admin grants it again
    response = grant(admin, "ana@example.com", "first-post", reason="Reviewed: the post was fine")
    # then it is held under a new assertion, and the old assertion stays revoked
    assert response.status_code == 201, response.json()
    assert [b["id"] for b in reader.get("/people/ana@example.com").json()["badges"]] == ["first-post"]
    assert response.json()["assertion"] != f"http://127.0.0.1:8000/openbadges/assertions/{earned.uuid}"
    assert fetch_ld(response.json()["assertion"])["type"] == "Assertion"
    assert fetch_ld(f"http://testserver/openbadges/assertions/{earned.uuid}", status=410)["revoked"] is True
    assert [a.action for a in BadgeAudit.objects.all()] == ["revoke", "grant"]


def test_an_assertion_from_demo_data_passes_the_independent_checks(admin):
    # given a few days of the demo month scored under the example ruleset
    from pathlib import Path

    from engine.demo_data import generate_month

    ruleset = Path(__file__).resolve().parent.parent / "rules" / "examples" / "social-learning.yaml"
    assert admin.put_yaml("/ruleset", ruleset.read_text(encoding="utf-8")).status_code == 200
    _, events = generate_month(seed=7, people=40, days=5)
    for start in range(0, len(events), 1000):
        assert admin.post("/events", events[start:start + 1000]).status_code == 202
    do_score_pending()
    earned = BadgeGrant.objects.select_related("person").order_by("id").first()
    assert earned is not None, "the demo data earned no badge"
    url = f"http://testserver/openbadges/assertions/{earned.uuid}"
    # when
    hosted = fetch_ld(url)
    # then
    check_assertion(hosted)
    assert verify_email(hosted["recipient"], earned.person.key.lower())
    check_badge_class(badge := fetch_ld(hosted["badge"]))
    check_profile(fetch_ld(badge["issuer"]))
    assert unbake_png(fetch(url + ".png").content) == hosted
    assert unbake_svg(fetch(url + ".svg").content)[1] == hosted


def test_time_boxed_and_expiring_badges_through_the_api(admin, reader):
    # given a badge available in a window long past, and one valid for 30 days
    from engine.scoring import do_score_pending
    from tests.helpers import event, yaml

    ruleset = yaml("""
        ruleset: boxed
        rules:
          - id: post
            when: {type: post}
            award: {to: actor, points: 1}
        badges:
          - id: autumn
            name: Autumn Poster
            criteria: {rule: post}
            available: {from: 2025-09-01, until: 2025-12-01}
          - id: fresh
            name: Fresh Poster
            criteria: {rule: post}
            valid_for_days: 30
    """)
    assert admin.put_yaml("/ruleset", ruleset).status_code == 200
    admin.post("/events", [event("post", "ana@example.com", at="2025-10-01T10:00:00+00:00")])
    do_score_pending()

    # then the time-boxed badge was earned in its window, and the 30-day one has expired by now
    badges = {b["id"]: b for b in reader.get("/people/ana@example.com/badges").json()}
    assert badges["autumn"]["earned"] and badges["autumn"]["available"]["open"] is False
    fresh = badges["fresh"]["earned"][0]
    assert fresh["earned_at"].startswith("2025-10-01T10:00:00") and fresh["expires_at"].startswith("2025-10-31T10:00:00")
    assert fresh["expired"] is True

    # and an admin cannot grant a badge whose window is closed
    admin.post("/events", [event("post", "bob@example.com", at="2026-01-05T10:00:00+00:00")])
    do_score_pending()
    response = admin.post("/people/bob@example.com/badges", {"badge": "autumn", "tier": None, "reason": "nominated"})
    assert response.status_code == 409 and response.json()["error"] == "not_available"
    assert not reader.get("/people/bob@example.com/badges").json()[0]["earned"]
