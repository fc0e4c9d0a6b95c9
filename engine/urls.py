from django.http import JsonResponse
from django.urls import include, path

from .api import api
from .integrations import xapi
from .integrations import slack, teams_bot, viva
from .integrations.slack_app import commands as slack_commands, install as slack_install, interactivity as slack_interactivity
from .metrics import metrics_view
from .routers.health import liveness_view, readiness_view
from insights.pages import report_page


def not_found(request, exception=None):
    return JsonResponse({"error": "not_found", "message": f"no route {request.path}; the API lives under /api/v1 (docs at /api/v1/docs)"}, status=404)


def server_error(request):
    return JsonResponse({"error": "internal_error", "message": "something went wrong on our side; it was logged"}, status=500)


urlpatterns = [
    path("api/v1/", api.urls),
    path("metrics", metrics_view),
    # Probes for orchestrators: liveness (the process answers) and readiness (it can do its work).
    path("healthz", liveness_view),
    path("readyz", readiness_view),
    # Open Badges hosted verification: public, stable URLs outside the versioned API.
    path("openbadges/", include("badges.hosted")),
    # xAPI (an LRS subset) for learning systems: outside /api/v1, its clients speak the xAPI spec.
    path("integrations/xapi/statements", xapi.statements),
    # Inbound chat adapters: signed by each platform, outside the versioned API (docs/integrations.md).
    path("integrations/slack/events", slack.events_view),
    # The Slack app (docs/integrations.md#install-the-slack-app): install, slash commands, buttons and modals.
    path("integrations/slack/install", slack_install.install_view),
    path("integrations/slack/oauth/callback", slack_install.callback_view),
    path("integrations/slack/commands", slack_commands.commands_view),
    path("integrations/slack/interactivity", slack_interactivity.interactivity_view),
    # The Teams bot (Bearer JWT) and the Teams outgoing webhook (HMAC) share one path.
    path("integrations/teams/messages", teams_bot.messages_view),
    path("integrations/viva/messages", viva.messages_view),
    # SCIM 2.0 provisioning from the company's identity provider (a provisioning key; docs/operations.md).
    path("scim/v2/", include("engine.scim.urls")),
    # The printable engagement report (Bearer reader/admin key or a staff session; docs/insights.md).
    path("insights/report", report_page),
]
handler404 = not_found
handler500 = server_error
