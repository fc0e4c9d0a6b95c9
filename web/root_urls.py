"""The site's URLs: the machine routes of the engine (API, adapters, Open Badges, metrics) and the pages."""

from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.utils.translation import gettext

from engine import urls as engine_urls

from .badge_pages import grant_page
from .pages import not_found as page_not_found

urlpatterns = [
    # A grant's share link: the Open Badges assertion for verifiers, a page for people (by Accept).
    path("openbadges/assertions/<uuid:uid>", grant_page, name="grant"),
    *engine_urls.urlpatterns,
    # Browsers ask for /favicon.ico whatever a page links; the icon is an SVG among the static files.
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    # The web pages (web/): the home page, boards, profiles, badges and the admin area.
    path("", include("web.urls")),
    # The language switch in the page footer (Django's set_language: a cookie for people without a locale).
    path("i18n/", include("django.conf.urls.i18n")),
]


def not_found(request, exception=None):
    if _wants_page(request):
        return page_not_found(request, gettext('There is no page at %(path)s.') % {"path": request.path})
    return engine_urls.not_found(request, exception)


def _wants_page(request) -> bool:
    """A browser asking for a page (not the API, Open Badges or an adapter) gets the 404 page, not JSON."""
    machine = request.path.startswith(("/api/", "/openbadges/", "/integrations/", "/metrics"))
    return not machine and "text/html" in request.headers.get("Accept", "")


handler404 = not_found
handler500 = engine_urls.server_error
