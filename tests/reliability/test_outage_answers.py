"""Redis away: pages and middleware that need it answer 503 with Retry-After, never 500."""

from __future__ import annotations

import pytest

from base.models import Event
from tests.helpers import event
from tests.web_seed import make_user, seed_world, signed_in


@pytest.fixture
def redis_away(settings, redis_server):
    """Call it to make the main Redis unreachable for the rest of the test (its socket names no server)."""
    def away():
        settings.REDIS_URL = "unix:///nonexistent/plaudit-redis.sock"
    yield away
    settings.REDIS_URL = redis_server


def test_a_board_page_answers_a_503_page_while_redis_is_away(db, redis, redis_away):
    # given a signed-in employee
    seed_world()
    make_user("ana@example.com")
    client = signed_in("ana@example.com")
    client.raise_request_exception = False
    # when she opens a board while Redis is away
    redis_away()
    response = client.get("/boards/all-time", HTTP_ACCEPT="text/html")
    # then she sees a short page saying to reload, with Retry-After
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "briefly unavailable" in response.content.decode()


def test_an_idempotent_post_answers_503_json_while_redis_is_away(integration, redis_away):
    # when events are sent with an Idempotency-Key (kept in Redis) while Redis is away
    integration.client.raise_request_exception = False
    redis_away()
    response = integration.client.post("/api/v1/events", [event("post")], content_type="application/json",
                                       HTTP_IDEMPOTENCY_KEY="k1", **integration._headers())
    # then the answer is 503 redis_unavailable with Retry-After, and nothing was stored
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    assert response.json()["error"] == "redis_unavailable"
    assert not Event.objects.exists()
