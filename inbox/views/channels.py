"""The admins' Channels page: every connected account, its health, and how to (re)connect.

Each connector names its own connect page (`Connector.connect_url_name`) and may add a
partial of its own under its row (`Connector.extras_template`, `extras_context`); this page
only links to and includes them, so a new channel app appears here without a line changed
in `inbox/`. Every connect flow returns here.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import kept, selectors
from ..access import require_admin
from ..connectors import registry
from ..models import Channel, EventState, InboundEvent
from .common import query_int


def channels(request: HttpRequest) -> HttpResponse:
    require_admin(request, "Only admins manage channels.")
    counts = selectors.kept_for_inspection()
    rows = [
        {
            "row": row,
            "reconnect_url": _reconnect_url(row),
            "poisoned_url": _kept_url(EventState.POISONED, row.channel.pk),
            "failed_url": _kept_url(EventState.FAILED, row.channel.pk),
            **_extras(row),
        }
        for row in selectors.channel_overview(counts)
    ]
    connect = sorted(
        ((c.label, reverse(c.connect_url_name)) for c in registry.all() if c.connect_url_name),
        key=lambda item: item[0],
    )
    # Deliveries that could not be matched to a channel (a malformed body names none).
    unmatched = {
        "poisoned": counts.get((None, EventState.POISONED), 0),
        "failed": counts.get((None, EventState.FAILED), 0),
        "url": _kept_url("", None),
    }
    return render(
        request, "inbox/channels.html", {"rows": rows, "connect": connect, "unmatched": unmatched}
    )


def _extras(row: selectors.ChannelRow) -> dict:
    """The channel's own partial and its context (a connector that has none adds nothing)."""
    try:
        connector = registry.get(row.channel.kind)
    except LookupError:  # a kind whose app is no longer installed
        return {}
    if not connector.extras_template:
        return {}
    return {
        "extras_template": connector.extras_template,
        "extras": connector.extras_context(row.channel),
    }


def kept_events(request: HttpRequest) -> HttpResponse:
    """The events kept for inspection, with their reasons and what the platform sent."""
    require_admin(request, "Only admins manage channels.")
    state = request.GET.get("state", "")
    channel_id = query_int(request.GET.get("channel"))
    unmatched = request.GET.get("channel") == "none"
    channel = get_object_or_404(Channel, pk=channel_id) if channel_id else None
    events, older = kept.kept_events(
        state=state,
        channel_id=channel_id,
        unmatched=unmatched,
        before=query_int(request.GET.get("before")),
    )
    older_url = ""
    if older:
        older_url = "?" + urlencode({**request.GET.dict(), "before": older})
    return render(
        request,
        "inbox/kept_events.html",
        {
            "events": events,
            "channel": channel,
            "unmatched": unmatched,
            "state": state if state in kept.KEPT_STATES else "",
            "older_url": older_url,
            # Staff may also read them in the Django admin.
            "admin_url": request.user.is_staff and _admin_url(state, channel_id, unmatched),
        },
    )


@require_POST
def process_kept_event(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request, "Only admins manage channels.")
    event = get_object_or_404(InboundEvent, pk=pk, state=EventState.FAILED)
    queued, _poisoned = kept.process_again(InboundEvent.objects.filter(pk=event.pk))
    if queued:
        messages.success(request, f"Event {event.pk} is queued to be processed again.")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/channels/kept/") else "inbox:kept_events")


def _kept_url(state: str, channel_id: int | None) -> str:
    query = {"state": state} if state else {}
    query["channel"] = str(channel_id) if channel_id else "none"
    return f"{reverse('inbox:kept_events')}?{urlencode(query)}"


def _admin_url(state: str, channel_id: int | None, unmatched: bool) -> str:
    """The Django admin's list of the same events (staff only)."""
    query = {"state__exact": state} if state else {}
    if channel_id:
        query["channel__id__exact"] = str(channel_id)
    elif unmatched:
        query["channel__isnull"] = "True"
    return f"{reverse('admin:inbox_inboundevent_changelist')}?{urlencode(query)}"


def _reconnect_url(row: selectors.ChannelRow) -> str:
    if not row.connect_url_name:
        return ""
    # Every connector's connect page takes the channel to reconnect as `?reconnect=<id>`.
    return f"{reverse(row.connect_url_name)}?{urlencode({'reconnect': row.channel.pk})}"
