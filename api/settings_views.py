"""The agent's API tokens page: create one (shown once), see when each was used, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from inbox.access import require_agent

from .models import ApiToken
from .tokens import token_create, token_revoke

SHOWN_ONCE_KEY = "api_new_token"


def tokens(request: HttpRequest) -> HttpResponse:
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
        token = ApiToken.objects.filter(pk=fresh["pk"], user=request.user).first()
        created = {"token": token, "raw": fresh["raw"]} if token else None
    response = render(
        request,
        "api/tokens.html",
        {"tokens": ApiToken.objects.filter(user=request.user), "created": created},
    )
    if created:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    require_agent(request)
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token_revoke(token=token, actor=request.user)
    messages.success(request, f"Revoked {token.name}.")
    return redirect("api:tokens")
