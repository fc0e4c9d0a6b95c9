"""A person's data is theirs: a full export, and an erasure that keeps only anonymous aggregates."""

from __future__ import annotations

import subprocess
import sys

from django.contrib.auth import get_user_model
from django.db.models import Sum

from base.models import Award, Event, Person, PrivacyAudit
from engine.privacy import subject_digest
from base.redis import get_redis
from engine.scoring import do_score_pending
from leaderboards.rebuild import check_boards, rebuild_boards
from notifications.models import Notification
from rulesets.active import active_ruleset
from tests.helpers import BASIC_RULESET, event

ANA = "ana@example.com"


def history(admin):
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    events = [
        event("post", {"id": ANA, "name": "Ana Ruiz", "team": "Data"}, id="p1", channel="learning-python",
              text="My notes on pytest fixtures #Python", attributes={"mood": "proud"}),
        event("comment", "bob@example.com", id="c1", target={"id": "p1", "author": ANA},
              text=f"Thanks @{ANA}, this helped", mentions=[ANA]),
        event("shoutout", "bob@example.com", id="s1", text=f"Congrats @{ANA} on the cert #certification", mentions=[ANA]),
        event("post", "bob@example.com", id="p2", text="My own post"),
    ]
    assert admin.post("/events", events).status_code == 202
    do_score_pending()
    get_user_model().objects.create_user(username=ANA, password="a-long-password-1")


def test_the_export_holds_everything_about_the_person_and_is_audited(admin):
    # given Ana's posts, awards, mentions, a sign-in and a notification about her
    history(admin)
    Notification.objects.create(channel_id="learning-python", trigger="badge_awarded", template="badge_awarded",
                                data={"person": {"id": ANA, "name": "Ana Ruiz"}}, dedupe_key="n1",
                                next_attempt_at="2026-11-25T10:00:00Z", status="delivered")
    # when an admin exports her data
    response = admin.get(f"/people/{ANA}/export")
    # then the document has her profile, her words, her points, where she is mentioned, her sign-in and notifications
    assert response.status_code == 200
    document = response.json()
    assert document["person"]["id"] == ANA and document["person"]["name"] == "Ana Ruiz"
    assert [e["text"] for e in document["events"]] == ["My notes on pytest fixtures #Python"]
    assert sum(a["points"] for a in document["awards"]) == Person.objects.get(key=ANA).points > 0
    assert sorted(document["mentioned_in"]) == ["c1", "s1"]
    assert document["sign_in"]["username"] == ANA
    assert document["notifications"][0]["data"]["person"]["name"] == "Ana Ruiz"
    # and the audit records the export by a keyed hash, never the id
    audit = PrivacyAudit.objects.get(action="export")
    assert audit.subject == subject_digest(ANA) and ANA not in str(audit.summary) + audit.subject


