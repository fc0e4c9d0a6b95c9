"""Where to go after signing in, by password or with the company account."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request) -> str:
    """Where to go after signing in: a path on this site. Anything else goes home, a bare word too:
    redirect() would take "admin" for the name of a URL pattern and fail on it."""
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return "/"
    return target
