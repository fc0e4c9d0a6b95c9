"""The signed-in person's preferences (/me/preferences): their title, which announcements may name them,
Slack mentions, the digest by email, and nudges."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from badges.titles import held_badges
from base.errors import Invalid
from engine.integrations.slack_app.nudges import nudges_enabled
from engine.preferences import do_set_preferences
from notifications.preferences import ANNOUNCEMENTS

from .access import signed_in
from .pages import not_found, page, viewer


class PreferencesForm(forms.Form):
    # Free text, so that the action (not the form) says why a badge not held cannot be a title.
    title = forms.CharField(label=_("Your title"), max_length=64, required=False)
    announce = forms.MultipleChoiceField(label=_("Announce in team channels"), required=False,
                                         choices=list(ANNOUNCEMENTS.items()), widget=forms.CheckboxSelectMultiple)
    mention = forms.BooleanField(label=_("Mention me (@) in Slack announcements, so Slack tells me"), required=False)
    digest_email = forms.BooleanField(label=_("Send me the digest by email"), required=False)
    nudges = forms.BooleanField(label=_("Send me a nudge in Slack now and then (at most one a week)"), required=False)


def current(person) -> dict:
    return {"title": person.title_badge, "announce": [t for t in ANNOUNCEMENTS if t not in (person.quiet_announcements or [])],
            "mention": person.slack_mention, "digest_email": person.digest_email, "nudges": nudges_enabled(person)}


@require_http_methods(["GET", "HEAD", "POST"])
@signed_in
def preferences(request):
    person = viewer(request)
    if person is None:
        return not_found(request, gettext("This sign-in is not a person on the boards, so it has no preferences."))
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=current(person))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            do_set_preferences(person, title=data["title"], announce=set(data["announce"]), mention=data["mention"],
                               digest_email=data["digest_email"], nudges=data["nudges"])
        except Invalid as exc:
            form.add_error("title", exc.message)
        else:
            messages.success(request, gettext("Your preferences are saved."))
            return redirect("web:preferences")
    return page(request, "web/preferences.html", {"form": form, "person": person, "held": held_badges(person)},
                status=422 if form.errors else 200)
