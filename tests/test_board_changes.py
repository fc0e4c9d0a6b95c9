"""board_changes: a scoring batch's points summed per board member, placed by local date in any timezone;
then Redis adding them (store.apply_changes): exact totals, hidden members, expiries."""

from datetime import datetime, timezone

from leaderboards.rebuild import award_deltas, board_changes
from rules.core import load_ruleset


def daily_ruleset(tz: str):
    return load_ruleset(f"ruleset: t\ntimezone: {tz}\nrules:\n  - {{id: post, when: {{type: post}}, award: {{to: actor, points: 1}}}}\n"
                        "leaderboards:\n  - {id: daily, period: day}\n  - {id: teams, aggregate: team}\n")


def row(person, at, points=1, seq=1, team="red"):
    return (person, "post", points, at, "", "", team, seq)


def totals(changes):
    return {(p.board_id, p.period, member): tuple(value) for p, members in changes.items() for member, value in members.items()}


def test_awards_a_minute_apart_across_local_midnight_count_on_different_days():
    # Kathmandu is UTC+05:45: local midnight falls at 18:15 UTC
    ruleset = daily_ruleset("Asia/Kathmandu")
    before = datetime(2026, 11, 20, 18, 14, 59, tzinfo=timezone.utc)
    after = datetime(2026, 11, 20, 18, 15, 0, tzinfo=timezone.utc)
    changes = board_changes(ruleset, [row("ana", before, seq=1), row("ana", after, seq=2), row("bo", after, 3, seq=3)],
                            now=datetime(2026, 11, 21, tzinfo=timezone.utc))
    assert totals(changes) == {
        ("daily", "2026-11-20", "ana"): (1, 1),
        ("daily", "2026-11-21", "ana"): (1, 2),
        ("daily", "2026-11-21", "bo"): (3, 3),
        ("teams", "all", "red"): (5, 3),  # a team board counts the team, with the last change's seq
    }


def test_an_offset_that_is_not_whole_quarter_hours_is_still_placed_exactly():
    # Monrovia kept UTC-00:44:30 until 1972: its midnight fell at 00:44:30 UTC
    ruleset = daily_ruleset("Africa/Monrovia")
    rows = [row("ana", datetime(1970, 6, 1, 0, 44, 29, tzinfo=timezone.utc), seq=1),
            row("ana", datetime(1970, 6, 1, 0, 44, 31, tzinfo=timezone.utc), seq=2)]
    changes = board_changes(ruleset, rows, now=datetime(1970, 6, 2, tzinfo=timezone.utc))
    assert {k: v for k, v in totals(changes).items() if k[0] == "daily"} == {
        ("daily", "1970-05-31", "ana"): (1, 1), ("daily", "1970-06-01", "ana"): (1, 2)}


def test_summed_changes_equal_the_deltas_one_by_one():
    ruleset = daily_ruleset("Europe/Berlin")
    at = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
    rows = [row("ana", at, 2, seq=1), row("bo", at, 1, seq=2), row("ana", at, -2, seq=3), row("ana", at, 0, seq=4)]
    now = datetime(2026, 11, 21, tzinfo=timezone.utc)
    expected: dict = {}
    for d in award_deltas(ruleset, rows, now=now):
        points, _ = expected.get((d.placement.board_id, d.placement.period, d.person), (0, 0))
        expected[(d.placement.board_id, d.placement.period, d.person)] = (points + d.points, d.seq)
    assert totals(board_changes(ruleset, rows, now=now)) == expected
    assert expected[("daily", "2026-11-20", "ana")] == (0, 3)  # an undone award leaves 0 points, changed last by seq 3


def test_redis_adds_points_exactly_near_the_largest_total_and_seq(redis):
    # given a member whose total is close to the largest exact one (2**53 / 2**32 points) with a huge seq
    from leaderboards import board_reads, keys, store
    from rules.core.placement import SEQ_SPACE, Placement, decode

    board = Placement("all-time", "all", None)
    key = keys.board_key("all-time", "all")
    never_hidden = lambda board_id, member: False  # noqa: E731
    store.apply_changes(redis, {board: {"ana": [2_097_000, SEQ_SPACE - 7], "bo": [2_097_000, SEQ_SPACE - 9]}},
                        never_hidden, batch=1, board_ids=["all-time"])
    # when a later batch adds to one of them
    store.apply_changes(redis, {board: {"ana": [150, SEQ_SPACE - 2]}}, never_hidden, batch=2, board_ids=["all-time"])
    # then the score is exact to the last unit: points and who reached them when
    assert redis.zscore(key, "ana") == -2_097_150 * SEQ_SPACE + SEQ_SPACE - 2
    assert decode(redis.zscore(key, "ana")) == 2_097_150
    assert board_reads.page(redis, "all-time", "all", None, 0, 10) == [("ana", 2_097_150), ("bo", 2_097_000)]
    assert redis.hget(keys.board_state("all-time"), "batch") == b"2"


def test_redis_moves_a_member_named_hidden_to_the_twin_with_their_total_and_keeps_the_expiry(redis):
    # given a public member on a weekly board that expires
    from leaderboards import board_reads, keys, store
    from rules.core.placement import Placement

    week = Placement("weekly", "2026-W48", None, 1_900_000_000)
    key = keys.board_key("weekly", "2026-W48")
    store.apply_changes(redis, {week: {"ana": [5, 1], "bo": [3, 2]}}, lambda b, m: False, batch=1, board_ids=["weekly"])
    # when ana opted out before her next award
    store.apply_changes(redis, {week: {"ana": [2, 3]}}, lambda b, m: m == "ana", batch=2, board_ids=["weekly"])
    # then she is off the public board, on its twin with her whole total, and both sets expire
    assert board_reads.page(redis, "weekly", "2026-W48", None, 0, 10) == [("bo", 3)]
    assert board_reads.standing(redis, "weekly", "2026-W48", None, "ana") == board_reads.Standing(1, 7, False)
    assert redis.expiretime(key) == 1_900_000_000
    assert redis.expiretime(keys.hidden_key(key)) == 1_900_000_000
    assert redis.hget(keys.registry_key("weekly"), keys.registry_field("2026-W48", None)) == key.encode()
