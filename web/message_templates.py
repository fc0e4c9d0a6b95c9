"""Notification templates: each name on each channel kind, its default or the admin's override,
editing one with a preview on sample data, and going back to the default.

The checks and the rendering are the notifications app's (check_template, preview): a draft that
does not compile or names an unknown field is refused beside the textarea, with the text kept."""

from __future__ import annotations

import json

from django.contrib import messages
from django.utils.translation import gettext
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from notifications.models import TemplateOverride
from notifications.preview import preview
from notifications.render import TEMPLATE_NAMES, RenderError
from notifications.templates import TEMPLATED_KINDS, check_template, do_reset_template, do_save_template, template_text

from .access import admin_only
from .forms import TemplateForm
from .pages import not_found, page


def _known(kind: str, name: str) -> bool:
    return kind in TEMPLATED_KINDS and name in TEMPLATE_NAMES


@require_safe
@admin_only
def templates(request):
    overrides = {(o.kind, o.name): o for o in TemplateOverride.objects.only("kind", "name", "updated_at", "updated_by")}
    rows = [{"name": name, "cells": [{"kind": kind, "override": overrides.get((kind, name))} for kind in TEMPLATED_KINDS]}
            for name in TEMPLATE_NAMES]
    return page(request, "web/templates.html", {"rows": rows, "kinds": TEMPLATED_KINDS})


def shown_preview(kind: str, result: dict) -> dict:
    """What the page shows of a preview: Slack's text, the Teams card as indented JSON, the email's HTML for a sandboxed frame."""
    if kind == "email":
        return {"kind": kind, "subject": result["payload"]["subject"], "html": result["payload"]["html"],
                "plain": result["payload"]["text"]}
    if kind == "slack":
        return {"kind": kind, "text": result["text"], "json": json.dumps(result["payload"], indent=2, ensure_ascii=False)}
    return {"kind": kind, "json": json.dumps(result["payload"], indent=2, ensure_ascii=False)}


def _page(request, kind: str, name: str, form: TemplateForm, shown: dict | None = None, status: int = 200):
    override = TemplateOverride.objects.filter(kind=kind, name=name).first()
    return page(request, "web/template.html", {"kind": kind, "name": name, "form": form, "override": override,
                                               "preview": shown}, status=status)


@require_http_methods(["GET", "POST"])
@admin_only
def template(request, kind: str, name: str):
    if not _known(kind, name):
        return not_found(request, gettext('There is no template %(name)s for %(kind)s. Templates: %(join)s; kinds: %(join2)s.') % {"name": name, "kind": kind, "join": ', '.join(TEMPLATE_NAMES), "join2": ', '.join(TEMPLATED_KINDS)})
    if request.method == "GET":
        text = template_text(kind, name)
        return _page(request, kind, name, TemplateForm(initial={"text": text}), shown_preview(kind, preview(kind, name)))
    form = TemplateForm(request.POST)
    if not form.is_valid():
        return _page(request, kind, name, form, status=422)
    text = form.cleaned_data["text"].replace("\r\n", "\n")
    try:
        check_template(kind, name, text)
        shown = shown_preview(kind, preview(kind, name, text=text))
    except RenderError as exc:
        form.add_error("text", gettext('The template does not render: %(exc)s') % {"exc": exc})
        return _page(request, kind, name, form, status=422)
    if form.cleaned_data["action"] == "save":
        do_save_template(kind, name, text, updated_by=request.user.username)
        messages.success(request, gettext('Saved: %(kind)s messages for %(name)s use this text from now on.') % {"kind": kind, "name": name})
        return redirect("web:template", kind, name)
    return _page(request, kind, name, form, shown)


@require_POST
@admin_only
def reset_template(request, kind: str, name: str):
    if not _known(kind, name):
        return not_found(request, gettext('There is no template %(name)s for %(kind)s.') % {"name": name, "kind": kind})
    if do_reset_template(kind, name):
        messages.success(request, f"{name} for {kind} is back to the shipped default.")
    return redirect("web:template", kind, name)
