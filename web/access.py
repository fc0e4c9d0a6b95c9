"""Who may see a page: signed-in people and admins (Django's is_staff). The brake on guessing
passwords is base/signin_brake.py."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext
from django.shortcuts import redirect

from .pages import forbidden


def signed_in(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)
    return wrapper


def admin_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}")
        if not request.user.is_staff:
            return forbidden(request, gettext('This page is for admins. Ask an admin if you need something changed here.'))
        return view(request, *args, **kwargs)
    return wrapper
