"""Signing in and out with Django sessions. Logging out is a POST, so a link elsewhere cannot do it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from base.redis import get_redis
from base.signin_brake import do_forget_signin_failures, do_note_signin_failure, locked_for

from . import oidc
from .forms import SignInForm
from .next_url import next_url as _next
from .pages import page, person_of


def _signin_page(request, form, status: int = 200, refused: str = ""):
    return page(request, "web/signin.html", {
        "form": form, "next": _next(request), "refused": refused,
        "password_signin": settings.PASSWORD_SIGNIN, "company_signin": oidc.configured()}, status=status)


@require_http_methods(["GET", "POST"])
def sign_in(request):
    if request.method == "GET":
        if request.user.is_authenticated:
            return redirect(_next(request))
        return _signin_page(request, SignInForm())
    if not settings.PASSWORD_SIGNIN:
        return _signin_page(request, SignInForm(), status=403,
                            refused="Password sign-in is off on this Plaudit. Sign in with your company account.")
    form = SignInForm(request.POST)
    if form.is_valid():
        username = form.cleaned_data["username"].strip()
        r = get_redis()
        wait = locked_for(r, username)
        if wait:
            form.add_error("password", f"Too many wrong passwords for this id. Try again in {max(1, wait // 60)} minute(s).")
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                do_note_signin_failure(r, username)
                form.add_error("password", "That id and password do not match. Check both and try again.")
            elif (person := person_of(user)) is not None and not person.active:
                form.add_error("password", "Your account was switched off by your company's directory, so you cannot "
                                           "sign in. Ask your administrator if this is a mistake.")
            else:
                do_forget_signin_failures(r, username)
                login(request, user)
                return redirect(_next(request))
    return _signin_page(request, form, status=400)


@require_POST
def sign_out(request):
    """Ends the session here, and at the company's identity provider too when it offers that."""
    id_token = request.session.get(oidc.ID_TOKEN_KEY)
    logout(request)
    return redirect(oidc.end_session_url(id_token) or "web:signin")
