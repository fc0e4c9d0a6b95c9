"""Rendering a page: every template gets the viewer, their person and the navigation."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext

from base.models import Person

from .nav import nav_for


def person_of(user) -> Person | None:
    """The person a sign-in belongs to: the username is the person id events use (an email, say)."""
    if not user.is_authenticated:
        return None
    return Person.objects.filter(key=user.username).first()


def viewer(request):
    """The signed-in person (None for an admin who is no one on the boards), read once per request."""
    if not hasattr(request, "_viewer_person"):
        request._viewer_person = person_of(request.user)
    return request._viewer_person


def page(request, template: str, context: dict | None = None, status: int = 200):
    me = viewer(request)
    base = {"user": request.user, "viewer": me, "nav": nav_for(request, has_profile=me is not None)}
    return render(request, template, {**base, **(context or {})}, status=status, using="jinja2")


def not_found(request, message: str):
    return page(request, "web/problem.html", {"title": gettext('Not found'), "message": message}, status=404)


def forbidden(request, message: str):
    return page(request, "web/problem.html", {"title": gettext('Not for you'), "message": message}, status=403)


def no_ruleset(request):
    return page(request, "web/problem.html", {
        "title": gettext('No ruleset yet'),
        "message": gettext('No ruleset is active, so there are no boards or badges yet. An admin can write one in the rules workbench.'),
    }, status=200)


def one_page(request, rows, number: int, per_page: int) -> dict:
    """Page `number` of a queryset, with what a pager needs; the links keep the other query parameters."""
    total = rows.count()
    query = request.GET.copy()
    query.pop("page", None)

    def link(n: int) -> str:
        query["page"] = str(n)
        return "?" + query.urlencode()

    return {"rows": list(rows[(number - 1) * per_page:number * per_page]), "total": total, "page": number,
            "pages": max(1, -(-total // per_page)),
            "previous": link(number - 1) if number > 1 else None,
            "next": link(number + 1) if number * per_page < total else None}
