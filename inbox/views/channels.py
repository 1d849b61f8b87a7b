"""The admins' Channels page: every connected account, its health, and how to (re)connect.

Each connector names its own connect page (`Connector.connect_url_name`) and may add a
partial of its own under its row (`Connector.extras_template`, `extras_context`); this page
only links to and includes them, so a new channel app appears here without a line changed
in `inbox/`. Every connect flow returns here.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from .. import selectors
from ..access import require_admin
from ..connectors import registry
from ..models import EventState


def channels(request: HttpRequest) -> HttpResponse:
    require_admin(request, "Only admins manage channels.")
    kept = selectors.kept_for_inspection()
    # The reasons are read in the Django admin, which only staff may open.
    staff = request.user.is_staff
    rows = [
        {
            "row": row,
            "reconnect_url": _reconnect_url(row),
            "poisoned_url": staff and _events_url(EventState.POISONED, row.channel.pk),
            "failed_url": staff and _events_url(EventState.FAILED, row.channel.pk),
            **_extras(row),
        }
        for row in selectors.channel_overview(kept)
    ]
    connect = sorted(
        ((c.label, reverse(c.connect_url_name)) for c in registry.all() if c.connect_url_name),
        key=lambda item: item[0],
    )
    # Deliveries that could not be matched to a channel (a malformed body names none).
    unmatched = {
        "poisoned": kept.get((None, EventState.POISONED), 0),
        "failed": kept.get((None, EventState.FAILED), 0),
        "url": staff and _events_url(None, None),
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


def _events_url(state: str | None, channel_id: int | None) -> str:
    """The admin's list of inbound events kept in `state` for one channel (None: none)."""
    query = ({"state__exact": state} if state else {}) | (
        {"channel__id__exact": channel_id} if channel_id else {"channel__isnull": "True"}
    )
    return f"{reverse('admin:inbox_inboundevent_changelist')}?{urlencode(query)}"


def _reconnect_url(row: selectors.ChannelRow) -> str:
    if not row.connect_url_name:
        return ""
    # Every connector's connect page takes the channel to reconnect as `?reconnect=<id>`.
    return f"{reverse(row.connect_url_name)}?{urlencode({'reconnect': row.channel.pk})}"
