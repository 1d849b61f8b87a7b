"""One conversation: the page (list + pane) or, for htmx, just the pane."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from .. import live, selectors
from ..access import AuthenticatedHttpRequest, get_conversation_for_agent
from ..conversations import conversation_mark_read
from .common import list_context, pane_context

PAGE = "inbox/inbox.html"


def conversation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    version = live.page_version()  # before the conversation is read: see pane_context
    convo = get_conversation_for_agent(request, pk, read_state=True)
    # A GET writes only when it changes what the agent has read (a new customer message).
    if selectors.unread(convo, request.user):
        conversation_mark_read(conversation=convo, user=request.user)
    context = pane_context(request, convo, version=version)
    if request.htmx:
        # The pane alone: the list beside it is already on the agent's screen.
        return render(request, f"{PAGE}#pane", context)
    params = selectors.ListParams.from_query(request.GET)
    detail = context["detail"]
    context.update(
        list_context(request, params, agents=detail.agents, teams=detail.teams, version=version)
    )
    return render(request, PAGE, context)
