"""Rate limits: each caller has its own budget; past it, 429 with Retry-After; ingest and reads apart."""

from __future__ import annotations

import time

import pytest

from engine.ratelimit import WINDOW_SECONDS
from tests.helpers import BASIC_RULESET, event


@pytest.fixture
def small_budgets(settings):
    settings.RATE_LIMIT_INGEST_PER_MINUTE = 3
    settings.RATE_LIMIT_READS_PER_MINUTE = 5


def test_reads_past_the_budget_get_429_with_retry_after_and_other_callers_are_unaffected(small_budgets, admin, reader):
    # given a reader who has used the five reads of this minute
    admin.put_yaml("/ruleset", BASIC_RULESET)
    _start_of_a_window_soon()
    answers = [reader.get("/leaderboards") for _ in range(5)]
    assert {a.status_code for a in answers} == {200}
    assert answers[-1]["RateLimit-Remaining"] == "0"
    # when the reader asks once more
    refused = reader.get("/leaderboards")
    # then the answer is 429 with a wait in seconds, while another key still reads
    assert refused.status_code == 429
    # (the five reads count until enough of them slide out of the last sixty seconds: up to two windows)
    assert 1 <= int(refused["Retry-After"]) <= 2 * WINDOW_SECONDS
    assert "at most 5 reads a minute" in refused.json()["message"]
    assert admin.get("/leaderboards").status_code == 200


def test_ingest_has_its_own_budget_and_refused_events_are_not_stored(small_budgets, admin, integration):
    # given an integration key that sent three requests this minute
    admin.put_yaml("/ruleset", BASIC_RULESET)
    _start_of_a_window_soon()
    for i in range(3):
        assert integration.post("/events", event(id=f"rl:{i}")).status_code in (200, 202)
    # when it sends a fourth
    refused = integration.post("/events", event(id="rl:over"))
    # then it is refused with 429, the event is not stored, and reads with the same key's budget are separate
    assert refused.status_code == 429 and refused["Retry-After"]
    assert admin.get("/events/rl:over").status_code == 404
    assert admin.get("/events/rl:0").status_code == 200


def test_a_budget_spent_at_the_end_of_a_minute_is_not_spent_again_at_the_start_of_the_next(
        small_budgets, admin, reader, monkeypatch):
    # given a reader who used its five reads in the last second of one window
    from engine import ratelimit

    admin.put_yaml("/ruleset", BASIC_RULESET)
    window_start = 1_000 * WINDOW_SECONDS
    monkeypatch.setattr(ratelimit, "clock", lambda: window_start + 59)
    assert [reader.get("/leaderboards").status_code for _ in range(5)] == [200] * 5

    # when it reads again one second into the next window
    monkeypatch.setattr(ratelimit, "clock", lambda: window_start + WINDOW_SECONDS + 1)
    refused = reader.get("/leaderboards")

    # then the last sixty seconds count: refused, told to wait until enough of them have passed
    assert refused.status_code == 429
    assert refused["Retry-After"] == "11"
    monkeypatch.setattr(ratelimit, "clock", lambda: window_start + WINDOW_SECONDS + 10)
    assert reader.get("/leaderboards").status_code == 429  # a refused read did not push the wait out
    monkeypatch.setattr(ratelimit, "clock", lambda: window_start + WINDOW_SECONDS + 12)
    allowed = reader.get("/leaderboards")
    assert allowed.status_code == 200 and allowed["RateLimit-Remaining"] == "0"


def test_a_limit_of_zero_switches_it_off(small_budgets, settings, admin, reader):
    # given reads limited to 5 a minute, then switched off
    admin.put_yaml("/ruleset", BASIC_RULESET)
    settings.RATE_LIMIT_READS_PER_MINUTE = 0
    # then twenty reads in a row all succeed
    assert [reader.get("/leaderboards").status_code for _ in range(20)] == [200] * 20


def _start_of_a_window_soon() -> None:
    """Budgets are fixed one-minute windows: four requests must not straddle two of them, which they
    may on a loaded machine when they start in the window's last seconds. Wait for the next one then."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 20:
        time.sleep(left + 0.05)


# --- who the caller is: the key, not the header's spelling ------------------------------------


def _fixed_clock(monkeypatch) -> None:
    """Every request in the same second of one window, so the budget alone decides."""
    from engine import ratelimit

    monkeypatch.setattr(ratelimit, "clock", lambda: 2_000 * WINDOW_SECONDS + 1)


def test_spellings_of_the_bearer_scheme_share_one_key_budget(small_budgets, admin, reader, monkeypatch):
    # given a reader key sent with five spellings of the scheme, one request each (the budget is 5)
    admin.put_yaml("/ruleset", BASIC_RULESET)
    _fixed_clock(monkeypatch)
    spellings = ["Bearer", "bearer", "BEARER", "bEaReR", "Bearer "]
    for scheme in spellings:
        reader.client.get("/api/v1/leaderboards", HTTP_AUTHORIZATION=f"{scheme} {reader.key}")

    # when it reads once more with yet another spelling
    refused = reader.client.get("/api/v1/leaderboards", HTTP_AUTHORIZATION=f"BeaRER {reader.key}")

    # then the key's budget is spent, whatever the spelling
    assert refused.status_code == 429, refused.content
    assert refused.json()["error"] == "rate_limited"
    assert admin.get("/leaderboards").status_code == 200  # another key is unaffected


def test_xapi_basic_auth_with_a_new_user_name_each_time_shares_the_key_budget(small_budgets, admin, integration,
                                                                             monkeypatch):
    import base64

    from tests.test_xapi import statement

    # given an LMS sending with one integration key as Basic's password and a new user name each time
    admin.put_yaml("/ruleset", BASIC_RULESET)
    _fixed_clock(monkeypatch)

    def send(i: int):
        basic = base64.b64encode(f"lms-user-{i}:{integration.key}".encode()).decode()
        return integration.client.post("/integrations/xapi/statements", statement(), content_type="application/json",
                                       HTTP_AUTHORIZATION=f"Basic {basic}", HTTP_X_EXPERIENCE_API_VERSION="1.0.3")

    assert [send(i).status_code for i in range(3)] == [200] * 3
    # when it sends a fourth with yet another user name
    refused = send(3)
    # then it is refused: the budget of 3 is the key's
    assert refused.status_code == 429 and refused["Retry-After"]


def test_unknown_keys_count_against_the_address(small_budgets, admin, anonymous, monkeypatch):
    # given five reads from one address, each with a different made-up key
    admin.put_yaml("/ruleset", BASIC_RULESET)
    _fixed_clock(monkeypatch)
    answers = [anonymous.client.get("/api/v1/leaderboards", HTTP_AUTHORIZATION=f"Bearer pk_made_up_{i}")
               for i in range(5)]
    assert {a.status_code for a in answers} == {401}
    # when a sixth arrives with yet another one
    refused = anonymous.client.get("/api/v1/leaderboards", HTTP_AUTHORIZATION="Bearer pk_made_up_6")
    # then the address's budget is spent
    assert refused.status_code == 429
