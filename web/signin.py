"""Signing in and out with Django sessions. Logging out is a POST, so a link elsewhere cannot do it."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from base.models import Person
from base.redis import get_redis
from base.signin_brake import do_forget_signin_failures, do_note_signin_failure, locked_for

from .forms import SignInForm
from .pages import page


def _next(request) -> str:
    """Where to go after signing in: a path on this site. Anything else goes home, a bare word too:
    redirect() would take "admin" for the name of a URL pattern and fail on it."""
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return "/"
    return target


@require_http_methods(["GET", "POST"])
def sign_in(request):
    if request.method == "GET":
        if request.user.is_authenticated:
            return redirect(_next(request))
        return page(request, "web/signin.html", {"form": SignInForm(), "next": _next(request)})
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
            elif Person.objects.filter(key=user.get_username(), active=False).exists():
                # Told only after the right password, so the message does not reveal who left.
                form.add_error("password", "This account was deactivated by your company's directory, so it cannot "
                               "sign in. If that is a mistake, ask your administrator to provision it again.")
            else:
                do_forget_signin_failures(r, username)
                login(request, user)
                return redirect(_next(request))
    return page(request, "web/signin.html", {"form": form, "next": _next(request)}, status=400)


@require_POST
def sign_out(request):
    logout(request)
    return redirect("web:signin")
