"""A scorer process keeps people's counts, points and badge steps from one batch to the next; what
another process changes in their history (a merge, an erasure, a badge granted by hand) must reach it,
and changing it must not deadlock with a batch."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client

from badges.grants import do_grant_badge
from badges.models import BadgeGrant
from base.errors import ApiError
from base.models import Award, Event, Person
from engine.scoring import do_score_pending
from tests.conftest import ROOT, Api, _database_url, _key, wait_for
from tests.helpers import BASIC_RULESET, event


@pytest.fixture
def admin(transactional_db, redis):
    """Committed data: the other process reads it."""
    api = Api(Client(), _key("admin"))
    api.put_yaml("/ruleset", BASIC_RULESET)
    return api


def send(admin, *events):
    assert admin.post("/events", list(events)).status_code == 202
    do_score_pending()


def in_another_process(code: str, redis_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "-c", code], cwd=ROOT, env=env, check=True,
                   timeout=120)


def test_a_merge_made_by_another_process_counts_for_the_next_batch(admin, redis_server):
    # given Ana's LMS record with three posts today (the day's cap) and one post as ana@example.com,
    # scored in this process, which keeps both records' counts
    send(admin, *(event("post", "ana.ruiz@lms.example", id=f"l{n}") for n in range(3)))
    send(admin, event("post", "ana@example.com", id="a1"))
    assert Person.objects.get(key="ana@example.com").points == 10
    # when another process merges the LMS record into ana@example.com
    in_another_process("from base.models import Person; from engine.merge import do_merge_people; "
                       "do_merge_people(Person.objects.get(key='ana.ruiz@lms.example'), "
                       "Person.objects.get(key='ana@example.com'))", redis_server)
    assert Person.objects.get(key="ana@example.com").points == 40
    # then her next post today is over the cap of three a day (she has four) and pays nothing
    send(admin, event("post", "ana@example.com", id="a2"))
    assert Person.objects.get(key="ana@example.com").points == 40
    assert sum(Award.objects.filter(event__source_id="a2").values_list("points", flat=True)) == 0


def test_a_badge_granted_by_hand_in_another_process_is_not_granted_again_by_scoring(admin, redis_server):
    # given Ana's first comment, scored in this process (Commenter's Bronze takes two)
    send(admin, event("post", "bob@example.com", id="b1"),
         event("comment", "ana@example.com", id="c1", target={"id": "b1", "author": "bob@example.com"}))
    # when an admin grants her Bronze by hand, in another process
    in_another_process("from badges.grants import do_grant_badge; do_grant_badge(person_key='ana@example.com', "
                       "badge_id='commenter', tier='Bronze', reason='Peer nomination', by='admin')", redis_server)
    # then her second comment scores and keeps the hand-made grant as her one Bronze
    send(admin, event("comment", "ana@example.com", id="c2", target={"id": "b1", "author": "bob@example.com"}))
    assert Award.objects.filter(event__source_id="c2").exists()
    grants = BadgeGrant.objects.filter(person__key="ana@example.com", badge_id="commenter")
    assert [(g.tier_name, g.manual) for g in grants] == [("Bronze", True)]


def test_an_erasure_made_by_another_process_leaves_nothing_of_the_person_to_the_next_batch(admin, redis_server):
    # given Ana's three posts today (the day's cap), scored in this process, which keeps her counts
    send(admin, *(event("post", "ana@example.com", id=f"a{n}") for n in range(3)))
    # when another process erases her, and someone new later joins under the same address and posts
    in_another_process("from base.models import Person; from engine.privacy import do_erase_person; "
                       "do_erase_person(Person.objects.get(key='ana@example.com'), requested_by='dpo')", redis_server)
    send(admin, event("post", "ana@example.com", id="new-1"))
    # then the newcomer's first post pays in full: the erased person's day is not theirs
    assert Person.objects.get(key="ana@example.com").points == 10


def test_badges_granted_by_hand_while_a_scorer_grants_the_same_steps_neither_deadlock_nor_double(admin, redis_server):
    # given two hundred people with one comment each scored, and their second comments accepted but not
    # yet scored: each of those gives its author Commenter's Bronze
    people = [f"p{n}@example.com" for n in range(200)]
    target = {"id": "b1", "author": "bob@example.com"}
    send(admin, event("post", "bob@example.com", id="b1"), *(event("comment", p, id=f"c1-{p}", target=target)
                                                           for p in people))
    assert admin.post("/events", [event("comment", p, id=f"c2-{p}", target=target) for p in people]).status_code == 202
    # when a scorer in another process scores them in order, one event a batch, while this process
    # grants the same Bronze by hand: forty people at a time, each forty from its last person backwards
    # once the scorer reaches its first, so the two meet in the middle of every forty
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": redis_server, "LOG_LEVEL": "WARNING",
           "SCORER_BATCH_SIZE": "1", "SCORER_BACKLOG_BATCH_SIZE": "1"}
    scorer = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "shell", "-c",
                               "from engine.scoring import do_score_pending; do_score_pending()"],
                              cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    scored = Event.objects.filter(source_id__startswith="c2-", scored_at__isnull=False)
    held_already = 0
    try:
        for first in range(0, len(people), 40):
            wait_for(lambda: scored.count() > first or scorer.poll() is not None, timeout=60, interval=0.005,
                     what="the scorer to reach the next forty")
            for person in reversed(people[first:first + 40]):
                try:
                    do_grant_badge(person_key=person, badge_id="commenter", tier="Bronze", reason="Peer nomination",
                                   by="admin")
                except ApiError as exc:  # the scorer granted it first: the one refusal a grant may meet here
                    assert exc.code == "already_held", exc
                    held_already += 1
    finally:
        _, errors = scorer.communicate(timeout=120)
    # then both finish without an error (no deadlock), every event is scored, and each person holds
    # one Bronze: by hand where the grant came first, by scoring otherwise
    assert scorer.returncode == 0, errors
    assert not Event.objects.filter(scored_at__isnull=True).exists()
    grants = BadgeGrant.objects.filter(person__key__in=people, badge_id="commenter", revoked_at__isnull=True)
    assert sorted(grants.values_list("person__key", flat=True)) == sorted(people)
    assert grants.filter(tier_name="Bronze").count() == len(people)
    assert grants.filter(manual=True).count() == len(people) - held_already
