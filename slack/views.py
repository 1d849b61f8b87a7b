"""The managers' Slack page: the connection, what to post, and the last posts."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from inbox.access import require_manager

from . import notify
from .forms import SlackConnectionForm
from .models import SlackConnection, SlackMessage

SHOWN = 50


def settings_page(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    connection = SlackConnection.objects.order_by("pk").first()
    form = SlackConnectionForm(request.POST or None, instance=connection)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Slack connection saved.")
        return redirect("slack:settings")
    return render(
        request,
        "slack/settings.html",
        {
            "form": form,
            "connection": connection,
            "posts": SlackMessage.objects.select_related("conversation")[:SHOWN],
        },
    )


@require_POST
def send_test(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    connection = SlackConnection.current()
    if connection is None:
        messages.error(request, "Connect Slack (and leave it on) first.")
    else:
        notify.test_message(connection, by=request.user)
        messages.success(request, "Test message queued: see it below and in Slack.")
    return redirect("slack:settings")
