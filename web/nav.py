"""The navigation, in one place: a later page is one more line in a list.

Each entry names a URL and the path prefix that marks it current. Admin entries show only to admins;
the pages behind them check admin rights themselves (web/access.py), hiding a link is not security.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext, gettext_noop


@dataclass(frozen=True)
class NavItem:
    label: str  # English, translated when the navigation is built
    url_name: str
    prefix: str  # the item is current when the request path starts with this


EMPLOYEE_PAGES = [
    NavItem(gettext_noop("Boards"), "web:home", "/boards"),
    NavItem(gettext_noop("My profile"), "web:me", "/me"),
    NavItem(gettext_noop("Badges"), "web:badges", "/badges"),
    NavItem(gettext_noop("People"), "web:people", "/people"),
    NavItem(gettext_noop("Kudos"), "web:kudos", "/kudos"),
    NavItem(gettext_noop("Challenges"), "web:challenges", "/challenges"),
    NavItem(gettext_noop("Ways to earn"), "web:ways_to_earn", "/ways-to-earn"),
]

# The admin area: a new admin page is one more line here.
ADMIN_PAGES = [
    NavItem(gettext_noop("Rules"), "web:rules", "/admin-area/rules"),
    NavItem(gettext_noop("Versions"), "web:versions", "/admin-area/versions"),
    NavItem(gettext_noop("API keys"), "web:keys", "/admin-area/keys"),
    NavItem(gettext_noop("Channels"), "web:channels", "/admin-area/channels"),
    NavItem(gettext_noop("Templates"), "web:templates", "/admin-area/templates"),
    NavItem(gettext_noop("Outbox"), "web:outbox", "/admin-area/outbox"),
    NavItem(gettext_noop("Prompts"), "web:prompts", "/admin-area/prompts"),
    NavItem(gettext_noop("Event batches"), "web:event_batches", "/admin-area/event-batches"),
    NavItem(gettext_noop("Insights"), "web:insights", "/admin-area/insights"),
    NavItem(gettext_noop("Manage people"), "web:admin_people", "/admin-area/people"),
    NavItem(gettext_noop("Recompute"), "web:recompute", "/admin-area/recompute"),
]


def nav_for(request, has_profile: bool = True) -> list[dict]:
    """The entries this viewer may see, each with its URL and whether it is the current page; `has_profile`
    False (a sign-in that is no person) leaves "My profile" out."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = EMPLOYEE_PAGES + (ADMIN_PAGES if user.is_staff else [])
    if not has_profile:
        # An admin who is no one on the boards has no profile: no link to a page that can only say so.
        items = [item for item in items if item.url_name != "web:me"]
    own_profile = reverse("web:person", args=[user.username])
    path = request.path

    def current(item: NavItem) -> bool:
        if item.url_name == "web:me":
            return path == own_profile
        if item.url_name == "web:home" and path == "/":
            return True
        return path.startswith(item.prefix) and path != own_profile

    return [{"label": gettext(item.label), "url": reverse(item.url_name), "admin": item in ADMIN_PAGES, "current": current(item)}
            for item in items]
