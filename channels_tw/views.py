"""Admin pages of the X channel: connect with OAuth 2.0 + PKCE, and X's part of the
Channels page (`extras_context`, shown with `channels_tw/channel_extras.html`).

Only admins connect accounts; the connect flow returns to the Channels page.
"""

from __future__ import annotations

import hmac
import secrets

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse

from inbox import channels
from inbox.access import get_reconnect_channel, require_admin
from inbox.connectors import ConnectorError
from inbox.models import Channel, ChannelStatus

from . import conf
from . import connect as oauth
from .client import XClient

SESSION_KEY = "x_oauth"


def connect(request: HttpRequest) -> HttpResponse:
    """Start the consent flow; `?reconnect=<id>` reconnects an existing channel."""
    require_admin(request, "Only admins connect channels.")
    api_base = settings.X_API_BASE.rstrip("/")
    if request.GET.get("reconnect"):
        api_base = conf.api_base(get_reconnect_channel(request, kinds=["x"]))
    verifier, challenge = oauth.pkce_pair()
    state = secrets.token_urlsafe(24)
    redirect_uri = request.build_absolute_uri(reverse("channels_tw:callback"))
    request.session[SESSION_KEY] = {
        "state": state,
        "verifier": verifier,
        "api_base": api_base,
        "redirect_uri": redirect_uri,
    }
    return redirect(
        oauth.authorization_url(
            api_base=api_base, redirect_uri=redirect_uri, state=state, challenge=challenge
        )
    )


def callback(request: HttpRequest) -> HttpResponse:
    require_admin(request, "Only admins connect channels.")
    pending = request.session.pop(SESSION_KEY, None)
    state = request.GET.get("state", "")
    if not pending or not hmac.compare_digest(state.encode(), pending["state"].encode()):
        return HttpResponseBadRequest(
            "This sign-in link is stale or was not started here. "
            "Start again from the X channels page."
        )
    if request.GET.get("error") or not request.GET.get("code"):
        return HttpResponseBadRequest("X did not grant access; nothing was connected.")
    try:
        credentials = oauth.exchange_code(
            api_base=pending["api_base"],
            code=request.GET["code"],
            verifier=pending["verifier"],
            redirect_uri=pending["redirect_uri"],
        )
        me = XClient(pending["api_base"], credentials["access_token"]).me()
    except ConnectorError as exc:
        return HttpResponseBadRequest(f"X refused the connection: {exc}")
    api_base_url = (
        "" if pending["api_base"] == settings.X_API_BASE.rstrip("/") else pending["api_base"]
    )
    channel, created = Channel.objects.get_or_create(
        kind="x",
        external_id=me["id"],
        defaults={
            "name": me.get("name") or me["username"],
            "handle": me.get("username", ""),
            "api_base_url": api_base_url,
        },
    )
    if created or channel.status != ChannelStatus.NEEDS_RECONNECT:
        channel.credentials = {**channel.credentials, **credentials}
        channel.handle = me.get("username", channel.handle)
        channel.save(update_fields=["credentials", "handle"])
        if created:
            channels.connected(channel, user=request.user)
    else:
        channels.reconnect(channel, credentials=credentials, user=request.user)
    messages.success(request, f"Connected: {channel.name} (X)")
    return redirect("inbox:channels")


def extras_context(channel: Channel) -> dict:
    """What X adds to its row on the Channels page: the tier, the named searches polled,
    the poll's pacing and each endpoint's configured tier limit beside X's own budget."""
    limits = conf.tier_limits(channel)
    return {
        "tier": channel.config.get("tier", conf.DEFAULT_TIER),
        "searches": [
            s.get("name") or s.get("query", "") for s in channel.config.get("searches", [])
        ],
        "sources": channel.config.get("sources", ["mentions", "search", "dm_events"]),
        "tier_limits": sorted(limits.items()),
    }
