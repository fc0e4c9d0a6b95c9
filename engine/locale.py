"""The language and timezone of a request (docs/operations.md#languages): the signed-in person's
`locale` (from the directory, SCIM or OIDC) when we speak it, else the language picked in the page
footer (a cookie), else the browser's Accept-Language, else settings.LANGUAGE_CODE; the person's
`timezone` when known, else the server's."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from base.languages import supported_language, zone
from base.models import Person


class LocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        locale, tz_name = _person_settings(request)
        language = supported_language(locale) or translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        tz = zone(tz_name)
        if tz is not None:
            timezone.activate(tz)
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


def _person_settings(request) -> tuple[str, str]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "", ""
    row = Person.objects.filter(key=user.username).values_list("locale", "timezone").first()
    return row if row is not None else ("", "")
