"""The Facebook connect flow and its one-click reconnect; both return to the Channels page."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from inbox.access import get_reconnect_channel, require_admin
from inbox.connectors import ConnectorError
from inbox.crypto import decrypt, encrypt
from inbox.models import Channel

from . import connect

SESSION_KEY = "channels_fb_connect"


def connect_start(request: HttpRequest) -> HttpResponse:
    """Send the admin to Facebook Login; `?reconnect=<id>` makes it a one-click reconnect."""
    require_admin(request, "Only admins connect channels.")
    reconnect = request.GET.get("reconnect", "")
    if reconnect:
        reconnect = str(get_reconnect_channel(request, kinds=["facebook", "instagram"]).pk)
    state = secrets.token_urlsafe(24)
    request.session[SESSION_KEY] = encrypt({"state": state, "reconnect": reconnect})
    return redirect(connect.dialog_url(redirect_uri=_callback_url(request), state=state))


def connect_callback(request: HttpRequest) -> HttpResponse:
    require_admin(request, "Only admins connect channels.")
    pending = _pending(request) or {}
    expected = pending.get("state", "")  # "" once spent
    if not expected or not secrets.compare_digest(request.GET.get("state", ""), expected):
        raise PermissionDenied("This login did not start here; start again.")
    # One use per state, spent before the code exchange: a callback replayed after a failed
    # exchange (or a leaked URL) must not get a second try.
    pending["state"] = ""
    request.session[SESSION_KEY] = encrypt(pending)
    if request.GET.get("error") or not request.GET.get("code"):
        messages.error(request, "Facebook Login was cancelled; nothing was connected.")
        return redirect("inbox:channels")
    try:
        user_token = connect.exchange_code(
            code=request.GET["code"], redirect_uri=_callback_url(request)
        )
        pages = connect.managed_pages(user_token)
    except ConnectorError as exc:
        messages.error(request, f"Facebook refused the login: {exc}")
        return redirect("inbox:channels")
    pending["pages"] = pages
    request.session[SESSION_KEY] = encrypt(pending)
    reconnect_id = pending.get("reconnect")
    if reconnect_id:
        channel = get_object_or_404(Channel, pk=reconnect_id)
        return _connect_selected(request, pages, [channel.external_id], [])
    return redirect("channels_fb:pick")


@require_http_methods(["GET", "POST"])
def connect_pick(request: HttpRequest) -> HttpResponse:
    require_admin(request, "Only admins connect channels.")
    pages = (_pending(request) or {}).get("pages")
    if pages is None:
        return redirect("channels_fb:connect")
    if request.method == "POST":
        return _connect_selected(
            request, pages, request.POST.getlist("page"), request.POST.getlist("instagram")
        )
    return render(
        request,
        "channels_fb/pick_pages.html",
        {"pages": pages, "offer_instagram": connect.instagram_available()},
    )


def _connect_selected(
    request, pages: list[dict], page_ids: list[str], instagram_page_ids: list[str]
) -> HttpResponse:
    by_id = {str(page["id"]): page for page in pages}
    done = []
    try:
        for page_id in page_ids:
            if page_id in by_id:
                done.append(connect.connect_page(page=by_id[page_id], user=request.user).name)
        for page_id in instagram_page_ids:
            if page_id in by_id:
                channel = connect.connect_instagram(page=by_id[page_id], user=request.user)
                if channel:
                    done.append(f"{channel.name} (Instagram)")
    except ConnectorError as exc:
        messages.error(request, f"Facebook refused: {exc}")
    missing = [pid for pid in page_ids if pid not in by_id]
    if missing:
        messages.error(
            request,
            "This Facebook account does not manage the Page to reconnect; "
            "log in as one of its admins.",
        )
    request.session.pop(SESSION_KEY, None)
    if done:
        messages.success(request, "Connected: " + ", ".join(done))
    return redirect("inbox:channels")


def _pending(request: HttpRequest) -> dict | None:
    token = request.session.get(SESSION_KEY)
    if not token:
        return None
    try:
        return decrypt(token)
    except ValueError:
        return None


def _callback_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("channels_fb:callback"))
