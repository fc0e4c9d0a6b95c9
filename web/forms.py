"""The pages' forms. Every error is tied to its field, and a form shown again keeps what was typed."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from base.models import ApiKey, EventBatch
from notifications.models import Notification

MAX_RULESET_CHARS = 256 * 1024  # as the API's PUT /ruleset


def _number(value: int) -> str:
    from .jinja import number

    return number(value)


lazy_number = lazy(_number, str)  # 2,000 in English, 2.000 in German: formatted when shown


class SignInForm(forms.Form):
    username = forms.CharField(label=_("Your id (email)"), max_length=200,
                               error_messages={"required": _("Enter the id you sign in with, usually your email.")})
    password = forms.CharField(label=_("Password"), max_length=200, strip=False,
                               error_messages={"required": _("Enter your password.")})


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name, id or team"), min_length=2, max_length=100, required=False,
                        error_messages={"min_length": _("Type at least 2 characters."),
                                        "max_length": _("Keep it under 100 characters.")})


class WorkbenchForm(forms.Form):
    ACTIONS = [("save", _("Save draft")), ("validate", _("Check")), ("test", _("Run tests")), ("simulate", _("Simulate")),
               ("activate", _("Activate"))]
    RANGES = [("7", _("Last 7 days")), ("30", _("Last 30 days")), ("custom", _("From … until …"))]

    ruleset = forms.CharField(label=_("Ruleset (YAML)"), max_length=MAX_RULESET_CHARS, strip=False,
                              widget=forms.Textarea,
                              error_messages={"required": _("The ruleset is empty; write or paste one."),
                                              "max_length": format_lazy(_("A ruleset is limited to {} characters."), lazy_number(MAX_RULESET_CHARS))})
    action = forms.ChoiceField(choices=ACTIONS, initial="validate")
    range = forms.ChoiceField(label=_("Replay"), choices=RANGES, initial="30", required=False)
    since = forms.DateField(label=_("From"), required=False,
                            error_messages={"invalid": _("Write a date like 2026-11-01.")})
    until = forms.DateField(label=_("Until (not included)"), required=False,
                            error_messages={"invalid": _("Write a date like 2026-12-01.")})
    note = forms.CharField(label=_("Note for the version history"), max_length=500, required=False,
                           error_messages={"max_length": _("Keep the note under 500 characters.")})

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "activate" and not (data.get("note") or "").strip():
            self.add_error("note", gettext("Say in a few words what this change does; the note stays with the version."))
        if action == "simulate" and data.get("range") == "custom":
            since, until = data.get("since"), data.get("until")
            if since is None and "since" not in self.errors:
                self.add_error("since", gettext("Choose the first day to replay."))
            if until is None and "until" not in self.errors:
                self.add_error("until", gettext("Choose the day after the last one to replay."))
            if since and until and since >= until:
                self.add_error("until", gettext("Until must be after %(day)s.") % {"day": since.isoformat()})
        return data


class RollBackForm(forms.Form):
    note = forms.CharField(label=_("Why roll back?"), max_length=500, required=False,
                           error_messages={"max_length": _("Keep the note under 500 characters.")})


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           error_messages={"required": _('Name the key after who uses it, e.g. "Slack bridge".'),
                                           "max_length": _("Keep the name under 100 characters.")})
    role = forms.ChoiceField(label=_("Role"), choices=ApiKey.ROLES, initial="reader",
                             error_messages={"invalid_choice": _("Choose admin, integration or reader.")})


class ChannelForm(forms.Form):
    """A channel as an admin types it. The rules (reachable URL, valid secret...) are the service's."""

    KINDS = [("slack", _("Slack")), ("teams", _("Microsoft Teams")), ("webhook", _("Webhook (signed JSON)")), ("email", _("Email"))]

    id = forms.CharField(label=_("Name"), max_length=200,
                         error_messages={"required": _("Name the channel as events or rules call it, e.g. learning-python."),
                                         "max_length": _("Keep the name under 200 characters.")})
    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS, initial="slack",
                             error_messages={"invalid_choice": _("Choose Slack, Teams, webhook or email.")})
    url = forms.CharField(label=_("URL"), max_length=2000, required=False,
                          error_messages={"max_length": _("A URL is limited to 2,000 characters.")})
    secret = forms.CharField(label=_("Signing secret"), max_length=200, required=False, strip=True,
                             error_messages={"max_length": _("A secret is limited to 200 characters.")})
    second_secret = forms.CharField(label=_("Second secret, while rotating"), max_length=200, required=False, strip=True,
                                    error_messages={"max_length": _("A secret is limited to 200 characters.")})
    keep_current = forms.BooleanField(label=_("Keep the current secret valid as the second one"), required=False)
    recipients = forms.CharField(label=_("Email addresses"), max_length=20_000, required=False, widget=forms.Textarea,
                                 error_messages={"max_length": _("Keep the list under 20,000 characters.")})
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def recipient_list(self) -> list[str]:
        text = self.cleaned_data.get("recipients") or ""
        return [a for a in (p.strip() for p in text.replace(",", "\n").splitlines()) if a]