def test_erasure_removes_the_person_everywhere_and_keeps_anonymous_totals(admin, reader):
    # given Ana's history on the boards, a pending notification about her, and her Open Badge
    history(admin)
    r = get_redis()
    points_before = Award.objects.aggregate(total=Sum("points"))["total"]
    pending = Notification.objects.create(channel_id="learning-python", trigger="level_up", template="level_up",
                                          data={"person": {"id": ANA, "name": "Ana Ruiz"}, "level": "Contributor"},
                                          dedupe_key="n2", next_attempt_at="2026-11-25T10:00:00Z")
    assert any(e["person"] == ANA for e in reader.get("/leaderboards/all-time").json()["entries"])
    Person.objects.filter(key=ANA).update(locale="de", timezone="Europe/Berlin", digest_email=False,
                                          quiet_announcements=["level_up"])

    # when an admin erases her
    response = admin.client.delete(f"/api/v1/people/{ANA}", **admin._headers())

    # then she is gone from the API, the boards, Redis, sign-in and other people's events
    assert response.status_code == 200, response.content
    assert response.json()["report"]["board_entries_removed"] > 0
    assert admin.get(f"/people/{ANA}").status_code == 404
    entries = reader.get("/leaderboards/all-time").json()["entries"]
    assert [e["person"] for e in entries] == ["bob@example.com"]
    for key in r.scan_iter(match="plaudit:lb:*"):
        if r.type(key) == b"zset":
            assert ANA.encode() not in r.zrange(key, 0, -1)
    assert not get_user_model().objects.filter(username=ANA).exists()
    comment = Event.objects.get(source_id="c1")
    assert comment.mentions == [] and ANA not in comment.text and "Thanks @a former colleague" in comment.text
    post = Event.objects.get(source_id="p1")
    assert post.text == "" and post.attributes == {}
    # and her words are gone from notifications; the pending one is not sent
    pending.refresh_from_db()
    assert pending.status == "dead" and pending.data["person"] == {"erased": True} and "Ana" not in str(pending.data)
    # and the totals stay whole as an anonymous, hidden person's; boards still agree with the ledger
    assert Award.objects.aggregate(total=Sum("points"))["total"] == points_before
    anonymous = Person.objects.get(pk=post.actor_id)
    assert anonymous.key.startswith("erased-") and anonymous.name == "" and anonymous.public is False
    # and nothing she chose or where she lives is kept
    assert (anonymous.locale, anonymous.timezone, anonymous.quiet_announcements, anonymous.digest_email) == ("", "", [], True)
    ruleset, _ = active_ruleset()
    from base.ledger import ledger_batch
    assert check_boards(r, ruleset, ledger_batch()).drift == 0
    rebuild_boards(r, ruleset, ledger_batch())
    assert [e["person"] for e in reader.get("/leaderboards/all-time").json()["entries"]] == ["bob@example.com"]
    # and the audit says an erasure happened, by whom, without naming her
    audit = PrivacyAudit.objects.get(action="erase")
    assert audit.subject == subject_digest(ANA) and ANA not in str(audit.summary)


def test_her_open_badge_assertions_are_revoked_on_erasure(admin, client):
    from badges.models import BadgeGrant

    history(admin)
    grant = BadgeGrant.objects.filter(person__key=ANA).first()
    if grant is None:  # BASIC_RULESET's badges: make sure she holds one
        grant = BadgeGrant.objects.create(person=Person.objects.get(key=ANA), badge_id="manual", badge_name="Manual")
    assert client.get(f"/openbadges/assertions/{grant.uuid}").status_code == 200
    admin.client.delete(f"/api/v1/people/{ANA}", **admin._headers())
    assert client.get(f"/openbadges/assertions/{grant.uuid}").status_code == 410


def test_export_and_erasure_need_an_admin(admin, reader):
    history(admin)
    assert reader.get(f"/people/{ANA}/export").status_code == 403
    assert reader.client.delete(f"/api/v1/people/{ANA}", **reader._headers()).status_code == 403
    assert admin.get("/people/nobody@example.com/export").status_code == 404


def test_a_signed_in_employee_downloads_her_own_data_and_nobody_elses(admin, client):
    # given Ana signed in to the web pages
    history(admin)
    assert client.login(username=ANA, password="a-long-password-1")
    # when she asks for her data from her profile
    profile = client.get(f"/people/{ANA}")
    download = client.get("/me/export")
    # then the profile offers it and the download is hers, audited; the page has no way to ask for another's
    assert b"/me/export" in profile.content
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    document = download.json()
    assert document["person"]["id"] == ANA and document["events"][0]["text"] == "My notes on pytest fixtures #Python"
    assert PrivacyAudit.objects.filter(action="export", requested_by=f"web:{ANA}").count() == 1
    other = client.get("/people/bob@example.com")
    assert b"/me/export" not in other.content


