"""The agent's own settings, and the managers' list-and-edit pages (teams here; other apps
register theirs, the inbox its saved replies and tags, with `register_managed`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from audit.log import record, snapshot

from .forms import SignatureForm, TeamForm
from .models import Team
from .permissions import require_manager


def settings_view(request: HttpRequest) -> HttpResponse:
    form = SignatureForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Signature saved.")
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form})


# Each managed kind: its model, form, and how the list names it. Its pages are
# /manage/<kind>/ named accounts:<kind> (accounts/urls.py, read after every app's ready()).
MANAGED: dict[str, tuple] = {"teams": (Team, TeamForm, "Teams")}


def register_managed(kind: str, model, form_class, title: str) -> None:
    """Give `model` the managers' list, edit and delete pages, in the settings layout."""
    MANAGED.setdefault(kind, (model, form_class, title))


def manage_list(request: HttpRequest, kind: str) -> HttpResponse:
    require_manager(request)
    model, form_class, title = MANAGED[kind]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        record(actor=request.user, verb="created", target=form.instance)
        messages.success(request, f"Added {form.instance}.")
        return redirect(f"accounts:{kind}")
    return render(
        request,
        "accounts/manage.html",
        {"kind": kind, "title": title, "objects": model.objects.all(), "form": form},
    )


def manage_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    require_manager(request)
    model, form_class, title = MANAGED[kind]
    obj = get_object_or_404(model, pk=pk)
    before = snapshot(obj)
    form = form_class(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        form.save()
        record(actor=request.user, verb="changed", target=obj, before=before)
        messages.success(request, f"Saved {obj}.")
        return redirect(f"accounts:{kind}")
    return render(
        request,
        "accounts/manage_edit.html",
        {"kind": kind, "title": title, "object": obj, "form": form},
    )


def manage_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """GET asks "Delete X?" on a page of its own, so a slip on the list deletes nothing, with
    or without JavaScript; the POST from that page deletes."""
    require_manager(request)
    model, _, title = MANAGED[kind]
    obj = get_object_or_404(model, pk=pk)
    if request.method != "POST":
        return render(
            request,
            "settings/confirm.html",
            {
                "object": obj,
                "consequences": [
                    f"It is removed from {title.lower()} for everyone. This cannot be undone."
                ],
                "cancel_url": reverse(f"accounts:{kind}"),
            },
        )
    record(actor=request.user, verb="deleted", target=obj, before=snapshot(obj))
    obj.delete()
    messages.success(request, f"Deleted {obj}.")
    return redirect(f"accounts:{kind}")
