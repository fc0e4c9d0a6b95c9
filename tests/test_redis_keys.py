"""Every key Plaudit writes to Redis starts with one prefix, so an operator can find, count or drop them all."""

from __future__ import annotations

from base.keys import PREFIX
from tests.helpers import BASIC_RULESET


def test_rate_limits_idempotency_the_sign_in_brake_pacing_and_expression_failures_write_under_the_prefix(admin, redis):
    from notifications import outbox
    from rulesets import failures
    from base import signin_brake

    # when: each owner's keys are written through its own code
    admin.client.put("/api/v1/ruleset", BASIC_RULESET, content_type="application/yaml",
                     HTTP_AUTHORIZATION=f"Bearer {admin.key}", HTTP_IDEMPOTENCY_KEY="deploy-1")
    admin.get("/leaderboards")
    signin_brake.do_note_signin_failure(redis, "Ana@Example.com")
    assert outbox._wait_for_pace(redis, "hooks")
    failures.record(redis, 1, {"post": 2}, {"post": "no such field"})
    # then
    written = {k.decode() for k in redis.keys("*")}
    kinds = {k.split(":")[1] for k in written if k.startswith(f"{PREFIX}:")}
    assert {"ratelimit", "idempotency", "signin-failures", "notifications", "rules"} <= kinds
    assert [k for k in written if not k.startswith((f"{PREFIX}:", "rq:"))] == []
    assert redis.get(f"{PREFIX}:signin-failures:ana@example.com") == b"1"  # ids are counted without regard to case
    assert failures.read(redis, 1) == [{"owner": "post", "failures": 2, "last_error": "no such field"}]