def test_erasure_redacts_her_name_id_and_email_in_other_peoples_posts_and_keeps_the_rest(admin):
    # given Ana (known by her email too) named in Bob's posts: by a mention, by name and email without one
    from engine.integrations.identity import do_put_person

    history(admin)
    do_put_person(ANA, name=None, team=None, email="ana.ruiz@corp.example", aliases=[])
    more = [
        event("shoutout", "bob@example.com", id="s2", mentions=[ANA],
              text=f"Kudos to Ana Ruiz (ana.ruiz@corp.example, @{ANA}) for the workshop #teaching"),
        event("post", "bob@example.com", id="p3", text="Lunch with ANA RUIZ and the team today"),
        event("post", "bob@example.com", id="p4", text="Nothing about anyone here"),
    ]
    assert admin.post("/events", more).status_code == 202
    do_score_pending()
    # when an admin erases her
    report = admin.client.delete(f"/api/v1/people/{ANA}", **admin._headers()).json()["report"]
    # then her name, id and email read "a former colleague" in Bob's texts, and the rest of each text stays
    texts = dict(Event.objects.filter(source_id__in=["s1", "s2", "p3", "p4"]).values_list("source_id", "text"))
    assert texts["s2"] == "Kudos to a former colleague (a former colleague, @a former colleague) for the workshop #teaching"
    assert texts["p3"] == "Lunch with a former colleague and the team today"
    assert texts["s1"] == "Congrats @a former colleague on the cert #certification"
    assert texts["p4"] == "Nothing about anyone here"
    assert Event.objects.get(source_id="s2").mentions == []
    assert report["mentions_removed"] == 4  # c1, s1, s2, p3
    # and no event anywhere still holds her name, id or email
    for name in ("Ana Ruiz", ANA, "ana.ruiz@corp.example"):
        assert not Event.objects.filter(text__icontains=name).exists(), name


def _files_holding(paths, text: str) -> list[str]:
    """The files among paths that hold text, read by a child process: closing a descriptor of the SQLite
    database in this process would drop every lock SQLite holds on it here (POSIX locks belong to the
    process), and the next connection to close elsewhere would take itself for the last one and delete
    the write-ahead log under this process's open connection, leaving it reading a log that is gone."""
    script = ("import sys; from pathlib import Path; text = sys.argv[1].encode(); "
              "print(*(p for p in sys.argv[2:] if Path(p).is_file() and text in Path(p).read_bytes()), sep='\\n')")
    found = subprocess.run([sys.executable, "-c", script, text, *map(str, paths)], capture_output=True, text=True,
                           check=True).stdout
    return [line for line in found.splitlines() if line]


def test_erasure_rewrites_the_aof_and_checkpoints_the_sqlite_wal(admin, transactional_db):
    # given Ana's words committed to the database and her id written to Redis's append-only file
    import secrets
    import time
    from pathlib import Path

    from django.db import connection

    marker = f"erasure-marker-{secrets.token_hex(6)}"
    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    assert admin.post("/events", [event("post", {"id": ANA, "name": f"Ana {marker}"}, id="w1",
                                        text=f"My {marker} notes")]).status_code == 202
    do_score_pending()
    r = get_redis()
    aof_dir = Path(r.config_get("dir")["dir"]) / r.config_get("appenddirname")["appenddirname"]
    assert _files_holding(aof_dir.iterdir(), ANA), "the AOF holds her id before the erasure"
    rewrites = r.info("persistence")["aof_rewrites"]

    # when an admin erases her
    assert admin.client.delete(f"/api/v1/people/{ANA}", **admin._headers()).status_code == 200

    # then Redis rewrites its append-only file, and her id is not in it
    deadline = time.monotonic() + 30
    while True:
        info = r.info("persistence")
        if info["aof_rewrites"] > rewrites and not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            break
        assert time.monotonic() < deadline, "no AOF rewrite after the erasure"
        time.sleep(0.05)
    assert _files_holding(aof_dir.iterdir(), ANA) == []
    # and on SQLite the write-ahead log is checkpointed and emptied, so her words are in neither file
    if connection.vendor == "sqlite":
        database = Path(connection.settings_dict["NAME"])
        wal = database.with_name(database.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0
        assert _files_holding([database, wal], marker) == []


def test_the_anonymous_row_an_erasure_leaves_is_no_ones_profile_in_the_api(admin, reader):
    # given Ana erased: her ledger stays under an anonymous id
    history(admin)
    admin.client.delete(f"/api/v1/people/{ANA}", **admin._headers())
    anonymous = Person.objects.get(key__startswith="erased-")
    # when anyone asks for that id's profile or awards
    for api in (reader, admin):
        for path in (f"/people/{anonymous.key}", f"/people/{anonymous.key}/awards"):
            response = api.get(path)
            # then it is someone unknown, with no team, points or dated awards
            assert response.status_code == 404, path
            assert response.json()["error"] == "not_found" and "Data" not in response.text, path
