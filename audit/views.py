"""The configuration log page, for admins: filter by kind, person and words; newest first."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render

from inbox.access import AuthenticatedHttpRequest, require_admin

from .models import Entry

PAGE_SIZE = 100


def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_admin(request, "Only admins read the audit log.")
    kind = request.GET.get("kind", "")
    actor = request.GET.get("actor", "")
    q = request.GET.get("q", "").strip()
    entries = Entry.objects.all()
    if kind:
        entries = entries.filter(target_type=kind)
    if actor:
        entries = entries.filter(actor_name=actor)
    if q:
        entries = entries.filter(Q(target_name__icontains=q) | Q(verb__icontains=q))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "audit/log.html" + ("#entries" if request.htmx else "")
    return render(
        request,
        template,
        {
            "page": page,
            "kind": kind,
            "actor": actor,
            "q": q,
            "kinds": Entry.objects.order_by("target_type")
            .values_list("target_type", flat=True)
            .distinct(),
            "actors": Entry.objects.order_by("actor_name")
            .values_list("actor_name", flat=True)
            .distinct(),
        },
    )
