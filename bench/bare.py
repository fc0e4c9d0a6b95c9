"""A bare django-ninja endpoint that only validates a batch of events: the framework's limit for ingest.

Same event schema as POST /api/v1/events, same Django middleware, no authentication, no storage.
Served by bench/urls.py, which adds it to the project's routes for the benchmark only.
"""

from __future__ import annotations

from ninja import NinjaAPI

from rules.core.eventschema import EventDoc

api = NinjaAPI(urls_namespace="bench-bare", docs_url=None, openapi_url=None)


@api.post("/events")
def validate_only(request, events: list[EventDoc]):
    return {"accepted": len(events)}
