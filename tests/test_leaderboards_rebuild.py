"""A rebuild sums the ledger in the database: the same totals and tie order as applying it row by row."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection, transaction
from django.test import override_settings

from base.models import Award, Event, Person
from leaderboards import keys, store
from rules.core.placement import SEQ_SPACE, placements
from leaderboards.rebuild import ledger_totals, rebuild_boards
from rules.core import load_ruleset
from tests.helpers import yaml

BOARDS = yaml("""
    rules:
      - {id: post, award: {to: actor, points: 10}}
      - {id: comment, award: {to: actor, points: 2}}
    seasons:
      - {id: s1, from: 2026-03-29, until: 2026-10-25}
      - {id: s2, from: 1890-01-01, until: 1890-01-02}
    leaderboards:
      - id: all-time
      - {id: daily, period: day}
      - {id: weekly, period: week, scope: channel}
      - {id: monthly, period: month, scope: program}
      - {id: season, period: season}
      - {id: posting, period: week, rules: [post]}
      - {id: teams, period: day, aggregate: team}
      - {id: by-team, period: month, scope: team}
""")

# Times near what a bucket could get wrong: midnights in odd offsets, DST switches, and 1890, when
# Amsterdam kept local mean time (+00:19:32) and no day began on a quarter hour.
MOMENTS = [
    "2026-03-29T00:59:59.999999+00:00", "2026-03-29T01:00:00+00:00",  # Berlin and Amsterdam spring forward
    "2026-10-25T00:59:59+00:00", "2026-10-25T01:00:00+00:00", "2026-10-25T01:30:00+00:00",
    "2026-11-29T18:14:59+00:00", "2026-11-29T18:15:00+00:00",  # Monday 00:00 in Kathmandu (+05:45)
    "2026-11-30T15:14:00+00:00", "2026-11-30T15:15:00+00:00",  # 00:00 in Eucla (+08:45)
    "2026-12-01T03:29:00+00:00", "2026-12-01T03:30:00+00:00",  # 00:00 in St John's (-03:30)
    "1890-01-01T23:40:27+00:00", "1890-01-01T23:40:28+00:00", "1890-01-01T23:45:00+00:00",
    "1890-01-01T00:00:00+00:00", "1969-12-31T23:59:59.500000+00:00", "1970-01-01T00:00:00+00:00",
]
ZONES = ["UTC", "Europe/Amsterdam", "Asia/Kathmandu", "Australia/Eucla", "America/St_Johns", "Pacific/Chatham"]


def row_by_row(ruleset, ledger_batch: int) -> dict:
    """The definition: every nonzero ledger row in scoring order, added to each board it counts on."""
    totals: dict = {}
    team_boards = {b.id for b in ruleset.leaderboards if b.aggregate == "team"}
    rows = (Award.objects.filter(batch__lte=ledger_batch).exclude(points=0).order_by("batch", "event_id", "id")
            .values_list("recipient__key", "rule_id", "points", "occurred_at", "channel", "program", "team", "event_id"))
    for person, rule_id, points, occurred_at, channel, program, team, seq in rows:
        for p in placements(ruleset.leaderboards, ruleset.tz, rule_id=rule_id, occurred_at=occurred_at, channel=channel,
                            program=program, team=team, grace=timedelta(days=400 * 365), now=datetime.now(timezone.utc),
                            seasons=ruleset.seasons):
            key = (p, team if p.board_id in team_boards else person)
            total, _ = totals.get(key, (0, 0))
            totals[key] = (total + points, seq)
    return totals


def write_ledger(rows_count: int, seed: int) -> None:
    """Ledger rows straight into the table: several batches, events out of batch order, undos to zero."""
    rng = random.Random(seed)
    stamp = connection.ops.adapt_datetimefield_value
    people = Person.objects.bulk_create([Person(key=f"p{i}@example.com") for i in range(12)])
    events = [Event.objects.create(source_id=f"e{n}", type="post", occurred_at="2026-11-01T00:00:00Z", actor=people[0],
                                   content_hash="x") for n in range(60)]
    # One row per event, rule and recipient, as the ledger's constraint wants.
    combos = rng.sample([(e, rule, p) for e in events for rule in ("post", "comment") for p in people], rows_count)
    rows = []
    for event, rule_id, person in combos:
        points = rng.choice([10, 2, -10, 0, 1])
        rows.append((event.seq, rule_id, person.id, points, points, 1.0, False,
                     stamp(datetime.fromisoformat(rng.choice(MOMENTS))), rng.choice(["", "py", "go"]),
                     rng.choice(["", "academy"]), rng.choice(["", "Data", "Ops"]), rng.randrange(1, 6)))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Award._meta.db_table} (event_id, rule_id, recipient_id, points, base_points, factor, capped, "
            "occurred_at, channel, program, team, batch, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, CURRENT_TIMESTAMP)", rows)


@pytest.mark.django_db
@override_settings(LEADERBOARD_GRACE_DAYS=400 * 365)
@pytest.mark.parametrize("zone", ZONES)
def test_summed_totals_equal_applying_the_ledger_row_by_row_in_any_timezone(zone):
    # given a ledger over awkward moments, and boards of every period, scope and kind
    ruleset = load_ruleset(f"ruleset: sums\ntimezone: {zone}\n" + BOARDS)
    write_ledger(600, seed=len(zone))
    # when / then: every board, member, total and tie (up to batch 4: later batches are left out)
    expected = row_by_row(ruleset, 4)
    assert ledger_totals(ruleset, 4) == expected
    assert {p.board_id for p, _ in expected} == {b.id for b in ruleset.leaderboards}
    assert any(points == 0 for points, _ in expected.values())  # an undo that brought someone back to 0 stays


@pytest.mark.django_db
@override_settings(LEADERBOARD_GRACE_DAYS=400 * 365)
def test_a_rebuild_writes_what_the_ledger_sums_to_in_one_swap(redis):
    # given a ledger and stale boards from an older layout
    ruleset = load_ruleset("ruleset: sums\ntimezone: Asia/Kathmandu\n" + BOARDS)
    write_ledger(300, seed=7)
    redis.zadd(keys.board_key("all-time", "all"), {"gone@example.com": 1})
    # when
    written = rebuild_boards(redis, ruleset, 5)
    # then every entry is on its board with its points and tie, the stale one is gone, the marker is set
    expected = row_by_row(ruleset, 5)
    assert written == len(expected)
    for (placement, member), (points, seq) in expected.items():
        key = keys.board_key(placement.board_id, placement.period, placement.scope_value)
        assert redis.zscore(key, member) == -points * SEQ_SPACE + seq, (key, member)
    assert redis.zscore(keys.board_key("all-time", "all"), "gone@example.com") is None
    assert store.applied_batch(redis) == 5
    assert not list(redis.scan_iter(match=keys.board_pattern(staged=True)))


def test_boards_a_new_ruleset_drops_are_deleted_at_the_next_batch(admin, redis):
    # given boards kept by scoring
    from engine.scoring import do_score_pending
    from tests.helpers import BASIC_RULESET, event

    assert admin.put_yaml("/ruleset", BASIC_RULESET).status_code == 200
    assert admin.post("/events", [event("post", "ana@example.com")]).status_code == 202
    do_score_pending()
    assert redis.exists(keys.board_key("all-time", "all"))
    # when a ruleset without boards is activated and the next batch is scored
    assert admin.put_yaml("/ruleset", "ruleset: quiet\nrules:\n  - {id: post, award: {to: actor, points: 1}}\n").status_code == 200
    assert admin.post("/events", [event("post", "bob@example.com")]).status_code == 202
    do_score_pending()
    # then no board key is left
    assert not list(redis.scan_iter(match=keys.board_pattern()))
