"""Load what a request may touch, or answer 404. Every agent view starts with one of these.

All agents work the shared inbox, so any logged-in agent may see any conversation; the
helpers exist so that rule lives in one place and each view starts with a single call.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django_htmx.middleware import HtmxDetails

from accounts.models import User
from accounts.permissions import require_admin, require_agent, require_manager

from . import pane_sql
from .models import Channel, Conversation, Message, OutboundAction

# The role checks are the accounts app's; views start with them from here or from there.
__all__ = [
    "AuthenticatedHttpRequest",
    "HtmxHttpRequest",
    "get_action_for_agent",
    "get_conversation_for_agent",
    "get_message_for_agent",
    "get_reconnect_channel",
    "require_admin",
    "require_agent",
    "require_manager",
]


class HtmxHttpRequest(HttpRequest):
    """What a view receives: django-htmx's middleware (on every request) adds `htmx`."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """The request of a view that starts with a role check (`require_agent` or one of the
    helpers below), which answers 403 to anyone not logged in: its user is a User."""

    user: User


def get_conversation_for_agent(
    request: HttpRequest, pk: int, *, read_state: bool = False
) -> Conversation:
    """The conversation with what its header and panels show (1 query, written by hand in
    inbox/pane_sql.py), or 404.

    `read_state`: with whether this agent has read it since the customer last wrote (for
    `selectors.unread`), in the same query."""
    require_agent(request)
    found = pane_sql.conversation(pk, request.user, read_state=read_state)
    if found is None:
        raise Http404("No Conversation matches the given query.")
    return found


def get_message_for_agent(request: HttpRequest, pk: int) -> Message:
    require_agent(request)
    qs = Message.objects.select_related("conversation", "channel")
    return get_object_or_404(qs, pk=pk)


def get_action_for_agent(request: HttpRequest, pk: int) -> OutboundAction:
    require_agent(request)
    return get_object_or_404(OutboundAction.objects.select_related("conversation"), pk=pk)


def get_reconnect_channel(request: HttpRequest, *, kinds: list[str]) -> Channel:
    """The channel a connect page's `?reconnect=<id>` names, or 404 (for any id that is not
    one of these kinds' channels, a non-number included)."""
    channel_id = request.GET.get("reconnect", "")
    if not (channel_id.isascii() and channel_id.isdigit()):
        raise Http404("no such channel to reconnect")
    return get_object_or_404(Channel, pk=int(channel_id), kind__in=kinds)
