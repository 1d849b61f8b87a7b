"""The agent's API tokens page: create one (shown once), see when each was used, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from inbox.access import AuthenticatedHttpRequest, require_agent

from .models import ApiToken
from .tokens import token_create, token_revoke

SHOWN_ONCE_KEY = "api_new_token"


def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_agent(request)
    if request.method == "POST":
        token, raw = token_create(user=request.user, name=request.POST.get("name", ""))
        # Post/redirect/get, so a reload never creates a second token: the raw token waits
        # in the session for the one page that shows it, and is gone from there once shown.
        request.session[SHOWN_ONCE_KEY] = {"pk": token.pk, "raw": raw}
        return redirect("api:tokens")
    created = None
    fresh = request.session.pop(SHOWN_ONCE_KEY, None)
    if fresh:
        shown = ApiToken.objects.filter(pk=fresh["pk"], user=request.user).first()
        created = {"token": shown, "raw": fresh["raw"]} if shown else None
    response = render(
        request,
        "api/tokens.html",
        {"tokens": ApiToken.objects.filter(user=request.user), "created": created},
    )
    if created:
        response["Cache-Control"] = "no-store"
    return response


def revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET asks first (settings/confirm.html); the POST from that page revokes."""
    require_agent(request)
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at__isnull=True)
    if request.method != "POST":
        used = (
            f"last used {timezone.localtime(token.last_used_at):%Y-%m-%d %H:%M}"
            if token.last_used_at
            else "never used yet"
        )
        return render(
            request,
            "settings/confirm.html",
            {
                "object": f"the token {token.name}",
                "verb": "Revoke",
                "consequences": [
                    f"Scripts that send it ({used}) are refused from now on. This cannot be "
                    "undone: a new token, in the scripts, replaces it."
                ],
                "form_id": "confirm-revoke",
                "cancel_url": reverse("api:tokens"),
            },
        )
    token_revoke(token=token, actor=request.user)
    messages.success(request, f"Revoked {token.name}.")
    return redirect("api:tokens")
