"""One conversation: the page (list + pane) or, for htmx, just the pane."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import selectors
from ..access import get_conversation_for_agent
from ..conversations import conversation_mark_read
from .common import list_context, pane_context

PAGE = "inbox/inbox.html"


def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    convo = get_conversation_for_agent(request, pk)
    conversation_mark_read(conversation=convo, user=request.user)
    context = pane_context(request, convo)
    if request.htmx:
        return render(request, f"{PAGE}#pane", context)
    params = selectors.ListParams.from_query(request.GET)
    context.update(list_context(request, params))
    return render(request, PAGE, context)
