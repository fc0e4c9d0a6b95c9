"""GET /api/v1/healthz: whether the database, Redis and the workers answer, and what waits for them.

Also the site-root probes: GET /healthz (liveness) and GET /readyz (readiness, engine/readiness.py).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import JsonResponse
from ninja import Router, Status

from base.models import Event, EventBatch
from base.redis import get_redis
from engine.readiness import readiness

router = Router(tags=["health"])


@router.get("", auth=None, response={200: dict, 503: dict})
def healthz(request):
    """200 when the database and Redis answer; `workers` counts live RQ workers (0 means scoring waits)."""
    state: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        state["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any driver error means: not healthy
        state["database"] = {"ok": False, "error": str(exc)[:200]}
    try:
        from rq import Worker

        r = get_redis()
        r.ping()
        workers = Worker.all(connection=r)
        state["redis"] = {"ok": True}
        state["workers"] = {"ok": bool(workers), "count": len(workers)}
    except Exception as exc:
        state["redis"] = {"ok": False, "error": str(exc)[:200]}
        state["workers"] = {"ok": False, "count": 0}
    try:
        state["pending_events"] = Event.objects.filter(scored_at__isnull=True).count()
        state["received_batches"] = EventBatch.objects.filter(status=EventBatch.RECEIVED).count()
    except Exception:
        state["pending_events"] = state["received_batches"] = None
    healthy = state["database"]["ok"] and state["redis"]["ok"]
    state["status"] = "ok" if healthy and state["workers"]["ok"] else ("degraded" if healthy else "down")
    return Status(200 if healthy else 503, state)


# The site-root probes, outside the API (engine/urls.py): `/healthz` is liveness, `/readyz` readiness.

def liveness_view(request):
    """200 whenever this process answers: restart it only when this fails."""
    return JsonResponse({"status": "ok"})


def readiness_view(request):
    """200 while the stack can do its work (engine/readiness.py); 503 naming every failing check."""
    state = readiness()
    if state["ready"]:
        return JsonResponse({"status": "ready", "checks": state["checks"]})
    failing = [{"check": name, "message": check.get("error", "failing")}
               for name, check in state["checks"].items() if not check["ok"]]
    names = ", ".join(f["check"] for f in failing)
    response = JsonResponse({"error": "not_ready", "message": f"not ready: {names} failing; see details",
                             "details": failing, "status": "not_ready", "checks": state["checks"]}, status=503)
    response["Retry-After"] = "5"
    return response
