"""The navigation, in one place: a later page is one more line in a list.

Each entry names a URL and the path prefix that marks it current. Admin entries show only to admins;
the pages behind them check admin rights themselves (web/access.py), hiding a link is not security.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    prefix: str  # the item is current when the request path starts with this


EMPLOYEE_PAGES = [
    NavItem("Boards", "web:home", "/boards"),
    NavItem("My profile", "web:me", "/me"),
    NavItem("Badges", "web:badges", "/badges"),
    NavItem("People", "web:people", "/people"),
    NavItem("Kudos", "web:kudos", "/kudos"),
]

# The admin area: a new admin page is one more line here.
ADMIN_PAGES = [
    NavItem("Rules", "web:rules", "/admin-area/rules"),
    NavItem("Versions", "web:versions", "/admin-area/versions"),
    NavItem("API keys", "web:keys", "/admin-area/keys"),
    NavItem("Channels", "web:channels", "/admin-area/channels"),
    NavItem("Templates", "web:templates", "/admin-area/templates"),
    NavItem("Outbox", "web:outbox", "/admin-area/outbox"),
    NavItem("Event batches", "web:event_batches", "/admin-area/event-batches"),
    NavItem("Insights", "web:insights", "/admin-area/insights"),
]


def nav_for(request) -> list[dict]:
    """The entries this viewer may see, each with its URL and whether it is the current page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = EMPLOYEE_PAGES + (ADMIN_PAGES if user.is_staff else [])
    own_profile = reverse("web:person", args=[user.username])
    path = request.path

    def current(item: NavItem) -> bool:
        if item.url_name == "web:me":
            return path == own_profile
        if item.url_name == "web:home" and path == "/":
            return True
        return path.startswith(item.prefix) and path != own_profile

    return [{"label": item.label, "url": reverse(item.url_name), "admin": item in ADMIN_PAGES, "current": current(item)}
            for item in items]
