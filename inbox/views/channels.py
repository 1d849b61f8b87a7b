"""The admins' Channels page: every connected account, its health, and how to (re)connect.

Each connector names its own connect page (`Connector.connect_url_name`); this page only
links to it, so a new channel app appears here without a line changed in `inbox/`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from .. import selectors
from ..access import require_agent
from ..connectors import registry


def channels(request: HttpRequest) -> HttpResponse:
    require_agent(request)
    if not request.user.is_admin:
        raise PermissionDenied("Only admins manage channels.")
    rows = [{"row": row, "reconnect_url": _reconnect_url(row)}
            for row in selectors.channel_overview()]
    connect = sorted(((c.label, reverse(c.connect_url_name)) for c in registry.all()
                      if c.connect_url_name), key=lambda item: item[0])
    return render(request, "inbox/channels.html", {"rows": rows, "connect": connect})


def _reconnect_url(row: selectors.ChannelRow) -> str:
    if not row.connect_url_name:
        return ""
    # Every connector's connect page takes the channel to reconnect as `?reconnect=<id>`.
    return f"{reverse(row.connect_url_name)}?{urlencode({'reconnect': row.channel.pk})}"
