"""The outbox page: every reply and action that has not gone out, across the team.

Failed, held, queued and sending, each with the reason in words and a Retry where a retry
can work (inbox/outbox.py `can_retry`), so nobody has to open conversations one by one to
find the customers who were not answered.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import selectors
from ..access import require_agent
from ..models import ChannelStatus


def outbox(request: HttpRequest) -> HttpResponse:
    require_agent(request)
    state = request.GET.get("state", "")
    rows, counts = selectors.outbox_rows(state)
    return render(
        request,
        "inbox/outbox.html",
        {
            "rows": rows,
            "counts": counts,
            "states": selectors.OUTBOX_STATES,
            "state": state,
            "needs_reconnect": ChannelStatus.NEEDS_RECONNECT,
        },
    )
