"""What a scoring batch reads in plain SQL (pending events, the batch counter, the active ruleset) and
the stored times it copies into the ledger: the same values the ORM would give, on every backend."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection

from base.dbtimes import _utc_text, stores_utc_text, utc_from_text
from base.accept import do_accept_events
from base.models import Award, Event, ScorerState, ScoringEvent
from base.ledger import ledger_batch, take_scorer_lock
from engine.scoring import do_score_pending
from rulesets.active import active_ruleset, do_activate_ruleset, do_roll_back_ruleset
from tests.helpers import BASIC_RULESET, event

pytestmark = pytest.mark.django_db


def test_utc_text_is_what_django_writes_for_the_same_time():
    adapt = connection.ops.adapt_datetimefield_value if connection.vendor == "sqlite" else None
    moments = [datetime(2026, 11, 30, 3, 4, 5, tzinfo=timezone.utc),  # no fraction: str() leaves it out
               datetime(2026, 11, 30, 3, 4, 5, 7, tzinfo=timezone.utc),
               datetime(2026, 11, 30, 5, 4, 5, 7, tzinfo=timezone(timedelta(hours=2)))]  # moved to UTC
    assert [_utc_text(m) for m in moments] == ["2026-11-30 03:04:05", "2026-11-30 03:04:05.000007", "2026-11-30 03:04:05.000007"]
    if adapt is not None:
        assert [_utc_text(m) for m in moments] == [adapt(m) for m in moments]


def test_utc_from_text_reads_back_the_same_aware_time():
    for text in ("2026-11-30 03:04:05", "2026-11-30 03:04:05.000007"):
        moment = utc_from_text(text)
        assert moment.tzinfo is timezone.utc and _utc_text(moment) == text
    # text that carries its own offset keeps it
    assert utc_from_text("2026-11-30 05:04:05+02:00") == datetime(2026, 11, 30, 3, 4, 5, tzinfo=timezone.utc)


def test_pending_reads_unscored_events_oldest_first_up_to_the_limit(redis):
    do_activate_ruleset(BASIC_RULESET)
    do_accept_events([
        event("post", "ana@example.com", id="r:1", at="2026-11-25T10:00:00.250000+01:00", channel="general"),
        event("comment", "bo@example.com", id="r:2", target={"id": "r:1", "author": "ana@example.com"},
              mentions=["cy@example.com"], attributes={"lang": "en"}),
        event("post", "cy@example.com", id="r:3"),
    ])
    first_two = ScoringEvent.pending(2)
    assert [e.source_id for e in first_two] == ["r:1", "r:2"]
    assert [e.seq for e in first_two] == sorted(e.seq for e in first_two)
    # the same values as the ORM's query of the same events
    orm = list(ScoringEvent.read(Event.objects.filter(scored_at__isnull=True).order_by("seq")[:2]))
    assert [e[:13] for e in first_two] == [e[:13] for e in orm]
    post, comment = first_two
    assert post.occurred_at == datetime(2026, 11, 25, 9, 0, 0, 250000, tzinfo=timezone.utc)
    assert post.occurred_at.utcoffset() == timedelta(0) and post.channel == "general" and post.target_author_key is None
    assert (comment.target_author_key, comment.mentions, comment.attributes) == ("ana@example.com", ["cy@example.com"], {"lang": "en"})
    if stores_utc_text():
        assert post.occurred_at_text == "2026-11-25 09:00:00.250000"
    else:
        assert post.occurred_at_text is None

    assert do_score_pending(max_batches=1) == 3
    assert ScoringEvent.pending(10) == []


def test_awards_store_the_same_occurred_at_as_their_events(redis):
    do_activate_ruleset(BASIC_RULESET)
    do_accept_events([event("post", "ana@example.com", id="t:whole", at="2026-11-25T10:00:00+01:00"),
                      event("post", "bo@example.com", id="t:fraction", at="2026-11-25T10:00:00.000001-05:00")])
    do_score_pending()
    with connection.cursor() as cursor:  # the columns as stored, compared as the database compares them
        cursor.execute(f"SELECT COUNT(*) FROM {Award._meta.db_table} a JOIN {Event._meta.db_table} e ON a.event_id = e.seq "
                       "WHERE a.occurred_at = e.occurred_at")
        assert cursor.fetchone()[0] == 2
    assert {a.event.source_id: a.occurred_at for a in Award.objects.select_related("event")} == {
        "t:whole": datetime(2026, 11, 25, 9, tzinfo=timezone.utc),
        "t:fraction": datetime(2026, 11, 25, 15, 0, 0, 1, tzinfo=timezone.utc)}


def test_the_batch_counter_starts_its_row_and_counts_one_by_one():
    assert not ScorerState.objects.exists()
    assert ledger_batch() == 0
    assert take_scorer_lock() == 1
    assert take_scorer_lock() == 2
    assert ScorerState.objects.get(pk=1).last_batch == 2 == ledger_batch()


def test_active_ruleset_follows_activation_and_roll_back():
    assert active_ruleset() == (None, None)
    first = do_activate_ruleset(BASIC_RULESET)
    ruleset, version = active_ruleset()
    assert (ruleset.name, version) == ("basic", first.id)
    second = do_activate_ruleset(BASIC_RULESET.replace("ruleset: basic", "ruleset: second"))
    assert active_ruleset()[0].name == "second" and active_ruleset()[1] == second.id
    back = do_roll_back_ruleset(first.id)
    assert active_ruleset()[0].name == "basic" and active_ruleset()[1] == back.id


def test_a_backlog_nobody_adds_to_is_scored_in_larger_batches(redis, settings):
    # given six pending events and batches of 2, or 4 once no event has arrived for a while
    from engine.scoring import score_next_batch

    settings.SCORER_BATCH_SIZE, settings.SCORER_BACKLOG_BATCH_SIZE, settings.SCORER_QUIET_SECONDS = 2, 4, 60
    do_activate_ruleset(BASIC_RULESET)
    do_accept_events([event("post", f"p{i}@example.com") for i in range(6)])

    # when the events have just arrived, then the usual size
    assert score_next_batch().events == 2
    # when the newest arrived longer ago than the quiet time, then the backlog's size
    Event.objects.update(received_at=datetime.now(timezone.utc) - timedelta(minutes=5))
    assert score_next_batch().events == 4
    assert not Event.objects.filter(scored_at__isnull=True).exists()
