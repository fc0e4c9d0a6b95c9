"""The reads behind the pages find kudos through their own index, not by reading every event of a range."""

import pytest
from django.db import connection

from base.models import events_mentioning
from kudos.allowance import live_kudos


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_the_kudos_feed_and_a_profiles_kudos_are_read_through_the_kudos_index():
    newest_first = live_kudos().order_by("-occurred_at", "-seq").values("seq")[:21]
    received = events_mentioning("ana@example.com", live_kudos())
    for rows in (newest_first, received):
        plan = _plan(rows)
        assert "event_kudos_idx" in plan, plan