class TemplateForm(forms.Form):
    ACTIONS = [("preview", _("Preview")), ("save", _("Save"))]

    text = forms.CharField(label=_("Template"), max_length=20_000, strip=False, widget=forms.Textarea,
                           error_messages={"required": _("The template is empty; write one, or reset to the default."),
                                           "max_length": _("A template is limited to 20,000 characters.")})
    action = forms.ChoiceField(choices=ACTIONS, initial="preview")


class OutboxFilterForm(forms.Form):
    STATUSES = [("", _("Any status"))] + [(s, s) for s in Notification.STATUSES]
    TRIGGERS = [("", _("Any trigger"))] + [(t, t) for t in Notification.TRIGGERS]

    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False,
                               error_messages={"invalid_choice": _("Choose one of the statuses listed.")})
    channel = forms.CharField(label=_("Channel"), max_length=200, required=False,
                              error_messages={"max_length": _("A channel name has at most 200 characters.")})
    trigger = forms.ChoiceField(label=_("Trigger"), choices=TRIGGERS, required=False,
                                error_messages={"invalid_choice": _("Choose one of the triggers listed.")})
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False,
                              error_messages={"invalid": _("A page is a number."), "min_value": _("Pages start at 1."),
                                              "max_value": _("There are not that many pages.")})


class EventBatchFilterForm(forms.Form):
    STATUSES = [("", _("Any status"))] + EventBatch.STATUSES

    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False,
                               error_messages={"invalid_choice": _("Choose one of the statuses listed.")})
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False,
                              error_messages={"invalid": _("A page is a number."), "min_value": _("Pages start at 1."),
                                              "max_value": _("There are not that many pages.")})


class InsightsForm(forms.Form):
    GROUPS = [("all", _("Everything")), ("channel", _("Channel")), ("program", _("Programme")), ("team", _("Team"))]
    INTERVALS = [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))]

    group = forms.ChoiceField(label=_("Per"), choices=GROUPS, error_messages={
        "required": _("Choose what to group by."), "invalid_choice": _("Choose everything, channel, programme or team.")})
    interval = forms.ChoiceField(label=_("Interval"), choices=INTERVALS, error_messages={
        "required": _("Choose day, week or month."), "invalid_choice": _("Choose day, week or month.")})
    since = forms.DateField(label=_("From"), required=False, error_messages={"invalid": _("Write a date like 2026-11-01.")})
    until = forms.DateField(label=_("Until (not included)"), required=False,
                            error_messages={"invalid": _("Write a date like 2026-12-01.")})

    def add_prefix(self, field_name):
        # The address uses the API's parameter names: ?from=...&until=...
        return "from" if field_name == "since" else field_name


class _Listed(forms.MultipleChoiceField):
    """Several ids from a form, checked by the service, not against the choices shown: a person not
    among the people listed, or a value the ruleset refuses, gets the service's own words."""

    def valid_value(self, value) -> bool:
        return True


class KudosForm(forms.Form):
    """A kudos as a person gives it from the pages. The giver is never a field: it is the sign-in."""

    MAX_MESSAGE = 2000  # as kudos.actions.MAX_MESSAGE

    to = _Listed(label=_("To"), required=True, widget=forms.SelectMultiple,
                 error_messages={"required": _("Choose who you thank: one or more colleagues.")})
    message = forms.CharField(label=_("Message"), max_length=MAX_MESSAGE, widget=forms.Textarea,
                              error_messages={"required": _("Say what you thank them for: the message is empty."),
                                              "max_length": format_lazy(_("Keep the message under {} characters."), lazy_number(MAX_MESSAGE))})
    values = _Listed(label=_("Company values"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, values: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["values"].choices = list(values or ())


class KudosFeedForm(forms.Form):
    to = forms.CharField(label=_("To"), max_length=200, required=False,
                         error_messages={"max_length": _("A person id has at most 200 characters.")})
    from_ = forms.CharField(label=_("From"), max_length=200, required=False,
                            error_messages={"max_length": _("A person id has at most 200 characters.")})
    value = forms.CharField(label=_("Value"), max_length=100, required=False,
                            error_messages={"max_length": _("A value has at most 100 characters.")})
    cursor = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput,
                             error_messages={"max_length": _("This is not a page of the feed; start again from the newest.")})

    def add_prefix(self, field_name):
        # The address uses the API's parameter names: ?to=...&from=...&value=...
        return "from" if field_name == "from_" else field_name
