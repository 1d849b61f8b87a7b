"""The agent's API tokens page: create one (shown once), see when each was used, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from inbox.access import require_agent

from .models import ApiToken
from .tokens import token_create, token_revoke


def tokens(request: HttpRequest) -> HttpResponse:
    require_agent(request)
    created = None
    if request.method == "POST":
        token, raw = token_create(user=request.user, name=request.POST.get("name", ""))
        # Rendered, not redirected: the raw token lives only in this one response.
        created = {"token": token, "raw": raw}
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
