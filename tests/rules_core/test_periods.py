"""Calendar periods counted in the ruleset's timezone: labels and their bounds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from rules.core import period_bounds, period_key

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("period", "moment", "tz", "expected"),
    [
        ("day", "2026-11-28T22:30:00", BERLIN, "2026-11-28"),
        ("day", "2026-11-28T23:30:00", BERLIN, "2026-11-29"),
        ("day", "2026-11-28T23:30:00", UTC, "2026-11-28"),
        ("day", "2026-07-01T21:59:00", BERLIN, "2026-07-01"),  # summer time, UTC+2
        ("day", "2026-07-01T22:00:00", BERLIN, "2026-07-02"),
        ("week", "2026-11-22T22:59:00", BERLIN, "2026-W47"),  # Sunday 23:59 in Berlin
        ("week", "2026-11-22T23:00:00", BERLIN, "2026-W48"),  # Monday 00:00 in Berlin
        ("week", "2026-11-22T23:00:00", UTC, "2026-W47"),
        ("week", "2026-12-31T12:00:00", UTC, "2026-W53"),
        ("week", "2027-01-03T12:00:00", UTC, "2026-W53"),  # ISO year, not calendar year
        ("week", "2027-01-04T00:00:00", UTC, "2027-W01"),
        ("week", "2026-01-01T00:00:00", UTC, "2026-W01"),
        ("month", "2026-11-30T23:30:00", BERLIN, "2026-12"),
        ("month", "2026-11-30T23:30:00", UTC, "2026-11"),
        ("month", "2026-12-31T23:00:00", BERLIN, "2027-01"),
        ("all", "2026-11-30T23:30:00", BERLIN, "all"),
        ("ever", "1999-01-01T00:00:00", BERLIN, "all"),
    ],
)
def test_period_key_labels_the_period_in_the_timezone(period, moment, tz, expected):
    # when
    key = period_key(period, utc(moment), tz)
    # then
    assert key == expected


def test_period_key_does_not_depend_on_the_offset_the_moment_is_written_in():
    # given: one instant written three ways
    instants = [datetime.fromisoformat(t) for t in
                ("2026-11-28T23:30:00+00:00", "2026-11-29T00:30:00+01:00", "2026-11-28T18:30:00-05:00")]
    # when
    keys = {(p, period_key(p, m, BERLIN)) for p in ("day", "week", "month") for m in instants}
    # then
    assert keys == {("day", "2026-11-29"), ("week", "2026-W48"), ("month", "2026-11")}


def test_period_key_rejects_an_unknown_period():
    # when / then
    with pytest.raises(ValueError):
        period_key("fortnight", utc("2026-11-28T10:00:00"), UTC)


@pytest.mark.parametrize("tz", [BERLIN, UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")])
@pytest.mark.parametrize("period", ["day", "week", "month"])
@pytest.mark.parametrize(
    "moment",
    ["2026-11-28T23:30:00", "2026-03-29T01:30:00", "2026-10-25T00:30:00", "2026-12-31T23:59:59",
     "2027-01-01T00:00:00", "2028-02-29T12:00:00"],
)
def test_period_bounds_round_trip(period, moment, tz):
    # given
    at = utc(moment)
    key = period_key(period, at, tz)
    # when
    start, end = period_bounds(period, key, tz)
    # then: the period holds the moment, starts at local midnight, and its edges have the right labels
    assert start <= at < end
    assert start.astimezone(tz).time() == datetime.min.time()
    assert end.astimezone(tz).time() == datetime.min.time()
    assert period_key(period, start, tz) == key
    assert period_key(period, end - timedelta(microseconds=1), tz) == key
    assert period_key(period, end, tz) != key


@pytest.mark.parametrize(
    ("period", "key", "start", "end"),
    [
        ("day", "2026-11-28", "2026-11-27T23:00:00", "2026-11-28T23:00:00"),
        ("day", "2026-03-29", "2026-03-28T23:00:00", "2026-03-29T22:00:00"),  # 23 hours: clocks go forward
        ("day", "2026-10-25", "2026-10-24T22:00:00", "2026-10-25T23:00:00"),  # 25 hours: clocks go back
        ("week", "2026-W48", "2026-11-22T23:00:00", "2026-11-29T23:00:00"),  # Monday to Monday
        ("week", "2026-W53", "2026-12-27T23:00:00", "2027-01-03T23:00:00"),
        ("month", "2026-12", "2026-11-30T23:00:00", "2026-12-31T23:00:00"),
        ("month", "2026-02", "2026-01-31T23:00:00", "2026-02-28T23:00:00"),
    ],
)
def test_period_bounds_are_local_midnights_in_the_timezone(period, key, start, end):
    # when
    bounds = period_bounds(period, key, BERLIN)
    # then
    assert bounds == (utc(start), utc(end))


def test_period_bounds_of_all_time_is_none():
    # when / then
    assert period_bounds("all", "all", BERLIN) is None
    assert period_bounds("ever", "all", BERLIN) is None


@pytest.mark.parametrize(
    ("period", "key"),
    [("day", "2026-11"), ("day", "2026-02-30"), ("week", "2026-48"), ("week", "2025-W53"), ("month", "2026-13")],
)
def test_period_bounds_refuses_a_malformed_or_impossible_key(period, key):
    # when / then
    with pytest.raises(ValueError):
        period_bounds(period, key, BERLIN)
